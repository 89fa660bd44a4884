from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Q
from django.utils import translation
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.management.demo import SECOND_JUDICIAL_OFFICER
from accounts.models import Depositor, Employer, EmployerAgent, FundAccount
from core import audit, roles
from core.actors import system_actor

STAFF_USERNAMES = {
    roles.CLERK: "clerk",
    roles.REVIEWER: "reviewer",
    roles.APPROVER: "approver",
    roles.LOAN_OFFICER: "loan",
    roles.JUDICIAL_OFFICER: "judicial",
    roles.FINANCE: "finance",
    roles.AUDITOR: "auditor",
    roles.SYSADMIN: "admin",
}
# The demo staff's names (family name, given name): pages show who did what by name.
STAFF_NAMES = {
    "clerk": ("王", "芳"), "reviewer": ("李", "静"), "approver": ("张", "伟"), "loan": ("刘", "洋"),
    "judicial": ("陈", "磊"), "judicial2": ("杨", "敏"), "finance": ("赵", "丽"), "auditor": ("黄", "强"),
    "admin": ("周", "杰"),
}
PORTAL_DEPOSITORS = 3
BANK_API_USERNAME = "bank_api"
AGENTS_LISTED = 3


class Command(BaseCommand):
    help = ("Create the demo logins (idempotent): one staff user per role, three depositors and one employer agent "
            "per two employers on the portal, and the bank's API client with a token. Prints the logins.")

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo12345", help="Password of every demo login.")

    @transaction.atomic
    def handle(self, *args, **options):
        password = options["password"]
        encoded = make_password(password)  # hashed once: the demo logins share one password
        groups = {g.name: g for g in Group.objects.all()}
        rows = []  # (role label, username, note)
        authenticators = []  # (username, base32 key, otpauth URL) of the staff who need a second factor

        with translation.override("zh-hans"):
            labels = {role: str(label) for role, label in roles.ROLE_LABELS.items()}

        for role in roles.STAFF_ROLES:
            username = STAFF_USERNAMES.get(role, role)
            admin = role == roles.SYSADMIN
            user = self._user(username, encoded, first_name=labels[role], is_staff=admin, is_superuser=admin)
            user.groups.add(groups[role])
            rows.append((labels[role], username, "".join(STAFF_NAMES.get(username, ()))
                         + (", Django admin: /admin/" if admin else "")))
            if role in roles.TWO_FACTOR_ROLES:
                authenticators.append(self._authenticator(user))
        # a court request is prepared by one judicial officer and confirmed by another
        user = self._user(SECOND_JUDICIAL_OFFICER, encoded)
        user.groups.add(groups[roles.JUDICIAL_OFFICER])
        rows.append((labels[roles.JUDICIAL_OFFICER], SECOND_JUDICIAL_OFFICER,
                     "".join(STAFF_NAMES[SECOND_JUDICIAL_OFFICER]) + ", confirms what judicial prepares"))

        for depositor in self._portal_depositors():
            user = self._user(depositor.id_number, encoded, first_name=depositor.name)
            user.groups.add(groups[roles.DEPOSITOR])
            if depositor.user_id != user.pk:
                Depositor.objects.filter(pk=depositor.pk).update(user=user)
                audit.record(actor=system_actor(), action="depositor.portal_user", obj=depositor,
                             after={"user": user.pk})
            account = depositor.accounts.order_by("-pk").first()
            note = depositor.name + (f", {account.get_status_display()} {account.number}" if account else "")
            loan = depositor.loan_contracts.filter(disbursed_on__isnull=False).order_by("pk").first()
            if loan is not None:
                note += f", 贷款 {loan.number} ({loan.get_status_display()})"
            rows.append((labels[roles.DEPOSITOR], depositor.id_number, note))

        agents = self._agents(encoded, groups[roles.EMPLOYER_AGENT])
        for i, (username, employer) in enumerate(agents):
            if i < AGENTS_LISTED:
                rows.append((labels[roles.EMPLOYER_AGENT], username, employer.name))
        if len(agents) > AGENTS_LISTED:
            rows.append((labels[roles.EMPLOYER_AGENT], f"agent{AGENTS_LISTED + 1} … agent{len(agents)}",
                         "one per two employers"))

        bank = self._user(BANK_API_USERNAME, encoded, first_name="受托银行接口")
        bank.groups.add(groups[roles.BANK_CLIENT])
        token, _created = Token.objects.get_or_create(user=bank)
        rows.append((labels[roles.BANK_CLIENT], BANK_API_USERNAME, f"Authorization: Token {token.key}"))

        self._print(rows, password)
        self.stdout.write("")
        self.stdout.write("Staff who move money or approve log in with a second factor (TOTP). Add each key to an "
                          "authenticator app (or scan the otpauth URL as a QR code):")
        for username, key, url in authenticators:
            self.stdout.write(f"  {username:<10} key {key}   {url}")

    def _authenticator(self, user):
        """The demo staff member's confirmed TOTP device (kept once created): (username, base32 key, otpauth URL)."""
        import base64

        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="demo", confirmed=True)
        return user.username, base64.b32encode(device.bin_key).decode(), device.config_url

    def _user(self, username, encoded, *, first_name="", is_staff=False, is_superuser=False):
        user, _created = User.objects.get_or_create(username=username)
        user.password = encoded
        last_name, first_name = STAFF_NAMES.get(username, ("", first_name))
        user.first_name, user.last_name = first_name[:150], last_name[:150]
        user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
        user.save()
        return user

    def _portal_depositors(self):
        """Three depositors for the portal: kept once chosen; else a married one whose spouse also deposits,
        one with two or more children, and one with a sealed account."""
        # those with a disbursed loan first (the demo's online borrowers), then by id
        chosen = list(Depositor.objects.filter(user__isnull=False, user__groups__name=roles.DEPOSITOR)
                      .annotate(loans=Count("loan_contracts", filter=Q(loan_contracts__disbursed_on__isnull=False)))
                      .order_by("-loans", "pk")[:PORTAL_DEPOSITORS])
        candidates = Depositor.objects.filter(user__isnull=True).order_by("pk")
        normal = FundAccount.Status.NORMAL
        wishes = [candidates.filter(spouse__isnull=False, accounts__status=normal),
                  candidates.filter(children__gte=2, accounts__status=normal),
                  candidates.filter(accounts__status=FundAccount.Status.SEALED),
                  candidates]
        for query in wishes:
            if len(chosen) >= PORTAL_DEPOSITORS:
                break
            found = query.exclude(pk__in=[d.pk for d in chosen]).first()
            if found is not None:
                chosen.append(found)
        while len(chosen) < PORTAL_DEPOSITORS:
            found = candidates.exclude(pk__in=[d.pk for d in chosen]).first()
            if found is None:
                break
            chosen.append(found)
        return chosen

    def _agents(self, encoded, group):
        """agent1, agent2, ...: one agent for every second employer that is not closed."""
        total = Employer.objects.count()
        open_employers = list(Employer.objects.exclude(status=Employer.Status.CLOSED).order_by("account_number"))
        targets = open_employers[::2][:max(total // 2, 1 if open_employers else 0)]
        usernames = [f"agent{i}" for i in range(1, len(targets) + 1)]
        existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        User.objects.bulk_create([User(username=u, password=encoded) for u in usernames if u not in existing],
                                 batch_size=1000)
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        User.objects.filter(username__in=usernames).update(password=encoded, is_active=True)
        links = dict(EmployerAgent.objects.filter(user__in=users.values()).values_list("user_id", "employer_id"))
        in_group = set(group.user_set.filter(pk__in=[u.pk for u in users.values()]).values_list("pk", flat=True))
        out = []
        for username, employer in zip(usernames, targets, strict=True):
            user = users[username]
            if links.get(user.pk) != employer.pk or user.pk not in in_group:
                services.link_employer_agent(actor=system_actor(), user=user, employer=employer)
            out.append((username, employer))
        return out

    def _print(self, rows, password):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {password})")
        width_role = max(_width(r[0]) for r in rows) + 2
        width_user = max(_width(r[1]) for r in rows) + 2
        self.stdout.write(_pad("Role", width_role) + _pad("Username", width_user) + "Note")
        self.stdout.write("-" * (width_role + width_user + 30))
        for role, username, note in rows:
            self.stdout.write(_pad(role, width_role) + _pad(username, width_user) + note)
        self.stdout.write("Staff: http://127.0.0.1:8000/counter/   Depositors: http://127.0.0.1:8000/portal/   "
                          "Employers: http://127.0.0.1:8000/employer/   Admin: http://127.0.0.1:8000/admin/")


def _width(text):
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def _pad(text, width):
    return text + " " * max(width - _width(text), 1)
