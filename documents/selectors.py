"""Reads of issued certificates: the staff account page panel, the depositor's certificates and their
verification log, the public verification page."""

from django.http import Http404

from core import roles
from core.business_date import today
from documents.models import Certificate, VerificationLog
from documents.services.certificates import CODE_PATTERN, ISSUE_ROLES, REVOKE_ROLES
from loans.models import LoanContract


def certificates(*, viewer, account=None):
    qs = Certificate.objects.visible_to(viewer).select_related("account", "account__depositor", "issued_by")
    return qs.filter(account=account) if account is not None else qs


def certificate(*, viewer, pk) -> Certificate:
    found = certificates(viewer=viewer).select_related("archive").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def paid_off_contracts(depositor):
    """The depositor's loans a payoff certificate can be issued for."""
    return list(LoanContract.objects.filter(
        borrower=depositor, status__in=[LoanContract.Status.PAID_OFF, LoanContract.Status.WRITTEN_OFF])
        .order_by("-closed_on").values_list("number", flat=True))


def account_panel(*, viewer, account):
    """The certificates panel of the staff account page (``settings.ACCOUNT_PAGE_PANELS``)."""
    if not roles.is_staff_user(viewer):
        return None
    return {"template": "documents/_account_certificates.html",
            "certificates": list(certificates(viewer=viewer, account=account)[:20]),
            "can_issue": roles.has_role(viewer, *ISSUE_ROLES) and not account.is_closed,
            "can_revoke": roles.has_role(viewer, *REVOKE_ROLES), "today": today()}


def verification_log(*, viewer, limit=100):
    """Who looked at the viewer's certificates (a depositor's own), newest first."""
    return list(VerificationLog.objects.visible_to(viewer).select_related("certificate")[:limit])


def by_code(code: str) -> Certificate:
    """The certificate of a public verification code; 404 for an unknown or malformed code."""
    if not CODE_PATTERN.match(code or ""):
        raise Http404
    found = Certificate.objects.select_related("account__depositor").filter(code=code).first()
    if found is None:
        raise Http404
    return found


def mask_name(name: str) -> str:
    """张三 -> 张*, 张三丰 -> 张*丰, 欧阳娜娜 -> 欧**娜."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def public_view(certificate) -> dict:
    """The minimum a verifier is shown."""
    return {"name": mask_name(certificate.account.depositor.name), "kind": certificate.get_kind_display(),
            "number": certificate.number, "issued_on": certificate.issued_on, "valid_until": certificate.valid_until,
            "state": certificate.state_on(today())}
