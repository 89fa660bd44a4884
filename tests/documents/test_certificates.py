"""Issuing the three certificates (DOMAIN.md §7.1-7.3) at the counter and in the portal; refusals write nothing."""

import datetime

import pytest

from core.errors import Forbidden, InvalidInput, NotFound
from documents import pdf, services
from documents.models import ArchiveRecord, Certificate
from loans.models import LoanContract
from tests.documents.conftest import TODAY, pdf_text, portal_client
from tests.loans.test_money import example_a


def test_deposit_certificate_at_the_counter(world):
    a = world["a"]
    cert = services.issue(actor=world["clerk"], account_number=a.number, kind="deposit", months=2,
                          base_url="https://gjj.example.cn/")
    assert (cert.kind, cert.channel, cert.issued_on) == ("deposit", "counter", TODAY)
    assert cert.valid_until == datetime.date(2027, 2, 19)  # 3 months (policy), the day before
    assert cert.number == "JC20261120000001" and len(cert.code) == 20
    data = services.pdf_bytes(cert)
    assert pdf.verify_pdf_signature(data)
    record = ArchiveRecord.objects.get()
    assert (record.seq, record.kind, record.reference, record.sha256) == (1, "certificate.deposit", cert.number,
                                                                           cert.sha256)
    text = pdf_text(data)
    for expected in ("个人住房公积金缴存证明", "张三丰", a.depositor.id_number, a.number, "示范科技有限公司",
                     "9,000.00", "12%", "1,080.00", "2,160.00", "近2个月缴存明细", "2026年11月", "2026年10月",
                     "缴至年月", "有效期：至2027年02月19日", "经办人：clerk1", cert.number,
                     f"https://gjj.example.cn/verify/{cert.code}/"):
        assert expected in text, expected
    assert "2026年09月" not in text  # only the last 2 months were asked for


def test_other_place_certificate_ticks_boxes_and_has_the_receipt(world):
    a = world["a"]
    cert = services.issue(actor=world["clerk"], account_number=a.number, kind="other_place",
                          addressee="杭州住房公积金管理中心")
    assert cert.valid_until == datetime.date(2027, 1, 19)  # 2 months
    text = pdf_text(services.pdf_bytes(cert))
    for expected in ("异地贷款职工住房公积金缴存使用证明", "杭州住房公积金管理中心：", "☑正常", "□封存", "□欠款",
                     "2026年09月—2026年11月", "☑无贷款记录", "□仅有一次贷款记录且贷款已还清",
                     "本证明自开具之日起2个月内有效", "回执", "□准予贷款", "□等额本金", "我中心保证以上信息真实准确"):
        assert expected in text, expected
    assert cert.data["continuous_from"] == "2026年09月" and cert.data["status_box"] == "normal"


def test_payoff_certificate_needs_a_paid_off_loan(staff, household):
    contract = example_a(staff, household)
    borrower = household["borrower"]
    with pytest.raises(InvalidInput) as exc:
        services.issue(actor=staff["clerk"], account_number=borrower.number, kind="payoff",
                       contract_number=contract.number)
    assert exc.value.fields == {"contract_number": "not_paid_off"}
    assert not Certificate.objects.exists() and not ArchiveRecord.objects.exists()
    LoanContract.objects.filter(pk=contract.pk).update(status=LoanContract.Status.PAID_OFF,
                                                       disbursed_on=datetime.date(2026, 2, 10),
                                                       closed_on=datetime.date(2026, 3, 25))
    cert = services.issue(actor=staff["clerk"], account_number=borrower.number, kind="payoff",
                          contract_number=contract.number)
    assert cert.valid_until is None and cert.contract_id == contract.pk
    text = pdf_text(services.pdf_bytes(cert))
    for expected in ("贷款结清证明", "王建国", contract.number, "500,000.00", "2026年02月10日", "2026年03月25日",
                     "提前还清", "有效期：长期有效", "本金、利息及罚息已全部结清"):
        assert expected in text, expected
    # the contract was marked paid off without its money: put back, so the loan books agree at the end
    LoanContract.objects.filter(pk=contract.pk).update(status=LoanContract.Status.AWAITING_DISBURSEMENT,
                                                       disbursed_on=None)


@pytest.mark.parametrize("kwargs, error, field", [
    ({"account_number": "109999999999"}, NotFound, None),
    ({"valid_until": datetime.date(2026, 11, 19)}, InvalidInput, "valid_until"),
    ({"valid_until": datetime.date(2027, 2, 20)}, InvalidInput, "valid_until"),
    ({"months": 0}, InvalidInput, "months"),
    ({"months": 37}, InvalidInput, "months"),
    ({"kind": "other_place", "addressee": "  "}, InvalidInput, "addressee"),
    ({"kind": "payoff", "contract_number": "HT404"}, InvalidInput, "contract_number"),
    ({"kind": "diploma"}, InvalidInput, "kind"),
])
def test_bad_input_is_refused_and_writes_nothing(world, kwargs, error, field):
    data = {"account_number": world["a"].number, "kind": "deposit", **kwargs}
    with pytest.raises(error) as exc:
        services.issue(actor=world["clerk"], **data)
    if field:
        assert field in exc.value.fields
    assert not Certificate.objects.exists() and not ArchiveRecord.objects.exists()


def test_closed_account_is_refused(world):
    from accounts.models import FundAccount

    a = world["a"]
    FundAccount.objects.filter(pk=a.pk).update(status=FundAccount.Status.CLOSED_WITHDRAWN)
    with pytest.raises(InvalidInput) as exc:
        services.issue(actor=world["clerk"], account_number=a.number, kind="deposit")
    assert "已销户" in exc.value.message or a.number in exc.value.message
    assert not Certificate.objects.exists() and not ArchiveRecord.objects.exists()


def test_depositor_issues_only_for_own_account(world, auditor):
    a, b = world["a"], world["b"]
    user = a.depositor.user
    cert = services.issue(actor=user, account_number=a.number, kind="deposit")
    assert cert.channel == "portal" and cert.issued_by == user
    with pytest.raises(NotFound):
        services.issue(actor=user, account_number=b.number, kind="deposit")
    with pytest.raises(Forbidden):
        services.issue(actor=auditor, account_number=a.number, kind="deposit")
    assert Certificate.objects.count() == 1


def test_portal_issue_download_and_isolation(world):
    a, b = world["a"], world["b"]
    client = portal_client(a)
    page = client.get("/portal/certificates/")
    assert page.status_code == 200 and "开具证明" in page.content.decode()
    resp = client.post("/portal/certificates/", {"kind": "deposit", "months": "3", "valid_until": ""})
    assert resp.status_code == 302
    cert = Certificate.objects.get()
    download = client.get(f"/portal/certificates/{cert.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content == services.pdf_bytes(cert)
    assert "2026年09月" in pdf_text(download.content)
    # a validity in the past: a clear message, nothing written
    resp = client.post("/portal/certificates/", {"kind": "deposit", "months": "3", "valid_until": "2026-11-01"})
    assert resp.status_code == 200 and "已过" in resp.content.decode() or "2026-11-01" in resp.content.decode()
    assert Certificate.objects.count() == 1
    # 李四 cannot download 张三丰's certificate
    assert portal_client(b).get(f"/portal/certificates/{cert.pk}/pdf/").status_code == 404


def test_counter_issue_from_account_page_and_revoke(world, client):
    a = world["a"]
    client.force_login(world["clerk"])
    page = client.get(f"/counter/accounts/{a.number}/").content.decode()
    assert 'id="certificates"' in page and f"/counter/documents/accounts/{a.number}/certificates/new/" in page
    resp = client.post(f"/counter/documents/accounts/{a.number}/certificates/new/",
                       {"kind": "other_place", "addressee": "杭州住房公积金管理中心", "months": "12"})
    cert = Certificate.objects.get()
    assert resp.status_code == 302 and resp.url == f"/counter/documents/certificates/{cert.pk}/"
    assert cert.number in client.get(f"/counter/accounts/{a.number}/").content.decode()
    # no reason: refused
    client.post(f"/counter/documents/certificates/{cert.pk}/revoke/", {"reason": ""})
    cert.refresh_from_db()
    assert cert.revoked_at is None
    client.post(f"/counter/documents/certificates/{cert.pk}/revoke/", {"reason": "信息有误，重新开具"})
    cert.refresh_from_db()
    assert cert.revoked_at is not None and cert.revoke_reason == "信息有误，重新开具"
    assert cert.revoked_by == world["clerk"]
    with pytest.raises(InvalidInput):
        services.revoke(actor=world["clerk"], certificate=cert, reason="again")


def test_depositor_and_auditor_cannot_revoke(world, auditor):
    a = world["a"]
    cert = services.issue(actor=world["clerk"], account_number=a.number, kind="deposit")
    assert portal_client(a).post(f"/counter/documents/certificates/{cert.pk}/revoke/",
                                 {"reason": "x"}).status_code == 403
    with pytest.raises(Forbidden):
        services.revoke(actor=auditor, certificate=cert, reason="x")
    cert.refresh_from_db()
    assert cert.revoked_at is None
