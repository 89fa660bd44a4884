"""Every URL of the project, for every kind of visitor, with real ids of other people's records.

The roles that may open a URL are declared once, beside the pattern (``core.access.page``/``api``); this test
reads that declaration from the resolver. A URL without one fails. For each URL and visitor:

- an allowed staff role gets the page (200, 405 for a POST-only URL, or a redirect that is not to a login);
- an allowed depositor or agent gets it for their own records, and 403/404 for another person's or employer's
  (GET and POST), never a 200;
- everyone else is refused: 403/404, 401 from the API, or a redirect to a login page.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import roles
from core.access import PUBLIC, allowed_roles
from tests import access_world
from tests.conftest import make_user

SKIPPED_PREFIXES = ("admin/", "i18n/", "static/", "media/")
LOGIN_PATHS = ("/counter/login/", "/portal/login/", "/employer/login/", "/admin/login/")
OBJECT_KWARGS = {"number", "reference", "account_number", "pk"}


def named_urls():
    """(name, route, callback, path kwargs) of every named project URL."""
    out = []

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern) and p.name:
                out.append((namespace + p.name, route, p.callback, set(p.pattern.converters)))

    walk(get_resolver().url_patterns)
    return out


def fill(name, kwarg, world, side):
    """A real id for ``kwarg`` of URL ``name``: a record of ``side`` (employer A and depositor 1)."""
    if name.startswith("judicial:risk_"):  # a flagged deduction and its letter to the court, made once
        if not hasattr(world, "risk_deduction"):
            from tests.judicial.risk_world import flagged_deduction

            world.risk_deduction = flagged_deduction(clerk=world.staff[roles.CLERK],
                                                     officer=world.staff[roles.JUDICIAL_OFFICER],
                                                     approver=world.staff[roles.APPROVER])
        req, letter = world.risk_deduction
        return letter.number if kwarg == "number" else req.pk
    if kwarg == "number" and name.startswith(("loans:", "loans_portal:")):
        is_contract = name in ("loans:contract", "loans_portal:contract", "loans:repayment", "loans:release",
                               "loans_portal:fund_repay", "loans_portal:prepayment", "loans_portal:prepayment_cancel",
                               "loans:collection_case", "loans:collection_record", "loans:collection_request",
                               "loans:collection_decide")
        return side.loan_contract.number if is_contract else side.loan.number
    if kwarg == "code":
        return side.certificate.code
    if kwarg == "pk" and name.startswith("documents:statement_zip"):  # a staff-only ZIP order of statement PDFs
        if not hasattr(world, "statement_zip"):
            from core.models import BatchRun
            from documents.services.statement_zips import JOB

            world.statement_zip = BatchRun.objects.create(
                job=JOB, key="statement-zip:test", total=1,
                params={"employer": side.employer.pk, "employer_number": side.employer.account_number,
                        "employer_name": side.employer.name, "year": 2026})
        return world.statement_zip.pk
    if kwarg == "pk" and name.startswith("accounts:registration"):  # an online employer registration, made once
        if not hasattr(world, "registration"):
            from accounts.services import submit_registration

            world.registration = submit_registration(
                uscc="91350100M000100Y43", name="登记单位", address="示范市人民路 9 号", legal_representative="赵明",
                contact_name="钱丽", contact_phone="13800138000", economic_type="80", payday=15, bank="102",
                password="Qiye-Mima-2026")
        return world.registration.pk
    if kwarg == "pk" and name.startswith(("documents:", "certificates_portal:")):
        return side.certificate.pk
    if kwarg == "number":
        is_case = name.startswith(("withdrawals:", "withdrawals_portal:")) or "withdrawal" in name
        return side.withdrawal.number if is_case else side.account.number
    if kwarg == "reference":
        return side.remittance.reference
    if kwarg == "account_number":
        return side.employer.account_number
    if kwarg == "action":
        return "review"
    if kwarg == "pk" and name == "judicial:document":
        return world.judicial_document.pk
    if kwarg == "pk" and name.startswith("judicial:"):
        return world.judicial_request.pk
    if kwarg == "pk" and name == "loans:collection_decide":  # POST only: a GET is 405 before anything is read
        return 1
    if kwarg == "pk" and name in ("loans:document", "loans_portal:document"):
        return side.loan_document.pk
    if kwarg == "pk":
        for part, value in (("deferral", side.deferral.pk), ("base", side.base_adjustment.pk),
                            ("bank", world.bank_line.pk), ("document", side.document.pk),
                            ("statement", world.bank_line.statement_id), ("setting", world.bank_line.pk),
                            ("standing", side.standing.pk), ("prepayment", side.prepayment_request.pk)):
            if part in name:
                return value
    raise AssertionError(f"The access test cannot fill <{kwarg}> of {name}: add it to fill().")


def _to_login(response):
    return response.status_code == 302 and response["Location"].split("?")[0].endswith(LOGIN_PATHS)


def served(response):
    return response.status_code in (200, 405) or (response.status_code in (301, 302) and not _to_login(response))


def refused(response):
    return response.status_code in (401, 403, 404) or _to_login(response)


@pytest.fixture
def world(db):
    return access_world.build()


def test_every_url_declares_who_may_open_it(db):
    undeclared = [name for name, _route, callback, _kw in named_urls() if not allowed_roles(callback)]
    assert undeclared == []
    assert len(named_urls()) > 60


def test_every_url_for_every_role_with_other_peoples_records(world):
    a, b = world.a, world.b
    visitors = {"anonymous": (None, None)}
    for role, user in world.staff.items():
        visitors[role] = (user, "staff")
    visitors |= {"depositor": (a.user, "own"), "another depositor": (b.user, "other"),
                 "agent": (a.agent, "own"), "agent of another employer": (b.agent, "other"),
                 "bank client": (make_user("bank_client", roles.BANK_CLIENT), "staff")}
    clients = {}
    for label, (user, _kind) in visitors.items():
        clients[label] = Client()
        if user is not None:
            clients[label].force_login(user)
    problems, checked = [], 0
    for name, _route, callback, kwargs in named_urls():
        allow = allowed_roles(callback)
        url = reverse(name, kwargs={k: fill(name, k, world, a) for k in kwargs})
        has_object = bool(kwargs & OBJECT_KWARGS)
        for label, (user, kind) in visitors.items():
            response = clients[label].get(url)
            checked += 1
            assert response.status_code < 500, (name, label, response.status_code)
            if PUBLIC in allow:
                continue
            may = user is not None and roles.has_role(user, *allow)
            someone_elses = may and kind == "other" and has_object
            if someone_elses:  # the page is theirs to open, the record is not: 404 (405 for a POST-only URL)
                expected, ok = "refused", refused(response) or response.status_code == 405
            elif may:
                expected, ok = "served", served(response)
            else:
                expected, ok = "refused", refused(response)
            if not ok:
                problems.append(f"GET {url} ({name}) as {label}: {response.status_code}, expected {expected}")
            if not may or someone_elses:  # refused before anything is read or written
                response = clients[label].post(url, {})
                checked += 1
                if not (refused(response) or (someone_elses and response.status_code == 405)):
                    problems.append(f"POST {url} ({name}) as {label}: {response.status_code}, expected refused")
    assert problems == [], "\n".join(problems)
    assert checked > 1000


def test_a_portal_user_on_a_staff_page_is_told_the_pages_are_for_staff_and_staff_get_403(db):
    depositor, auditor = make_user("d1", roles.DEPOSITOR), make_user("au", roles.AUDITOR)
    client = Client()
    client.force_login(depositor)
    response = client.get(reverse("core:home"))
    assert response.status_code == 403 and "core/no_access.html" in [t.name for t in response.templates]
    client.force_login(auditor)
    response = client.post(reverse("accounts:account_new"))
    assert response.status_code == 403 and "core/no_access.html" not in [t.name for t in response.templates]
    assert Client().get(reverse("core:home")).url.startswith(reverse("core:login"))
