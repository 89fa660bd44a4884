"""Synthetic demo data: employers, depositors, personal fund accounts and K months of remittances.

Used by ``manage.py seed_demo`` and by the benchmarks. Two steps:

1. :func:`build_plan` generates everything in Python from a seeded ``random.Random`` (same seed, same
   data): Chinese names, valid resident ID numbers and unified social credit codes, couples, bases
   and ratios, account statuses and the months each account was paid for (the monthly contribution parts
   come from the database's rounding function, asked once for every distinct base and ratio).
2. :func:`load` writes the plan set-based with PostgreSQL's ``COPY``, never one
   ``save()`` per row: the depositors in one transaction, then one transaction per chunk of employers
   with everything that belongs to them: their suspense and personal ledger accounts (inserted with the
   balances their postings give them), the employers, fund accounts and account events, the journal
   entries and lines, the bank's statement lines, and one UPDATE of the bank ledger accounts' balances.

Every chunk leaves the books consistent (entries balanced, cached balances equal to their lines, bank
statement matching the bank ledger account), so an interrupted load never breaks reconciliation.
The PostgreSQL balance trigger stays on and checks every entry at each chunk's commit.
"""

import datetime
import hashlib
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.calculations import clamp_base
from accounts.contributions import monthly_parts_many
from accounts.models import AccountEvent, Depositor, EconomicType, Employer, FundAccount
from core import audit, numbering, policy
from core.business_date import today as business_today
from core.identity import organisation_code_check_char, resident_id_check_char, uscc_check_char
from core.translatable import StoredText, message_json
from deposits.models import RemittanceLine, RemittanceList
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, Bank, BankAccount, BankInstruction, BankStatementLine, JournalEntry, JournalLine
from withdrawals.models import Reason

DEFAULT_MONTHS = 24
LINES_PER_CHUNK = 50_000  # journal lines per transaction
ENTRIES_PER_CHUNK = 1_000  # see load(): PostgreSQL 15 slows down with many checked entries per session
ARREARS_MONTHS = 3  # months not paid by the employers in arrears (build_plan's in_arrears)
BALANCE_TRIGGER = "ledger_entry_balanced"  # ledger/migrations/0002

# --- word lists ------------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
            "莫孔向汤")
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰亮成志文博晨昊天翔东海永兴德"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英玲桂兰燕萍红梅琳莉雪婷颖倩洁琴云慧佳丹欣怡雯璐晶悦琪瑶楠菲露婉蓉"
COMMON_CHARS = "子一思雨嘉文晓安可梓若家泽紫诗嘉心语宏少春秋"

# Birth-place address codes (GB/T 2260) of real districts.
REGIONS = ("110105", "110108", "310104", "310115", "320106", "320102", "330106", "330102", "340104", "360102",
           "370102", "410105", "420106", "430104", "440106", "440305", "500103", "510107", "610113", "330110")
# The demo city's own districts (division codes used in the employers' USCCs) and their names.
CITY = "示范市"
CITY_DISTRICTS = (("330102", "东城区"), ("330103", "西城区"), ("330104", "南湖区"), ("330105", "北山区"),
                  ("330106", "滨江区"), ("330108", "高新区"))
ROADS = ("人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "黄河路", "新华路", "文化路", "胜利路", "青年路",
         "朝阳路", "科技大道", "金融街", "湖滨路", "环城北路", "学院路", "工业园一路")
TRADE_NAMES = ("华信", "恒达", "宏远", "金鼎", "瑞丰", "天成", "鼎盛", "新世纪", "博远", "汇通", "中联", "正泰", "远航",
               "盛世", "康泰", "永安", "东方", "海纳", "启明", "星辰", "德润", "嘉禾", "锦程", "万象", "明德", "安信",
               "世纪", "长城", "凯旋", "润泽", "聚力", "同创", "青禾", "云帆", "晨光", "卓越", "诚信", "兴业", "佳和",
               "蓝海", "银河", "百川", "方圆", "光华", "泰和", "智远", "弘毅", "宝丰", "四海", "祥云")
INDUSTRIES = (("电子科技", "制造业"), ("信息技术", "信息传输、软件和信息技术服务业"),
              ("软件", "信息传输、软件和信息技术服务业"),
              ("建筑工程", "建筑业"), ("商贸", "批发和零售业"), ("物流", "交通运输、仓储和邮政业"),
              ("餐饮管理", "住宿和餐饮业"), ("机械制造", "制造业"), ("新材料", "制造业"), ("医药", "制造业"),
              ("房地产开发", "房地产业"), ("物业服务", "房地产业"), ("文化传媒", "文化、体育和娱乐业"),
              ("环保科技", "水利、环境和公共设施管理业"), ("食品", "制造业"), ("汽车销售", "批发和零售业"),
              ("投资咨询", "租赁和商务服务业"), ("人力资源", "租赁和商务服务业"), ("纺织", "制造业"),
              ("能源", "电力、热力、燃气及水生产和供应业"))
BUREAUS = ("教育局", "财政局", "卫生健康委员会", "人力资源和社会保障局", "住房和城乡建设局", "市场监督管理局",
           "交通运输局", "司法局", "统计局", "民政局", "农业农村局", "文化和旅游局", "应急管理局", "审计局",
           "自然资源和规划局", "生态环境局", "商务局", "退役军人事务局", "人民法院", "人民检察院")
INSTITUTIONS = ("第{n}人民医院", "第{n}中学", "第{n}小学", "第{n}幼儿园", "中医院", "妇幼保健院", "疾病预防控制中心",
                "图书馆", "档案馆", "广播电视台", "职业技术学院", "实验中学", "科学技术研究院", "社会福利院")
ASSOCIATIONS = ("餐饮行业协会", "软件行业协会", "建筑业协会", "律师协会", "会计学会", "慈善总会", "书法家协会",
                "汽车行业协会", "物流协会", "商业联合会")
NON_ENTERPRISES = ("职业培训学校", "养老服务中心", "社会工作服务中心", "康复中心", "青少年活动中心")
STATE_COMPANIES = ("城市建设投资集团有限公司", "交通投资集团有限公司", "水务集团有限公司", "公共交通集团有限公司",
                   "燃气有限公司", "供电公司", "国有资产经营有限公司", "粮食储备有限公司", "港务集团有限公司")
SHOPS = ("餐馆", "超市", "理发店", "五金店", "便利店", "汽修店", "茶楼", "面馆")

# (economic type, weight, first two USCC characters)
ECONOMIC_TYPES = (
    (EconomicType.PRIVATE, 40, "91"), (EconomicType.JOINT_STOCK, 10, "91"), (EconomicType.STATE_OWNED, 10, "91"),
    (EconomicType.PUBLIC_INSTITUTION, 10, "12"), (EconomicType.STATE_ORGAN, 5, "11"),
    (EconomicType.FOREIGN_INVESTED, 6, "91"), (EconomicType.URBAN_COLLECTIVE, 3, "91"),
    (EconomicType.SOCIAL_ORGANISATION, 2, "51"), (EconomicType.PRIVATE_NON_ENTERPRISE, 3, "52"),
    (EconomicType.SELF_EMPLOYED, 9, "92"), (EconomicType.OTHER, 2, "91"),
)
BANKS = ((Bank.ICBC, 30), (Bank.CCB, 25), (Bank.ABC, 15), (Bank.BOC, 15), (Bank.BOCOM, 15))
BANK_NAMES_ZH = {Bank.ICBC: "中国工商银行", Bank.ABC: "中国农业银行", Bank.BOC: "中国银行", Bank.CCB: "中国建设银行",
                 Bank.BOCOM: "交通银行"}
PAYDAYS = (5, 5, 8, 10, 10, 10, 15, 15, 15, 18, 20, 20, 25, 25, 28)
SEAL_REASONS = ("与单位解除劳动关系", "离职", "劳动合同期满终止", "辞职")
USCC_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"


# --- the plan --------------------------------------------------------------------------------------

@dataclass(slots=True, eq=False)
class PersonPlan:
    name: str
    id_number: str
    gender: str
    birth: datetime.date
    phone: str
    marital: str = Depositor.Marital.SINGLE
    children: int = 0
    local_hukou: bool = True
    spouse: "PersonPlan | None" = None
    pk: int = 0


@dataclass(slots=True, eq=False)
class EmployerPlan:
    name: str
    uscc: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    economic_type: str
    industry: str
    payday: int
    bank: str
    ratio: Decimal
    opened_on: datetime.date
    start: int  # first month index with remittances
    end: int  # last month index with remittances (closed employers: the month before closure)
    remit_days: list = field(default_factory=list)  # business date of each month's remittance
    closed_on: datetime.date | None = None
    accounts: list = field(default_factory=list)
    pk: int = 0
    number: str = ""
    suspense_pk: int = 0


@dataclass(slots=True, eq=False)
class AccountPlan:
    person: PersonPlan
    employer: EmployerPlan
    base: Decimal
    start: int
    last: int  # last month paid (last < start: never paid)
    opened_on: datetime.date
    status: str = FundAccount.Status.NORMAL
    sealed_on: datetime.date | None = None
    seal_reason: str = ""
    closed_on: datetime.date | None = None
    close_reason: str = ""
    monthly: Decimal = Decimal(0)
    pk: int = 0
    number: str = ""
    ledger_pk: int = 0

    @property
    def months_paid(self):
        return max(0, self.last - self.start + 1)


@dataclass
class Plan:
    months: list  # first day of each month, oldest first
    employers: list
    persons: list
    accounts: list
    rounding: str
    seed: int


def month_window(today: datetime.date, months: int) -> list[datetime.date]:
    """First days of the ``months`` months ending with the month before ``today``."""
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(datetime.date(year, month, 1))
    return out[::-1]


def chinese_name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    pool = MALE_CHARS if gender == "M" else FEMALE_CHARS
    if rng.random() < 0.3:
        return surname + rng.choice(pool)
    first = rng.choice(COMMON_CHARS) if rng.random() < 0.4 else rng.choice(pool)
    return surname + first + rng.choice(pool)


_SURNAME_WEIGHTS = [1 / (rank + 4) for rank in range(len(SURNAMES))]


def resident_id(rng: random.Random, birth: datetime.date, gender: str) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8))
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def uscc(rng: random.Random, prefix: str, division: str) -> str:
    if rng.random() < 0.6:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    else:  # codes issued after 2015 start with MA
        body = "MA" + "".join(rng.choice("0123456789" + USCC_LETTERS) for _ in range(6))
    first17 = prefix + division + body + organisation_code_check_char(body)
    return first17 + uscc_check_char(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(10 ** 9):09d}"


def _birth(rng, first_year, last_year):
    start = datetime.date(first_year, 1, 1).toordinal()
    return datetime.date.fromordinal(rng.randint(start, datetime.date(last_year, 12, 31).toordinal()))


def _employer_name(rng, etype, district):
    if etype == EconomicType.STATE_ORGAN:
        return f"{CITY}{district}{rng.choice(BUREAUS)}" if rng.random() < 0.7 else f"{CITY}{rng.choice(BUREAUS)}"
    if etype == EconomicType.PUBLIC_INSTITUTION:
        return f"{CITY}{rng.choice(INSTITUTIONS).format(n=rng.randint(1, 30))}"
    if etype == EconomicType.SOCIAL_ORGANISATION:
        return f"{CITY}{rng.choice(ASSOCIATIONS)}"
    if etype == EconomicType.PRIVATE_NON_ENTERPRISE:
        return f"{CITY}{district}{rng.choice(TRADE_NAMES)}{rng.choice(NON_ENTERPRISES)}"
    if etype == EconomicType.SELF_EMPLOYED:
        return f"{district}{rng.choice(TRADE_NAMES)}{rng.choice(SHOPS)}"
    trade, (word, _industry) = rng.choice(TRADE_NAMES), rng.choice(INDUSTRIES)
    if etype == EconomicType.JOINT_STOCK:
        return f"{CITY}{trade}{word}股份有限公司"
    if etype == EconomicType.STATE_OWNED:
        return f"{CITY}{trade}{word}集团有限公司" if rng.random() < 0.5 else f"{CITY}{rng.choice(STATE_COMPANIES)}"
    if etype == EconomicType.FOREIGN_INVESTED:
        return f"{trade}（{CITY[:2]}）{word}有限公司"
    if etype == EconomicType.URBAN_COLLECTIVE:
        return f"{CITY}{district}{trade}{word}厂"
    return f"{CITY}{trade}{word}有限公司"


def _industry(rng, etype, name):
    if etype in (EconomicType.STATE_ORGAN, EconomicType.SOCIAL_ORGANISATION):
        return "公共管理、社会保障和社会组织"
    if etype == EconomicType.PUBLIC_INSTITUTION:
        return "卫生和社会工作" if "医院" in name or "保健" in name else "教育"
    for word, industry in INDUSTRIES:
        if word in name:
            return industry
    return "居民服务、修理和其他服务业"


def _unique_name(rng, etype, district, taken):
    for _ in range(8):
        name = _employer_name(rng, etype, district)
        if name not in taken:
            break
    base, n = name, 1
    while name in taken:  # the word lists are short: a branch office keeps the name unique
        n += 1
        name = f"{base}第{n}分公司" if base.endswith("公司") else f"{base}（第{n}分部）"
    taken.add(name)
    return name


def _unique(make, taken, tries=50):
    for _ in range(tries):
        value = make()
        if value not in taken:
            taken.add(value)
            return value
    raise RuntimeError("could not generate a unique value")


def build_plan(*, employers: int, depositors: int, months: int = DEFAULT_MONTHS, seed: int = 1, today=None,
               taken_ids=(), taken_usccs=(), taken_names=(), in_arrears: int = 0) -> Plan:
    """Generate the whole data set in memory. ``taken_*``: values already in the database. ``in_arrears``:
    employers (still open) that stopped paying ARREARS_MONTHS months before the end of the window."""
    if employers < 1 or depositors < employers:
        raise ValueError("Need at least one employer and at least as many depositors as employers.")
    if months < 1:
        raise ValueError("Need at least one month.")
    rng = random.Random(seed)
    today = today or business_today()
    window = month_window(today, months)
    p = policy.snapshot("deposits.", on=window[0])
    floor, cap, rounding = p["deposits.base_floor"], p["deposits.base_cap"], p["deposits.rounding"]
    lo_pct, hi_pct = int(p["deposits.ratio_min"] * 100), int(p["deposits.ratio_max"] * 100)
    last = months - 1

    # Employers.
    usccs, names = set(taken_usccs), set(taken_names)
    etypes = [t for t, _w, _p in ECONOMIC_TYPES]
    eweights = [w for _t, w, _p in ECONOMIC_TYPES]
    prefixes = {t: pfx for t, _w, pfx in ECONOMIC_TYPES}
    emp_plans = []
    for _ in range(employers):
        etype = rng.choices(etypes, weights=eweights)[0]
        division, district = rng.choice(CITY_DISTRICTS)
        name = _unique_name(rng, etype, district, names)
        payday = rng.choice(PAYDAYS)
        if etype in (EconomicType.STATE_ORGAN, EconomicType.PUBLIC_INSTITUTION):
            ratio_pct = hi_pct
        else:
            ratio_pct = rng.choices(range(lo_pct, hi_pct + 1),
                                    weights=[6 if r in (lo_pct, hi_pct) else 2 for r in range(lo_pct, hi_pct + 1)])[0]
        new = months >= 4 and rng.random() < 0.15
        start = rng.randint(1, last - 2) if new else 0
        remit_days = [datetime.date(m.year, m.month, min(28, payday + rng.randint(0, 5))) for m in window]
        if new:
            opened_on = remit_days[start].replace(day=rng.randint(1, remit_days[start].day))
        else:
            opened_on = window[0] - datetime.timedelta(days=rng.randint(1, 120))
        emp_plans.append(EmployerPlan(
            name=name, uscc=_unique(lambda etype=etype, division=division: uscc(rng, prefixes[etype], division),
                                    usccs),
            address=f"{CITY}{district}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            legal_representative=chinese_name(rng, rng.choice("MMF")), contact_name=chinese_name(rng, rng.choice("MF")),
            contact_phone=mobile(rng), economic_type=etype, industry=_industry(rng, etype, name), payday=payday,
            bank=rng.choices([b for b, _w in BANKS], weights=[w for _b, w in BANKS])[0],
            ratio=Decimal(ratio_pct) / 100, opened_on=opened_on, start=start, end=last, remit_days=remit_days,
        ))
    # A few employers closed (注销) during the last months of the window.
    if employers >= 5 and months >= 4:
        candidates = [e for e in emp_plans if e.start <= last - 3]
        for emp in rng.sample(candidates, min(len(candidates), max(1, round(employers * 0.01)))):
            closure = rng.randint(max(emp.start + 2, last - 5), last)
            emp.closed_on = datetime.date(window[closure].year, window[closure].month, rng.randint(1, 28))
            emp.end = closure - 1
    if in_arrears and months > ARREARS_MONTHS + 1:  # their own random stream: the rest of the plan is unchanged
        candidates = [e for e in emp_plans if e.closed_on is None and e.start <= last - ARREARS_MONTHS - 1]
        for emp in random.Random(seed + 2).sample(candidates, min(len(candidates), in_arrears)):
            emp.end = last - ARREARS_MONTHS

    # People: about 30 % belong to a couple where both spouses are depositors.
    ids = set(taken_ids)
    persons = []

    def person(gender, birth):
        id_number = _unique(lambda: resident_id(rng, birth, gender), ids)
        return PersonPlan(name=chinese_name(rng, gender), id_number=id_number, gender=gender, birth=birth,
                          phone=mobile(rng), local_hukou=rng.random() < 0.8)

    for _ in range(round(depositors * 0.15)):
        husband_birth = _birth(rng, 1965, 2000)
        wife_year = min(2003, max(1965, husband_birth.year + rng.randint(-2, 5)))
        husband, wife = person("M", husband_birth), person("F", _birth(rng, wife_year, wife_year))
        children = rng.choices((0, 1, 2, 3), weights=(15, 50, 30, 5))[0]
        for a, b in ((husband, wife), (wife, husband)):
            a.spouse, a.marital, a.children = b, Depositor.Marital.MARRIED, children
        persons += [husband, wife]
    while len(persons) < depositors:
        gender = rng.choice("MF")
        one = person(gender, _birth(rng, 1965, 2003))
        if one.birth.year >= 1995:
            one.marital = rng.choices(("10", "20"), weights=(85, 15))[0]
        else:
            one.marital = rng.choices(("10", "20", "40", "30"), weights=(25, 60, 10, 5))[0]
        if one.marital != Depositor.Marital.SINGLE:
            one.children = rng.choices((0, 1, 2, 3), weights=(20, 50, 25, 5))[0]
        persons.append(one)

    order = persons[:]
    rng.shuffle(order)
    # Employer sizes: log-normal (many small, a few large), self-employed businesses smallest.
    scale = {EconomicType.SELF_EMPLOYED: 0.05, EconomicType.STATE_ORGAN: 2.0, EconomicType.STATE_OWNED: 3.0}
    weights = [rng.lognormvariate(0, 1.6) * scale.get(e.economic_type, 1.0) for e in emp_plans]
    total_w = sum(weights)
    sizes = [1 + int((depositors - employers) * w / total_w) for w in weights]
    for i in rng.sample(range(employers), depositors - sum(sizes)):
        sizes[i] += 1
    accounts, pos = [], 0
    for emp, size in zip(emp_plans, sizes, strict=True):
        for one in order[pos:pos + size]:
            accounts.append(_account_plan(rng, one, emp, window, floor, cap, rounding))
        pos += size
    pairs = sorted({(a.base, a.employer.ratio) for a in accounts})  # the parts, by the database, in one query
    monthly = {pair: ee + er for pair, (ee, er) in zip(pairs, monthly_parts_many(
        [(base, ratio, ratio) for base, ratio in pairs], rounding), strict=True)}
    for acc in accounts:
        acc.monthly = monthly[(acc.base, acc.employer.ratio)]
    accounts.sort(key=lambda a: (a.opened_on, a.employer.opened_on))
    emp_plans.sort(key=lambda e: e.opened_on)
    return Plan(months=window, employers=emp_plans, persons=persons, accounts=accounts, rounding=rounding, seed=seed)


def _account_plan(rng, person, emp, window, floor, cap, rounding):
    start = emp.start if (rng.random() < 0.75 or emp.end <= emp.start) else rng.randint(emp.start, emp.end)
    day = emp.remit_days[start]
    low_day = emp.opened_on.day if (emp.opened_on.year, emp.opened_on.month) == (day.year, day.month) else 1
    opened_on = day.replace(day=rng.randint(min(low_day, day.day), day.day))
    wage = Decimal(int(rng.lognormvariate(8.85, 0.5) * 100)) / 100  # median about 7,000 yuan
    base = clamp_base(wage, floor, cap)
    acc = AccountPlan(person=person, employer=emp, base=base, start=start, last=emp.end, opened_on=opened_on)
    r = rng.random()
    if r < 0.09 and start < emp.end:  # ends before the employer stops paying: sealed or closed
        stop = rng.randint(start + 1, emp.end)  # the month of leaving, not paid
        leave_on = datetime.date(window[stop].year, window[stop].month, rng.randint(1, 28))
        acc.last = stop - 1
        if r < 0.01:
            acc.status = FundAccount.Status.CLOSED_WITHDRAWN
            acc.closed_on = leave_on
            age = leave_on.year - person.birth.year
            acc.close_reason = ("退休销户提取" if age >= (60 if person.gender == "M" else 55)
                                else rng.choice(("出境定居销户提取", "完全丧失劳动能力并与单位终止劳动关系销户提取")))
        else:
            acc.status = FundAccount.Status.SEALED
            acc.sealed_on, acc.seal_reason = leave_on, rng.choice(SEAL_REASONS)
    elif emp.closed_on is not None:
        acc.status = FundAccount.Status.SEALED
        acc.sealed_on, acc.seal_reason = emp.closed_on, "单位注销"
    return acc


# --- loading ---------------------------------------------------------------------------------------

def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


class Writer:
    """Inserts rows (tuples in ``columns`` order) with COPY."""

    def __init__(self):
        self.counts = defaultdict(int)
        self.seconds = defaultdict(float)  # time spent per table, and in commits

    def ids(self, model, n) -> list[int]:
        """Reserve ``n`` primary keys for rows inserted in the current transaction."""
        if n == 0:
            return []
        table = model._meta.db_table
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cur.fetchall()]

    def insert(self, model, columns, rows, fmt=None):
        """``fmt``: a %-format for one row when no value needs escaping (fast path for journal lines)."""
        if not rows:
            return
        started = time.perf_counter()
        self.counts[model._meta.label] += len(rows)
        self._copy(model, columns, rows, fmt)
        self.seconds[model._meta.object_name] += time.perf_counter() - started

    def _copy(self, model, columns, rows, fmt):
        cols = ", ".join(f'"{model._meta.get_field(c).column}"' for c in columns)
        with connection.cursor() as cur, cur.cursor.copy(f'COPY "{model._meta.db_table}" ({cols}) FROM STDIN') as cp:
            for start in range(0, len(rows), 20_000):
                part = rows[start:start + 20_000]
                if fmt:
                    cp.write("".join([fmt % row for row in part]))
                else:
                    cp.write("".join(["\t".join([_copy_text(v) for v in row]) + "\n" for row in part]))

    def add_balances(self, deltas: dict):
        """Add ``deltas`` {ledger account id: net debit (debits − credits)} to the cached balances, each in its
        account's normal direction (the account's ``debit_normal`` column)."""
        deltas = {k: v for k, v in deltas.items() if v}
        if not deltas:
            return
        started = time.perf_counter()
        ids = sorted(deltas)
        with connection.cursor() as cur:
            cur.cursor.execute(
                "UPDATE ledger_account AS a SET balance = a.balance"
                " + CASE WHEN a.debit_normal THEN v.net ELSE -v.net END "
                "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, net) WHERE a.id = v.id",
                [ids, [deltas[i] for i in ids]])
        self.seconds["balance update"] += time.perf_counter() - started

    @contextmanager
    def transaction(self):
        """transaction.atomic(). When it is the outermost block, the deferred checks are fired
        one kind at a time before the commit so that each is timed: the balance trigger on journal lines,
        then the foreign keys, then the commit itself (WAL flush)."""
        outermost = not connection.in_atomic_block
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
            if outermost:
                with connection.cursor() as cur:
                    if self._has_balance_trigger(cur):
                        started = time.perf_counter()
                        cur.execute(f"SET CONSTRAINTS {BALANCE_TRIGGER} IMMEDIATE")
                        self.seconds["balance trigger"] += time.perf_counter() - started
                    started = time.perf_counter()
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    self.seconds["foreign key checks"] += time.perf_counter() - started
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        started = time.perf_counter()
        atomic.__exit__(None, None, None)
        self.seconds["commit"] += time.perf_counter() - started

    _trigger = None

    def _has_balance_trigger(self, cur):
        if self._trigger is None:
            cur.execute("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = %s)", [BALANCE_TRIGGER])
            self._trigger = cur.fetchone()[0]
        return self._trigger


def _bank_accounts(banks, actor):
    """The center's deposit-collection account at each entrusted bank, created if missing."""
    center = policy.get("center.name")
    out = {}
    for code in banks:
        found = (BankAccount.objects.filter(bank=code, purpose=BankAccount.Purpose.DEPOSIT)
                 .select_related("ledger_account").order_by("pk").first())
        if found is None:
            number = f"{code}{'0' * 10}58{int(code):04d}01"
            found = BankAccount.objects.filter(number=number).select_related("ledger_account").first()
        if found is None:
            found = ledger_services.create_bank_account(
                bank=code, number=number, name=f"{center}归集户（{BANK_NAMES_ZH[code]}）", actor=actor)
        out[code] = found
    return out


def _card_number(rng):
    body = "6222" + "".join(str(rng.randrange(10)) for _ in range(14))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def _entry_hash(pairs) -> str:
    """Same digest as ledger.posting.lines_hash for [(account_id, side, amount)]."""
    canon = sorted(f"{acc}|{side}|{amount}" for acc, side, amount in pairs)
    return hashlib.sha256("\n".join(canon).encode()).hexdigest()


def load(plan: Plan, *, actor, out=None) -> dict:
    """Write the plan to the database. Returns {"counts": {...}, "timings": {...}}."""
    say = out or (lambda msg: None)
    writer = Writer()
    timings = {}
    t0 = time.perf_counter()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    branch = policy.get("center.branch")

    with writer.transaction():
        collected = defaultdict(Decimal)
        for acc in plan.accounts:
            collected[acc.employer.bank] += acc.monthly * acc.months_paid
        # the bank that collects the most first: the center pays out of its first account (default_bank_account)
        banks = _bank_accounts(sorted(collected, key=lambda code: (-collected[code], code)), actor=actor)
        fund = Account.objects.get(code=chart.HOUSING_FUND)
        _load_people(plan, writer, branch, now)
    timings["depositors"] = time.perf_counter() - t0
    say(f"  depositors: {len(plan.persons)} in {timings['depositors']:.1f} s")

    t1 = time.perf_counter()
    rng = random.Random(plan.seed + 1)
    chunk, chunk_lines = [], 0
    chunks = 0
    for emp in plan.employers:
        chunk.append(emp)
        chunk_lines += sum(a.months_paid for a in emp.accounts) + len(plan.months)
        if chunk_lines >= LINES_PER_CHUNK or len(chunk) * len(plan.months) >= ENTRIES_PER_CHUNK:
            _load_chunk(plan, chunk, writer, banks, fund, rng, tz, now)
            chunks += 1
            chunk, chunk_lines = [], 0
    if chunk:
        _load_chunk(plan, chunk, writer, banks, fund, rng, tz, now)
        chunks += 1
    timings["employers, accounts, postings"] = time.perf_counter() - t1

    audit.record(actor=actor, action="demo.seed", object_type="demo", object_id="seed_demo",
                 after={"employers": len(plan.employers), "depositors": len(plan.persons),
                        "months": len(plan.months), "seed": plan.seed})
    timings["total"] = time.perf_counter() - t0
    counts = {k.split(".")[-1]: v for k, v in writer.counts.items()}
    return {"counts": counts, "timings": timings, "chunks": chunks, "seconds": dict(writer.seconds)}


def _load_people(plan, writer, branch, now):
    """Reserve every account number, and insert the depositors (spouses link both ways)."""
    emps, accounts, persons = plan.employers, plan.accounts, plan.persons
    first_emp = numbering.reserve(numbering.EMPLOYER, len(emps))
    first_acc = numbering.reserve(numbering.PERSONAL, len(accounts))
    for i, emp in enumerate(emps):
        emp.number = numbering.format_number(numbering.EMPLOYER, first_emp + i, branch)
        emp.accounts = []
    for i, acc in enumerate(accounts):
        acc.number = numbering.format_number(numbering.PERSONAL, first_acc + i, branch)
        acc.employer.accounts.append(acc)
    for person, pk in zip(persons, writer.ids(Depositor, len(persons)), strict=True):
        person.pk = pk
    rows = [(p.pk, p.name, Depositor.IdType.RESIDENT_ID, p.id_number, p.gender, p.birth, p.phone, p.marital,
             p.spouse.pk if p.spouse else None, p.local_hukou, p.children, None, now) for p in persons]
    writer.insert(Depositor, ("id", "name", "id_type", "id_number", "gender", "birth_date", "phone",
                              "marital_status", "spouse_id", "local_hukou", "children", "user_id", "created_at"), rows)


def _load_chunk(plan, employers, writer, banks, fund, rng, tz, now):
    """One transaction: these employers, their accounts (ledger accounts with their final balances), the
    account events, the postings and the bank's statement lines."""
    with writer.transaction():
        _load_employers(plan, employers, writer, fund, now)
        deltas = _load_postings(plan, employers, writer, banks, rng, tz)
        writer.add_balances(deltas)  # the bank ledger accounts
    if not connection.in_atomic_block:
        # The balance trigger marks each checked entry in a custom setting; PostgreSQL < 16 keeps those in a
        # sorted array per session, so a fresh session per chunk keeps the commit-time check fast.
        connection.close()


def _load_employers(plan, emps, writer, fund, now):
    accounts = [acc for emp in emps for acc in emp.accounts]
    ledger_ids = writer.ids(Account, len(emps) + len(accounts))
    for emp, pk in zip(emps, ledger_ids, strict=False):
        emp.suspense_pk = pk
    for acc, pk in zip(accounts, ledger_ids[len(emps):], strict=True):
        acc.ledger_pk = pk
    for emp, pk in zip(emps, writer.ids(Employer, len(emps)), strict=True):
        emp.pk = pk
    for acc, pk in zip(accounts, writer.ids(FundAccount, len(accounts)), strict=True):
        acc.pk = pk

    closed = Account.Status.CLOSED
    rows = [(emp.suspense_pk, f"{chart.HOUSING_FUND}-S-{emp.number}", f"暂收未分摊 {emp.name}"[:120], fund.kind,
             Account.Role.SUSPENSE, fund.pk, closed if emp.closed_on else Account.Status.OPEN, False, 0, 0,
             emp.opened_on, emp.closed_on) for emp in emps]
    # Balances as they will be once this transaction's postings are in (a closed account was paid out).
    rows += [(acc.ledger_pk, f"{chart.HOUSING_FUND}-P-{acc.number}", f"{acc.person.name} {acc.number}"[:120],
              fund.kind, Account.Role.PERSONAL, fund.pk, closed if acc.closed_on else Account.Status.OPEN, False,
              0 if acc.closed_on else acc.monthly * acc.months_paid, 0, acc.opened_on, acc.closed_on)
             for acc in accounts]
    writer.insert(Account, ("id", "code", "name", "kind", "role", "parent_id", "status", "allow_negative",
                            "balance", "held", "opened_on", "closed_on"), rows)

    rows = []
    for emp in emps:
        paid = [acc.last for acc in emp.accounts if acc.months_paid]
        rows.append((emp.pk, emp.number, emp.uscc, emp.name, emp.address, emp.legal_representative, emp.contact_name,
                     emp.contact_phone, emp.economic_type, emp.industry, emp.payday, emp.bank, emp.ratio, emp.ratio,
                     Employer.Status.CLOSED if emp.closed_on else Employer.Status.NORMAL, emp.opened_on,
                     emp.closed_on, "单位注销" if emp.closed_on else "", plan.months[max(paid)] if paid else None,
                     emp.suspense_pk))
    writer.insert(Employer, ("id", "account_number", "uscc", "name", "address", "legal_representative",
                             "contact_name", "contact_phone", "economic_type", "industry", "payday", "bank",
                             "employer_ratio", "employee_ratio", "status", "opened_on", "closed_on", "close_reason",
                             "paid_up_to", "suspense_account_id"), rows)

    rows, events = [], []
    for acc in accounts:
        emp = acc.employer
        rows.append((acc.pk, acc.number, acc.person.pk, emp.pk, FundAccount.Kind.EMPLOYEE, acc.status, acc.base,
                     emp.ratio, emp.ratio, acc.opened_on,
                     plan.months[acc.last] if acc.months_paid else None, acc.sealed_on, acc.seal_reason,
                     acc.closed_on, acc.close_reason, None, acc.ledger_pk))
        events.append((acc.pk, AccountEvent.BusinessType.OPEN, "", FundAccount.Status.NORMAL, emp.pk, acc.opened_on,
                       "", None, now))
        if acc.sealed_on:
            events.append((acc.pk, AccountEvent.BusinessType.SEAL, FundAccount.Status.NORMAL,
                           FundAccount.Status.SEALED, emp.pk, acc.sealed_on, acc.seal_reason, None, now))
        if acc.closed_on:
            events.append((acc.pk, AccountEvent.BusinessType.CLOSE, FundAccount.Status.NORMAL,
                           FundAccount.Status.CLOSED_WITHDRAWN, emp.pk, acc.closed_on, acc.close_reason, None, now))
    writer.insert(FundAccount, ("id", "number", "depositor_id", "employer_id", "kind", "status", "base",
                                "employer_ratio", "employee_ratio", "opened_on", "paid_up_to", "sealed_on",
                                "seal_reason", "closed_on", "close_reason", "merged_into_id", "ledger_account_id"),
                  rows)
    events.sort(key=lambda e: (e[5], e[0]))
    writer.insert(AccountEvent, ("account_id", "business_type", "from_status", "to_status", "employer_id",
                                 "business_date", "reason", "actor_id", "created_at"), events)


ENTRY_COLUMNS = ("id", "business_date", "posted_at", "business_type", "memo", "memo_message", "source",
                 "idempotency_key", "lines_hash", "line_count", "total", "reversal_of_id", "actor_id")
# The withdrawal grounds of the accounts closed in the history, by the closing reason written on the account.
CLOSE_GROUNDS = {"退休销户提取": Reason.RETIREMENT, "出境定居销户提取": Reason.EMIGRATION,
                 "完全丧失劳动能力并与单位终止劳动关系销户提取": Reason.DISABILITY}
LINE_COLUMNS = ("entry_id", "account_id", "side", "amount", "business_date", "memo")
LINE_FMT = "%d\t%d\t%s\t%s\t%s\t%s\n"  # values are ints, dates, Decimals and our own memos: nothing to escape
STATEMENT_COLUMNS = ("bank_account_id", "bank_reference", "value_date", "direction", "amount", "counterparty_name",
                     "counterparty_account", "remark", "match_status", "entry_id", "instruction_id", "imported_at")
REMITTANCE_COLUMNS = ("id", "employer_id", "kind", "month", "status", "reference", "employee_total",
                      "employer_total", "total", "headcount", "reason", "created_at", "confirmed_at", "entry_id")
REMITTANCE_LINE_COLUMNS = ("remittance_id", "account_id", "month", "base", "employee_ratio", "employer_ratio",
                           "employee_amount", "employer_amount", "amount", "posted")
REMITTANCE_LINE_FMT = "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n"  # numbers, dates and True: nothing to escape
INSTRUCTION_COLUMNS = ("id", "reference", "bank_account_id", "amount", "payee_name", "payee_account", "payee_bank",
                       "purpose", "status", "entry_id", "created_on", "settled_on", "failure_reason", "source")


def _load_postings(plan, employers, writer, banks, rng, tz):
    """The remittances of ``employers`` (one entry per employer-month) and the closing withdrawals of their
    closed accounts, with the bank's statement lines. Returns the balance changes of the bank ledger accounts
    (the personal accounts were inserted with their final balances)."""
    months = plan.months
    remittances = []  # (employer, month index, [accounts])
    withdrawals = []
    for emp in employers:
        paying = defaultdict(list)
        for acc in emp.accounts:
            for m in range(acc.start, acc.last + 1):
                paying[m].append(acc)
            if acc.closed_on:
                withdrawals.append(acc)
        remittances += [(emp, m, paying[m]) for m in sorted(paying)]

    entry_ids = writer.ids(JournalEntry, len(remittances) + len(withdrawals))
    list_ids = writer.ids(RemittanceList, len(remittances))
    instruction_ids = writer.ids(BankInstruction, len(withdrawals))
    entries, lines, statement, instructions, lists, list_lines = [], [], [], [], [], []
    deltas = defaultdict(Decimal)
    for entry_id, list_id, (emp, m, accs) in zip(entry_ids, list_ids, remittances, strict=False):
        bdate, month = emp.remit_days[m], months[m]
        yyyymm = f"{month:%Y%m}"
        label = f"{month.year}年{month.month:02d}月汇缴"
        reference = f"S{emp.number}{yyyymm}"  # the list's, as the remittance posting writes on its lines
        memo = StoredText(gettext_noop("Remittance %(r)s"), r=reference)
        bank = banks[emp.bank]
        total = Decimal(0)
        pairs = []
        for acc in accs:
            lines.append((entry_id, acc.ledger_pk, "C", acc.monthly, bdate, reference))
            pairs.append((acc.ledger_pk, "C", acc.monthly))
            total += acc.monthly
            part = acc.monthly / 2  # both sides have the employer's ratio, each part rounded the same way
            list_lines.append((list_id, acc.pk, month, acc.base, emp.ratio, emp.ratio, part, part, acc.monthly, True))
        # The employer's list for the month (汇缴清册), posted by this entry: what continuity and arrears read.
        lists.append((list_id, emp.pk, RemittanceList.Kind.REGULAR, month, RemittanceList.Status.POSTED,
                      reference, total / 2, total / 2, total, len(accs), "", _at(bdate, tz),
                      _at(bdate, tz), entry_id))
        lines.append((entry_id, bank.ledger_account_id, "D", total, bdate, reference))
        pairs.append((bank.ledger_account_id, "D", total))
        deltas[bank.ledger_account_id] += total  # net debit
        entries.append((entry_id, bdate, _at(bdate, tz), "01", str(memo), message_json(memo),
                        f"remittance:{emp.number}:{yyyymm}", f"seed:{emp.number}:{yyyymm}", _entry_hash(pairs),
                        len(accs) + 1, total, None, None))
        statement.append((bank.pk, f"HJ{emp.number}{yyyymm}", bdate, BankStatementLine.Direction.CREDIT, total,
                          emp.name[:120], f"{emp.bank}{emp.number}", label, BankStatementLine.Match.BOOKED,
                          entry_id, None, _at(bdate, tz)))
    for entry_id, instruction_id, acc in zip(entry_ids[len(remittances):], instruction_ids, withdrawals,
                                             strict=True):
        amount = acc.monthly * acc.months_paid
        bank = banks[acc.employer.bank]
        bdate = acc.closed_on
        pairs = [(acc.ledger_pk, "D", amount), (bank.ledger_account_id, "C", amount)]
        memo = StoredText(gettext_noop("Withdrawal %(n)s %(r)s"), n=acc.number, r=CLOSE_GROUNDS[acc.close_reason].label)
        lines += [(entry_id, acc.ledger_pk, "D", amount, bdate, ""),
                  (entry_id, bank.ledger_account_id, "C", amount, bdate, "")]
        deltas[bank.ledger_account_id] -= amount
        entries.append((entry_id, bdate, _at(bdate, tz), "12", str(memo), message_json(memo), f"account:{acc.pk}",
                        f"seed:close:{acc.number}", _entry_hash(pairs), 2, amount, None, None))
        reference = f"PAYSEED{acc.number}"
        card = _card_number(rng)
        instructions.append((instruction_id, reference, bank.pk, amount, acc.person.name, card,
                             BANK_NAMES_ZH[acc.employer.bank], str(memo)[:120], BankInstruction.Status.SETTLED,
                             entry_id, bdate, bdate, "", f"account:{acc.pk}"))
        statement.append((bank.pk, f"ZF{acc.number}", bdate, BankStatementLine.Direction.DEBIT, amount,
                          acc.person.name, card, reference, BankStatementLine.Match.BOOKED, entry_id,
                          instruction_id, _at(bdate, tz)))
    writer.insert(JournalEntry, ENTRY_COLUMNS, entries)
    writer.insert(JournalLine, LINE_COLUMNS, lines, fmt=LINE_FMT)
    writer.insert(BankInstruction, INSTRUCTION_COLUMNS, instructions)
    writer.insert(BankStatementLine, STATEMENT_COLUMNS, statement)
    writer.insert(RemittanceList, REMITTANCE_COLUMNS, lists)
    writer.insert(RemittanceLine, REMITTANCE_LINE_COLUMNS, list_lines, fmt=REMITTANCE_LINE_FMT)
    return deltas


def _at(day, tz):
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=tz)


def existing_values():
    """Values already used in the database, so a second run never collides."""
    return dict(taken_ids=set(Depositor.objects.values_list("id_number", flat=True)),
                taken_usccs=set(Employer.objects.values_list("uscc", flat=True)),
                taken_names=set(Employer.objects.values_list("name", flat=True)))


def generate(*, employers, depositors, months=DEFAULT_MONTHS, seed=1, out=None, actor, in_arrears=0) -> dict:
    """Build and load a data set; returns the result of :func:`load` plus the plan's sizes."""
    t0 = time.perf_counter()
    plan = build_plan(employers=employers, depositors=depositors, months=months, seed=seed, in_arrears=in_arrears,
                      **existing_values())
    planned = time.perf_counter() - t0
    if out:
        out(f"  plan: {len(plan.employers)} employers, {len(plan.accounts)} accounts, {len(plan.months)} months "
            f"({plan.months[0]:%Y-%m} to {plan.months[-1]:%Y-%m}) in {planned:.1f} s")
    result = load(plan, out=out, actor=actor)
    result["timings"] = {"plan": planned, **result["timings"]}
    result["timings"]["total"] += planned
    result["plan"] = plan
    return result
