"""Find any case: one search over the case kinds of every app (withdrawals, deferrals, remittance lists, base
adjustments, loan applications and contracts, court requests), and the cases of one person on the account page.

accounts may not import the apps above it, so each app declares its kinds as :class:`CaseSource` objects and
``settings.CASE_SEARCH_SOURCES`` lists them (like ``ACCOUNT_PAGE_PANELS``). A source says where its number,
person, account and employer are; :func:`search_cases` turns the query into exact index lookups (a case,
ID, account or employer number) or, for a name, into the ids of the matching people and employers
(:func:`matching_ids`, bounded), and reads every kind in one ``UNION`` query that pages in the database.

Every source starts from its model's ``visible_to(viewer)`` and may require a role (the roles that may open its
case page), so a viewer finds only what they may open.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.models import Depositor, Employer, FundAccount
from core import roles, visibility

# Names: at most this many people (and employers) are searched for their cases; more means "type more".
NAME_MATCH_LIMIT = 200
QUERY_MAX_LENGTH = 60
ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dX]$")
PANEL_ROWS = 20
# A name that finds more employers than this finds their own cases, not every case of their employees.
EMPLOYEES_OF_AT_MOST = 5
COLUMNS = ("c_kind", "c_pk", "c_number", "c_person", "c_id_number", "c_account", "c_employer",
           "c_employer_number", "c_state", "c_date")


def text(value) -> Value:
    return Value(value, output_field=CharField())


@dataclass(frozen=True)
class CaseSource:
    """One kind of case in the search. Paths are ORM lookups on ``model``; ``None`` where the kind has none."""

    kind: str
    label: object
    model: type
    states: object  # the model's TextChoices of its state field
    state_field: str
    date: object  # expression of the case's date (a DateField)
    url_name: str
    url_arg: str = "number"  # "number" or "pk"
    number_fields: tuple = ("number",)
    number_is_pk: bool = False  # the case has no number of its own: its id is shown and searched
    person: object = None  # expression of the person's name
    id_number: object = None
    account_number: object = None
    employer_name: object = "employer__name"
    employer_number: object = "employer__account_number"
    depositor_field: str | None = None  # lookup ending at the depositor id
    account_field: str | None = None  # lookup ending at the fund account id
    employer_field: str | None = "employer_id"
    id_number_field: str | None = None  # the person's ID number as the case itself records it
    name_field: str | None = None  # the person's name as the case itself records it
    roles: tuple = ()  # roles that may find this kind (empty: whoever visible_to admits)
    person_arms: Callable | None = None  # (depositor, account) -> [Q] of the person's cases, for the account page
    actions: Callable | None = None  # (viewer, rows) -> {pk: [CaseAction]} for the account page
    select_related: tuple = field(default=())

    def state_label(self, code) -> str:
        try:
            return str(self.states(code).label)
        except ValueError:
            return code or ""

    def url(self, row) -> str:
        key = row["c_pk"] if self.url_arg == "pk" else row["c_number"]
        return reverse(self.url_name, args=[key])

    def visible(self, viewer):
        if self.roles and not roles.is_system(viewer) and not roles.has_role(viewer, *self.roles):
            return self.model.objects.none()
        return self.model.objects.visible_to(viewer)

    def columns(self) -> dict:
        def expr(value):
            if value is None:
                return text("")
            return F(value) if isinstance(value, str) else value

        number = Cast("pk", CharField()) if self.number_is_pk else F(self.number_fields[0])
        return {"c_kind": text(self.kind), "c_pk": F("pk"), "c_number": number, "c_person": expr(self.person),
                "c_id_number": expr(self.id_number), "c_account": expr(self.account_number),
                "c_employer": expr(self.employer_name), "c_employer_number": expr(self.employer_number),
                "c_state": F(self.state_field), "c_date": expr(self.date)}

    def search_arms(self, match) -> list[Q]:
        """The conditions (each one index lookup) under which a case of this kind matches the query."""
        arms = []
        if match.exact:
            for name in self.number_fields:
                arms += [Q(**{name: value}) for value in match.numbers]
            if self.number_is_pk and match.code.isdigit() and len(match.code) <= 9:
                arms.append(Q(pk=int(match.code)))
            if self.id_number_field and match.id_numbers:
                arms.append(Q(**{f"{self.id_number_field}__in": match.id_numbers}))
        elif self.name_field:
            arms.append(Q(**{f"{self.name_field}__icontains": match.text}))
        if self.depositor_field and match.depositor_ids:
            arms.append(Q(**{f"{self.depositor_field}__in": match.depositor_ids}))
        if self.account_field and match.account_ids:
            arms.append(Q(**{f"{self.account_field}__in": match.account_ids}))
        # an employer's own cases for every employer found; its employees' cases only when the name found a few
        employers = match.employer_ids if self.employer_level else match.employer_ids[:EMPLOYEES_OF_AT_MOST]
        if self.employer_field and employers and (self.employer_level or len(match.employer_ids)
                                                  <= EMPLOYEES_OF_AT_MOST):
            arms.append(Q(**{f"{self.employer_field}__in": employers}))
        return arms

    @property
    def employer_level(self) -> bool:
        """A case of an employer (a remittance list, a deferral), not of a person."""
        return self.depositor_field is None and self.account_field is None

    def arms_of_person(self, depositor, account) -> list[Q]:
        if self.person_arms is not None:
            return self.person_arms(depositor, account)
        arms = []
        if self.depositor_field:
            arms.append(Q(**{self.depositor_field: depositor.pk}))
        if self.id_number_field:
            arms.append(Q(**{self.id_number_field: depositor.id_number}))
        return arms


@dataclass(frozen=True)
class CaseAction:
    """A button of the account page: a POST to ``url`` (a workflow action) or a link."""

    label: str
    url: str
    post: bool = False


@cache
def _sources_by_path(paths: tuple) -> tuple:
    return tuple(import_string(path) for path in paths)


def sources() -> tuple:
    """The registered case kinds, in the order of ``settings.CASE_SEARCH_SOURCES``."""
    return _sources_by_path(tuple(getattr(settings, "CASE_SEARCH_SOURCES", ())))


def source_of(kind) -> CaseSource | None:
    return next((s for s in sources() if s.kind == kind), None)


def kind_choices() -> list:
    return [(s.kind, s.label) for s in sources()]


def state_choices() -> list:
    """The states grouped by kind, each as ``kind:state`` (a state code alone is not unique across kinds)."""
    return [(s.label, [(f"{s.kind}:{code}", label) for code, label in s.states.choices]) for s in sources()]


@dataclass
class Match:
    text: str = ""
    code: str = ""
    exact: bool = False
    numbers: tuple = ()
    id_numbers: tuple = ()
    depositor_ids: list = field(default_factory=list)
    account_ids: list = field(default_factory=list)
    employer_ids: list = field(default_factory=list)
    too_many: bool = False


def clean_query(q) -> str:
    """The query without control characters (a NUL byte included) and surplus spaces, at most 60 characters."""
    q = "".join(ch for ch in str(q or "") if ch.isprintable())
    return " ".join(q.split())[:QUERY_MAX_LENGTH]


def matching_ids(model, name, limit=NAME_MATCH_LIMIT) -> list:
    """Ids of the people (``Depositor``) or employers whose name contains ``name``: the one name search of the
    case search (a trigram index on the name serves it); at most ``limit`` + 1."""
    return list(model.objects.filter(name__icontains=name).order_by().values_list("pk", flat=True)[:limit + 1])


def resolve(q) -> Match:
    """What the query is: with a digit, a number looked up exactly (case number, ID number, personal or
    employer account number, USCC); otherwise a name (people, employers, names on court requests)."""
    q = clean_query(q)
    if not q:
        return Match()
    code = q.upper().replace(" ", "")
    match = Match(text=q, code=code, exact=any(ch.isdigit() for ch in code))
    if match.exact:
        match.numbers = tuple({code, q.replace(" ", "")})
        id_numbers = []
        if ID_LIKE.match(code):
            id_numbers.append(code)
            if len(code) == 15:  # a legacy 15-digit number is stored in its 18-character form
                id_numbers += list(Depositor.objects.filter(id_number__startswith=code[:6] + "19" + code[6:])
                                   .values_list("id_number", flat=True)[:5])
            match.depositor_ids = list(Depositor.objects.filter(id_number__in=id_numbers).values_list("pk", flat=True))
        accounts = list(FundAccount.objects.filter(number=code).values_list("pk", "depositor_id",
                                                                             "depositor__id_number"))
        match.account_ids = [pk for pk, _d, _i in accounts]
        match.depositor_ids += [depositor for _a, depositor, _i in accounts]  # the holder's cases on any account
        id_numbers += [id_number for _a, _d, id_number in accounts]
        match.id_numbers = tuple(id_numbers)
        match.employer_ids = list(Employer.objects.filter(Q(account_number=code) | Q(uscc=code))
                                  .values_list("pk", flat=True))
        return match
    match.depositor_ids = matching_ids(Depositor, q)
    match.employer_ids = matching_ids(Employer, q)
    match.too_many = len(match.depositor_ids) > NAME_MATCH_LIMIT or len(match.employer_ids) > NAME_MATCH_LIMIT
    match.depositor_ids = match.depositor_ids[:NAME_MATCH_LIMIT]
    match.employer_ids = match.employer_ids[:NAME_MATCH_LIMIT]
    return match


@dataclass
class CaseSearch:
    rows: object  # a values queryset (a UNION), newest first, or [] when there is nothing to search for
    match: Match
    searched: bool


def _filtered(branch, filters):
    from accounts.filters import CaseFilter

    return CaseFilter.apply(filters, branch)


def _union(branches, *, distinct):
    if not branches:
        return []
    first, *rest = branches
    union = first.union(*rest, all=not distinct) if rest else first
    return union.order_by("-c_date", "-c_pk", "c_kind")


def search_cases(*, viewer, filters=None, account=None) -> CaseSearch:
    """The cases ``viewer`` may see that match ``filters`` (``accounts.filters.CaseFilter`` data: ``q``, ``kind``,
    ``state``, ``date_from``, ``date_to``, and ``account``: the cases of that account's holder). One query:
    each kind's matching rows (by index lookups) combined with ``UNION``, newest first; the caller pages it."""
    from accounts.filters import CaseFilter

    if not (roles.is_system(viewer) or roles.is_staff_user(viewer)):  # the portals show people their own cases
        return CaseSearch(rows=[], match=Match(), searched=False)
    data = {}
    if filters:  # no filters (the account page): no form to clean
        form = CaseFilter(filters, queryset=FundAccount.objects.none()).form
        form.is_valid()
        data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    match = resolve(data.get("q"))
    person = account
    if person is None and data.get("account"):
        person = FundAccount.objects.visible_to(viewer).select_related("depositor").filter(
            number=data["account"].strip().upper()).first()
    narrowed = bool(data.get("kind") or data.get("state") or data.get("date_from") or data.get("date_to"))
    if not match.text and person is None and not narrowed:
        return CaseSearch(rows=[], match=match, searched=False)
    if data.get("account") and person is None:  # an account the viewer may not see, or none
        return CaseSearch(rows=[], match=match, searched=True)
    branches = []
    for source in sources():
        if data.get("kind") and data["kind"] != source.kind:
            continue
        if data.get("state") and not data["state"].startswith(source.kind + ":"):
            continue
        base = source.visible(viewer).order_by()
        if person is not None:
            mine = _any(source.arms_of_person(person.depositor, person))
            if mine is None:
                continue
            base = base.filter(mine)
        for arm in source.search_arms(match) if match.text else [Q()]:
            branch = (base.filter(arm) if arm else base).values(**source.columns())
            # q and account are matched above and invalid fields are ignored: the FilterSet only narrows
            branches.append(_filtered(branch, filters) if narrowed else branch)
    # Several lookups may find the same case (its number and its person): UNION, not UNION ALL, then.
    return CaseSearch(rows=_union(branches, distinct=bool(match.text)), match=match, searched=True)


def _any(arms) -> Q | None:
    if not arms:
        return None
    out = arms[0]
    for arm in arms[1:]:
        out |= arm
    return out


def decorate(rows) -> list:
    """The rows of a page with their kind and state in words and the link to their case page."""
    out = []
    for row in rows:
        source = source_of(row["c_kind"])
        if source is None:
            continue
        out.append({**row, "kind_label": str(source.label), "state_label": source.state_label(row["c_state"]),
                    "url": source.url(row)})
    return out


def _person_rows(viewer, account, limit) -> list[dict]:
    """The newest ``limit`` case rows of the account's holder. The query (a ``UNION`` of every kind) is the same for
    every account but for the person's and account's ids, ID number and employer, so its SQL is compiled once for
    everyone with the viewer's roles (``core.visibility.own_rows``) instead of on every account page."""

    def build(user, depositor_pk, id_number, account_pk, employer_id):
        person = FundAccount(pk=account_pk, employer_id=employer_id,
                             depositor=Depositor(pk=depositor_pk, id_number=id_number))
        rows = search_cases(viewer=user, account=person).rows
        return rows[:limit] if rows != [] else []

    depositor = account.depositor
    return visibility.own_rows(("person_cases", limit), viewer, build,
                               (depositor.pk, depositor.id_number, account.pk, account.employer_id), as_values=True)


def person_cases(*, viewer, account, limit=PANEL_ROWS) -> dict:
    """The newest ``limit`` cases of the account's holder, each with the actions ``viewer`` may start from the
    account page, and whether there are more (one query for the rows)."""
    page = decorate(_person_rows(viewer, account, limit + 1))
    more = len(page) > limit
    page = page[:limit]
    by_kind = {}
    for row in page:
        by_kind.setdefault(row["c_kind"], []).append(row)
    for kind, kind_rows in by_kind.items():
        source = source_of(kind)
        actions = source.actions(viewer, kind_rows) if source.actions else {}
        for row in kind_rows:
            row["actions"] = actions.get(row["c_pk"], [])
    return {"rows": page, "more": more}


def account_panel(*, viewer, account):
    """The cases panel of the staff account page (``settings.ACCOUNT_PAGE_PANELS``): every case of the person,
    newest first, with the actions the viewer's role may start, and the new cases they may open for the account."""
    if not roles.is_staff_user(viewer):
        return None
    cases = person_cases(viewer=viewer, account=account)
    starts = []
    for path in getattr(settings, "ACCOUNT_CASE_STARTS", ()):
        starts += import_string(path)(viewer=viewer, account=account)
    return {"template": "accounts/_account_cases.html", "cases": cases["rows"], "more": cases["more"],
            "starts": starts, "all_url": reverse("accounts:cases") + f"?account={account.number}",
            "title": _("Cases of this person")}


# Workflow steps a clerk may take straight from the account page (one click, no reason to give); refusing,
# returning or cancelling asks for a reason on the case page.
FORWARD_ACTIONS = ("accept", "review", "approve", "pay")


def workflow_actions(*, flow, viewer, rows, act_url, model, allowed=FORWARD_ACTIONS, exclude_pks=()) -> dict:
    """{case id: [CaseAction]} of the forward steps of ``flow`` that ``viewer``'s role may take now on each of
    ``rows`` (the four-eyes rule read for all rows in one query); the service checks everything again."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import CaseTransition

    pks = [row["c_pk"] for row in rows if row["c_pk"] not in exclude_pks]
    if not pks or roles.is_system(viewer):
        return {}
    taken = {}
    steps = CaseTransition.objects.filter(case_type=ContentType.objects.get_for_model(model), case_id__in=pks,
                                          actor=viewer).exclude(step="").values_list("case_id", "step")
    for case_id, step in steps:
        taken.setdefault(case_id, set()).add(step)
    out = {}
    for row in rows:
        if row["c_pk"] not in pks:
            continue
        for t in flow.transitions:
            if (t.action in allowed and row["c_state"] in t.sources and t.roles and roles.has_role(viewer, *t.roles)
                    and not (t.step and taken.get(row["c_pk"], set()) - {t.step})):
                out.setdefault(row["c_pk"], []).append(
                    CaseAction(label=str(t.label or t.action), url=reverse(act_url, args=[row["c_number"], t.action]),
                               post=True))
    return out
