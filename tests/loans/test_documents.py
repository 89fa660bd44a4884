"""Scanned documents of loan applications: the types each purpose requires (policy), the upload at the counter and
in the portal (judged by content, stored with SHA-256), the refusal to submit or accept while one is missing, and
who may open them (staff and the application's own parties; 404 for anyone else)."""

import datetime
import hashlib
import json
from decimal import Decimal

import pytest

from core.errors import Forbidden, InvalidInput, StateError
from core.models import AuditEvent, CaseTransition, PolicyValue
from loans import services
from loans.models import LoanApplication, LoanDocument
from tests import factories
from tests.loans.conftest import (
    PURCHASE_DOCUMENTS,
    document_files,
    example_data,
    portal_user,
    scan,
    with_documents,
)

D = Decimal
day = datetime.date
S = LoanApplication.State
HTML = b"<html><script>alert(1)</script></html>"
PORTAL_FORM = {**example_data(), "ownership_share": "1", "homes_owned": "0", "children": "0"}


def draft(staff, household, actor=None, **changes):
    return services.create_draft(
        actor=actor or staff["officer"], account=household["borrower"], data=example_data(**changes)
    )


def nothing_written(app):
    return (
        LoanDocument.objects.filter(application=app).count(),
        CaseTransition.objects.filter(case_id=app.pk).count(),
        LoanApplication.objects.get(pk=app.pk).state,
        LoanApplication.objects.get(pk=app.pk).assessment,
    )


# --- which documents ----------------------------------------------------------------------------------------------


def test_required_types_per_purpose_come_from_the_policy(staff, household):
    app = draft(staff, household)
    assert services.required_types(app) == list(PURCHASE_DOCUMENTS)
    app.purpose = "repair"
    assert services.required_types(app) == ["id_card", "marital", "income", "credit_auth", "property_title"]
    app.purpose = "conversion"
    assert services.required_types(app)[-2:] == ["commercial_loan", "property_title"]
    # the center changes its list: from 2026-01-01 a new home also needs "other" (e.g. the developer's letter)
    mapping = {"all": ["id_card"], "purchase:new": ["purchase_contract", "other"], "build": ["bogus"]}
    PolicyValue.objects.create(
        key="loans.required_documents", effective_from=day(2026, 1, 1), value=json.dumps(mapping)
    )
    app.purpose = "purchase"
    assert services.required_types(app) == ["id_card", "purchase_contract", "other"]
    app.purpose, app.property_kind = "build", "own"
    assert services.required_types(app) == ["id_card"]  # an unknown type in the policy is ignored


def test_submit_and_accept_are_refused_naming_the_missing_documents_and_write_nothing(staff, household):
    user = portal_user(household["borrower"].depositor, "wjg")
    app = services.create_draft(
        actor=user,
        account=household["borrower"],
        data=example_data(),
        documents=[("id_card", scan()), ("marital", scan()), ("income", scan())],
    )
    before = nothing_written(app)
    with pytest.raises(InvalidInput) as refused:
        services.submit(actor=user, application=app)
    assert refused.value.code == "documents_missing"
    assert refused.value.message == "缺少材料：征信查询授权书、购房合同或商品房预售合同、首付款收据。请先上传。"
    with pytest.raises(InvalidInput, match="缺少材料"):
        services.accept(actor=staff["officer"], application=app)
    assert nothing_written(app) == before == (3, 1, S.DRAFT, {})
    with_documents(app, actor=user)
    app = services.submit(actor=user, application=app)
    assert app.state == S.SUBMITTED and app.completed_at is not None
    assert app.assessment["limit"]["granted"] == "600000.00"


# --- uploads ---------------------------------------------------------------------------------------------------------


def test_documents_are_stored_under_a_random_name_with_their_sha256(staff, household):
    content = b"%PDF-1.7 the presale contract"
    app = services.create_draft(
        actor=staff["officer"],
        account=household["borrower"],
        data=example_data(),
        documents=[
            ("purchase_contract", scan("预售合同.pdf", content)),
            ("id_card", scan("id.png", b"\x89PNG\r\n\x1a\nxx")),
        ],
    )
    contract, id_card = LoanDocument.objects.filter(application=app).order_by("id")
    assert (contract.doc_type, contract.sha256, contract.size) == (
        "purchase_contract",
        hashlib.sha256(content).hexdigest(),
        len(content),
    )
    assert contract.original_name == "预售合同.pdf" and contract.uploaded_by == staff["officer"]
    assert contract.filename.endswith(".pdf") and "预售合同" not in contract.file.name
    assert id_card.filename.endswith(".png")  # the extension of the type judged from the content
    with contract.file.open("rb") as f:
        assert f.read() == content
    event = AuditEvent.objects.get(action="loan_application.documents", object_id=str(app.pk))
    assert [d["type"] for d in event.after["documents"]] == ["purchase_contract", "id_card"]


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (
            lambda: scan("contract.pdf", HTML),
            "file_type",
            "contract.pdf 不是 PDF、JPEG 或 PNG 文件（按文件内容判断）。",
        ),
        (lambda: scan("empty.pdf", b""), "file_empty", "empty.pdf 是空文件。"),
        (lambda: scan("big.pdf", b"%PDF" + b"0" * (1024 * 1024)), "file_too_large", "big.pdf 大于 1 MB。"),
    ],
)
def test_a_bad_upload_is_refused_with_its_message_and_nothing_is_written(staff, household, upload, code, message):
    PolicyValue.objects.create(key="loans.document_max_mb", effective_from=day(2026, 1, 1), value="1")
    app = draft(staff, household)
    before = nothing_written(app)
    with pytest.raises(InvalidInput) as refused:
        services.add_documents(
            actor=staff["officer"], application=app, documents=[("id_card", scan()), ("income", upload())]
        )
    assert (refused.value.code, refused.value.message) == (code, message)
    assert nothing_written(app) == before
    # a bad file on a new draft: no draft either
    count = LoanApplication.objects.count()
    with pytest.raises(InvalidInput):
        services.create_draft(
            actor=staff["officer"], account=household["borrower"], data=example_data(), documents=[("income", upload())]
        )
    assert LoanApplication.objects.count() == count


def test_unknown_type_too_many_files_and_no_file_are_refused(staff, household):
    app = draft(staff, household)
    with pytest.raises(InvalidInput, match="材料类型|Unknown"):
        services.add_documents(actor=staff["officer"], application=app, documents=[("passport", scan())])
    PolicyValue.objects.create(key="loans.documents_max", effective_from=day(2026, 1, 1), value="2")
    with pytest.raises(InvalidInput) as refused:
        services.add_documents(actor=staff["officer"], application=app, documents=[("other", scan())] * 3)
    assert refused.value.message == "每笔申请最多上传 2 个材料。"
    with pytest.raises(InvalidInput, match="请至少选择一个文件"):
        services.add_documents(actor=staff["officer"], application=app, documents=[])
    assert LoanDocument.objects.count() == 0


def test_only_the_borrower_or_a_loan_officer_uploads_and_only_to_a_draft_or_a_returned_case(staff, household):
    app = with_documents(draft(staff, household))
    for person in (staff["reviewer"], staff["clerk"], portal_user(household["spouse"].depositor, "lh")):
        with pytest.raises(Forbidden):
            services.add_documents(actor=person, application=app, documents=[("other", scan())])
    app = services.accept(actor=staff["officer"], application=app)
    with pytest.raises(StateError) as refused:
        services.add_documents(actor=staff["officer"], application=app, documents=[("other", scan())])
    assert refused.value.message == "只能向草稿或退回补正的申请添加材料；本申请状态为已受理。"
    services.return_for_documents(actor=staff["reviewer"], application=app, reason="收入证明不清晰，请重新上传")
    services.add_documents(actor=staff["officer"], application=app, documents=[("income", scan("收入证明.pdf"))])
    assert LoanDocument.objects.filter(application=app, doc_type="income").count() == 2


# --- pages ------------------------------------------------------------------------------------------------------


def test_portal_application_with_documents_then_only_its_parties_open_them(staff, household, client):
    borrower = portal_user(household["borrower"].depositor, "wjg")
    client.force_login(borrower)
    data = {**PORTAL_FORM, "submit": "1", **document_files()}
    response = client.post("/portal/loans/apply/", data)
    app = LoanApplication.objects.get()
    assert response.status_code == 302 and app.state == S.SUBMITTED and app.channel == "online"
    assert sorted(app.documents.values_list("doc_type", flat=True)) == sorted(PURCHASE_DOCUMENTS)
    doc = app.documents.get(doc_type="purchase_contract")
    url = f"/portal/loans/{app.number}/documents/{doc.pk}/"
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert url in page and 'data-required="down_payment" class="text-success"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment") and b"".join(response.streaming_content) == (
        b"%PDF-1.4 scanned document"
    )
    # the spouse is a party of the application: she may open it too
    client.force_login(portal_user(household["spouse"].depositor, "lh"))
    assert client.get(url).status_code == 200
    # another depositor: 404, whether the number is right or not
    stranger = portal_user(factories.account(staff["clerk"], name="路人甲").depositor, "lrj")
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(f"/portal/loans/{app.number}/documents/{doc.pk + 999}/").status_code == 404
    assert client.get(f"/counter/loans/{app.number}/documents/{doc.pk}/").status_code in (302, 403)
    # staff open it at the counter; the opening is recorded as a view of the borrower's data
    client.force_login(staff["reviewer"])
    assert client.get(f"/counter/loans/{app.number}/documents/{doc.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="loan.document.view")
    assert event.after["document"] == doc.pk and event.after["depositor"] == app.borrower_id


def test_portal_refuses_a_bad_upload_with_a_chinese_message_and_keeps_nothing(staff, household, client):
    client.force_login(portal_user(household["borrower"].depositor, "wjg"))
    files = {**document_files(), "doc_income": scan("income.pdf", HTML)}
    response = client.post("/portal/loans/apply/", {**PORTAL_FORM, "submit": "1", **files})
    assert response.status_code == 200
    assert "income.pdf 不是 PDF、JPEG 或 PNG 文件（按文件内容判断）。" in response.content.decode()
    assert LoanApplication.objects.count() == 0 and LoanDocument.objects.count() == 0


def test_portal_submit_without_the_documents_keeps_the_draft_and_names_what_is_missing(staff, household, client):
    client.force_login(portal_user(household["borrower"].depositor, "wjg"))
    response = client.post("/portal/loans/apply/", {**PORTAL_FORM, "submit": "1", "doc_id_card": scan()}, follow=True)
    app = LoanApplication.objects.get()
    assert app.state == S.DRAFT and app.documents.count() == 1
    page = response.content.decode()
    assert "缺少材料：结婚证或单身声明、收入证明、征信查询授权书、购房合同或商品房预售合同、首付款收据。" in page
    assert 'data-required="marital" class="text-danger"' in page
    response = client.post(f"/portal/loans/{app.number}/documents/", document_files(PURCHASE_DOCUMENTS[1:]))
    assert response.status_code == 302
    client.post(f"/portal/loans/{app.number}/submit/")
    app.refresh_from_db()
    assert app.state == S.SUBMITTED


def test_counter_entry_with_documents_and_the_case_page_lists_them(staff, household, client):
    from tests.loans.test_pages import form_data

    client.force_login(staff["officer"])
    files = document_files([t for t in PURCHASE_DOCUMENTS if t != "down_payment"])
    response = client.post("/counter/loans/new/", {**form_data(household), "accept": "1", **files}, follow=True)
    app = LoanApplication.objects.get()
    assert app.state == S.DRAFT  # saved, not accepted: the receipt is missing
    page = response.content.decode()
    assert "缺少材料：首付款收据。请先上传。" in page and 'id="upload"' in page
    assert 'data-required="down_payment" class="text-danger"' in page
    client.post(f"/counter/loans/{app.number}/documents/", {"doc_down_payment": scan("首付款.pdf")})
    client.post(f"/counter/loans/{app.number}/accept/")
    app.refresh_from_db()
    assert app.state == S.ACCEPTED
    page = client.get(f"/counter/loans/{app.number}/").content.decode()
    assert page.count('data-document="') == 6 and "首付款.pdf" in page
    assert 'id="upload"' not in page  # no uploads once accepted
