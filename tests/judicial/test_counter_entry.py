"""Paper requests entered at the counter: the two officers' credentials, the scanned ruling and assistance notice
(judged by their content, stored with their SHA-256, served to judicial staff only), the one rule set of intake,
nothing written on a refusal and never a 500 on hostile input."""

import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import roles
from core.errors import ApplicationError, Conflict, InvalidInput
from judicial import services
from judicial.models import Freeze, JudicialDocument, JudicialRequest
from tests.conftest import make_user
from tests.judicial.conftest import ledger, request_data

D = Decimal
RULING = b"%PDF-1.4 ruling (2026)\xe7\xb2\xa40305\xe6\x89\xa730003"
NOTICE = b"\x89PNG\r\n\x1a\n assistance notice"
OFFICERS = {"officer1_name": "王执行", "officer1_work_card": "GZ440305001", "officer1_certificate": "ZX4403050011",
            "officer2_name": "赵执行", "officer2_work_card": "GZ440305002", "officer2_certificate": "ZX4403050012"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def ruling(content=RULING, name="ruling.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def notice(content=NOTICE, name="notice.png"):
    return SimpleUploadedFile(name, content, content_type="image/png")


def paper(officers, court, account, measure="freeze", documents=None, **kw):
    data = {**request_data(account, measure, ruling_number="(2026)粤0305执30003号之一",
                           notice_number="(2026)粤0305执30003号协助", **kw), **OFFICERS}
    data.update({k: v for k, v in kw.items() if k in OFFICERS})
    docs = {"ruling": ruling(), "notice": notice()} if documents is None else documents
    return services.receive_paper_request(actor=officers["op"], court=court, data=data, documents=docs)


def nothing_written():
    return JudicialRequest.objects.count() == 0 and JudicialDocument.objects.count() == 0


def test_a_paper_freeze_is_stored_with_officers_and_scans_and_takes_effect_through_maker_checker(
        officers, court, funded):
    req = paper(officers, court, funded, amount="30000.00", number="ZJ2026001")
    assert (req.channel, req.state, req.measure, req.amount) == ("counter", "received", "freeze", D("30000.00"))
    assert (req.officer1_work_card, req.officer2_certificate) == ("GZ440305001", "ZX4403050012")
    assert req.account == funded and req.received_by == officers["op"]
    docs = {d.doc_type: d for d in JudicialDocument.objects.filter(request=req)}
    assert set(docs) == {"ruling", "notice"}
    assert docs["ruling"].sha256 == hashlib.sha256(RULING).hexdigest()
    assert docs["notice"].sha256 == hashlib.sha256(NOTICE).hexdigest()
    assert (docs["ruling"].size, docs["ruling"].original_name) == (len(RULING), "ruling.pdf")
    assert docs["ruling"].file.name.endswith(".pdf") and "ruling" not in docs["ruling"].file.name  # random name
    assert docs["notice"].file.name.endswith(".png")
    assert docs["ruling"].file.read() == RULING
    req = services.prepare(actor=officers["op"], request=req)
    req = services.confirm(actor=officers["chk"], request=req)
    assert (req.state, req.actual_amount) == ("executed", D("30000.00"))
    freeze = Freeze.objects.get(request=req)
    assert (freeze.state, freeze.amount_frozen) == ("active", D("30000.00"))
    acc = ledger(funded)
    assert (acc.balance, acc.held) == (D("50000.00"), D("30000.00"))


def test_the_same_paper_entered_twice_is_the_first_request_and_a_different_one_is_a_conflict(officers, court, funded):
    first = paper(officers, court, funded, amount="100.00", number="ZJ2026002")
    again = paper(officers, court, funded, amount="100.00", number="ZJ2026002")
    assert again.pk == first.pk
    assert JudicialDocument.objects.filter(request=first).count() == 2
    with pytest.raises(Conflict):
        paper(officers, court, funded, amount="200.00", number="ZJ2026002")
    with pytest.raises(Conflict):  # same fields, another scan of the ruling
        paper(officers, court, funded, amount="100.00", number="ZJ2026002",
              documents={"ruling": ruling(RULING + b" v2"), "notice": notice()})
    assert JudicialRequest.objects.count() == 1 and JudicialDocument.objects.count() == 2


def test_a_query_needs_the_notice_only_and_the_depositor_sees_nothing_of_it(officers, court, funded):
    req = paper(officers, court, funded, "query", documents={"notice": notice()}, number="ZJ2026003")
    assert list(JudicialDocument.objects.filter(request=req).values_list("doc_type", flat=True)) == ["notice"]
    assert req.account is None


@pytest.mark.parametrize("change, field", [
    ({"documents": {"notice": notice()}}, "ruling"),  # a freeze needs the ruling
    ({"documents": {"ruling": ruling(b"<html><script>alert(1)</script>", "ruling.pdf"), "notice": notice()}},
     "ruling"),  # judged by the content, not the name
    ({"documents": {"ruling": ruling(b""), "notice": notice()}}, "ruling"),
    ({"officer2_work_card": "GZ440305001"}, "officer2_work_card"),  # the same officer twice
    ({"officer1_certificate": ""}, "officer1_certificate"),
    ({"officer1_name": "王" * 61}, "officer1_name"),
    ({"person_name": "李四"}, "person_name"),  # ID number and name do not match
    ({"start_date": "2026-10-12", "end_date": "2026-10-01"}, "end_date"),
    ({"amount": "0"}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "1e30"}, "amount"),
    ({"end_date": "9999-12-31"}, "end_date"),
])
def test_each_bad_paper_is_refused_with_the_field_and_nothing_written(officers, court, funded, change, field):
    kw = {"amount": "100.00", "number": "ZJ2026009", **{k: v for k, v in change.items() if k != "documents"}}
    with pytest.raises(InvalidInput) as caught:
        paper(officers, court, funded, documents=change.get("documents"), **kw)
    assert field in caught.value.fields
    assert nothing_written()


def test_only_a_judicial_officer_enters_a_paper_request(officers, court, funded):
    clerk = make_user("jp_clerk", roles.CLERK)
    data = {**request_data(funded, "freeze", amount="100.00", ruling_number="R1", notice_number="N1"), **OFFICERS}
    with pytest.raises(ApplicationError):
        services.receive_paper_request(actor=clerk, court=court, data=data,
                                       documents={"ruling": ruling(), "notice": notice()})
    assert nothing_written()


# --- the page ---------------------------------------------------------------------------------------------------


def form_data(account, the_court, **kw):
    person = account.depositor
    data = {"court": the_court.pk, "authority": "court", "number": "ZJ2026100", "measure": "freeze",
            "case_number": "(2026)粤0305执30003号", "person_name": person.name, "id_type": "01",
            "id_number": person.id_number, "judge": "李法官", "judge_phone": "0755-12345678",
            "ruling_number": "(2026)粤0305执30003号之一", "notice_number": "(2026)粤0305执30003号协助",
            "amount": "12345.67", "start_date": "", "end_date": "", "account_number": "", "original_number": "",
            "payee_name": "", "payee_account": "", "payee_bank": "", **OFFICERS,
            "ruling": ruling(), "notice": notice()}
    data.update(kw)
    return data


def test_the_counter_page_receives_a_paper_request_and_serves_its_scans_to_judicial_staff_only(
        client, officers, court, funded):
    client.force_login(officers["op"])
    page = client.get(reverse("judicial:paper_new"))
    assert page.status_code == 200 and "执行公务证" in page.content.decode()
    response = client.post(reverse("judicial:paper_new"), form_data(funded, court))
    req = JudicialRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("judicial:paper", args=[req.pk])
    assert (req.amount, req.channel, req.officer2_name) == (D("12345.67"), "counter", "赵执行")
    detail = client.get(reverse("judicial:paper", args=[req.pk])).content.decode()
    assert "GZ440305002" in detail and hashlib.sha256(RULING).hexdigest() in detail
    doc = JudicialDocument.objects.get(request=req, doc_type="ruling")
    download = client.get(reverse("judicial:document", args=[doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == RULING
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]
    auditor = make_user("jp_auditor", roles.AUDITOR)
    client.force_login(auditor)
    assert client.get(reverse("judicial:document", args=[doc.pk])).status_code == 200
    for role in (roles.CLERK, roles.FINANCE, roles.LOAN_OFFICER):
        client.force_login(make_user(f"jp_{role}", role))
        assert client.get(reverse("judicial:document", args=[doc.pk])).status_code in (302, 403)
        assert client.get(reverse("judicial:paper_new")).status_code in (302, 403)
    assert not JudicialDocument.objects.visible_to(make_user("jp_clerk2", roles.CLERK)).exists()


@pytest.mark.parametrize("change", [
    {"amount": "abc"}, {"amount": "9" * 40}, {"amount": "-1"}, {"amount": "0.001"},
    {"start_date": "2026-13-45"}, {"end_date": "99999-01-01"}, {"end_date": "x" * 100},
    {"start_date": "2026-10-12", "end_date": "2026-10-11"},
    {"id_number": "110101199003070000"}, {"person_name": "李四"}, {"court": "999999"}, {"court": "abc"},
    {"measure": "explode"}, {"number": "N" * 41}, {"ruling": None}, {"officer1_work_card": ""},
    {"notice": SimpleUploadedFile("notice.pdf", b"GIF89a not a scan", content_type="application/pdf")},
    {"measure": "unfreeze", "original_number": "NOPE"},
])
def test_hostile_input_on_the_page_is_a_chinese_message_and_nothing_written(client, officers, court, funded, change):
    client.force_login(officers["op"])
    data = form_data(funded, court, **change)
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(reverse("judicial:paper_new"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-danger" in html or "invalid-feedback" in html
    assert nothing_written()
