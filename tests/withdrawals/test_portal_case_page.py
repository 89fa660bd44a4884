"""The depositor's page of one withdrawal: the timeline 受理 → 审核 → 审批 → 支付 → 办结 built from the case's
transitions (a date for each step done, the current step, what it waits for), the documents sent (opened only by
the owner), the decision and its reason; the portal inbox links each message to its case."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Depositor
from core import roles
from core.actors import system_actor
from core.models import Notification
from tests import factories
from tests.conftest import make_user
from tests.withdrawals.conftest import CARD, doc, ill, on, paid_months
from withdrawals import services
from withdrawals.models import DocumentType as Doc
from withdrawals.models import Reason, WithdrawalApplication

D = Decimal
day = datetime.date
S = WithdrawalApplication.State
STEP = re.compile(r'data-step="(\w+)" data-status="(\w+)".*?<span class="small text-nowrap step-date">([^<]*)</span>',
                  re.S)


def steps(page) -> list[tuple]:
    """[(step, status, date)] of the page's timeline, in order."""
    timeline = page[page.index('id="timeline"'):page.index("</ol>", page.index('id="timeline"'))]
    return STEP.findall(timeline)


@pytest.fixture
def portal(staff, funded):
    """The depositor of ``funded`` logged in to the portal (Chinese), and a second depositor with a case."""
    user = make_user(funded.depositor.id_number, roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save(update_fields=["user"])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def rent_at_counter(staff, account, amount="5400"):
    return services.apply(actor=staff["clerk"], account=account, reason=Reason.RENT, amount=amount,
                          facts={"monthly_rent": "2500", "months": 3}, payee_card=CARD, payee_name="张三",
                          documents=[(Doc.LEASE, doc("lease.pdf"))])


def page_of(client, app):
    response = client.get(f"/portal/withdrawals/{app.number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_timeline_at_each_step_with_dates(staff, funded, portal):
    app = rent_at_counter(staff, funded)  # 受理 at the counter on 2026-10-12
    page = page_of(portal, app)
    assert steps(page) == [("accept", "done", "2026-10-12"), ("review", "current", "—"),
                           ("approve", "pending", "—"), ("pay", "pending", "—"), ("close", "pending", "—")]
    assert "正在审核；应于 2026-10-15 前作出决定。" in page
    assert '<span class="money" id="amount-approved">' not in page and "5,400.00" in page
    lease = app.documents.get()
    assert 'aria-current="step"' in page
    link = f'<a href="/portal/withdrawals/{app.number}/documents/{lease.pk}/" class="text-break">房屋租赁合同</a>'
    assert link in page
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(funded.depositor.user)
    page = english.get(f"/portal/withdrawals/{app.number}/").content.decode()
    assert [label for label in ("Acceptance", "Review", "Approval", "Payment", "Completion") if label in page] == [
        "Acceptance", "Review", "Approval", "Payment", "Completion"]
    assert "Being reviewed; a decision is due by 2026-10-15." in page and "受理" not in page

    on(day(2026, 10, 13))
    app = services.review(actor=staff["reviewer"], application=app)
    assert [s[1:] for s in steps(page_of(portal, app))] == [
        ("done", "2026-10-12"), ("done", "2026-10-13"), ("current", "—"), ("pending", "—"), ("pending", "—")]

    on(day(2026, 10, 14))
    app = services.approve(actor=staff["approver"], application=app, pay_now=False)
    page = page_of(portal, app)
    assert [s[1:] for s in steps(page)] == [
        ("done", "2026-10-12"), ("done", "2026-10-13"), ("done", "2026-10-14"), ("current", "—"), ("pending", "—")]
    assert "已审批，正在准备付款。" in page
    assert '<span class="money" id="amount-approved">5,400.00</span>' in page

    on(day(2026, 10, 15))
    app = services.pay(actor=staff["finance"], application=app)
    page = page_of(portal, app)
    assert [s[1:] for s in steps(page)] == [
        ("done", "2026-10-12"), ("done", "2026-10-13"), ("done", "2026-10-14"), ("done", "2026-10-15"),
        ("current", "—")]
    assert f"5,400.00 已付至您尾号 {CARD[-4:]} 的银行卡，等待银行确认付款。" in page  # payment pending at the bank

    on(day(2026, 10, 16))
    services.settle_payment(actor=system_actor(), application=app)
    page = page_of(portal, app)
    assert [s[1:] for s in steps(page)] == [
        ("done", "2026-10-12"), ("done", "2026-10-13"), ("done", "2026-10-14"), ("done", "2026-10-15"),
        ("done", "2026-10-16")]
    assert 'id="case-outcome"' in page and 'aria-current="step"' not in page


def test_returned_for_documents_then_refused(staff, funded, portal):
    app = services.apply(actor=funded.depositor.user, account=funded, reason=Reason.ILLNESS, amount="500",
                         facts=ill("500"), payee_card=CARD, payee_name="张三", documents=[(Doc.MEDICAL, doc("m.pdf"))])
    assert app.state == S.SUBMITTED
    page = page_of(portal, app)
    assert steps(page)[0] == ("accept", "current", "—")
    assert "等待中心受理并核对材料。" in page
    app = services.accept(actor=staff["clerk"], application=app)
    on(day(2026, 10, 13))
    app = services.return_for_documents(actor=staff["reviewer"], application=app, reason="请补交住院病历首页")
    page = page_of(portal, app)
    assert steps(page) == [("accept", "done", "2026-10-12"), ("review", "returned", "—"),
                           ("approve", "pending", "—"), ("pay", "pending", "—"), ("close", "pending", "—")]
    assert "退回补正材料：请补交住院病历首页" in page
    assert '<p class="mb-0" id="decision-reason">请补交住院病历首页</p>' in page

    app = services.resubmit(actor=funded.depositor.user, application=app)
    assert steps(page_of(portal, app))[1] == ("review", "current", "—")
    app = services.review(actor=staff["reviewer"], application=app)
    on(day(2026, 10, 14))
    services.reject(actor=staff["approver"], application=app, reason="发票与病历不符")
    page = page_of(portal, app)
    assert steps(page) == [("accept", "done", "2026-10-13"), ("review", "done", "2026-10-13"),
                           ("approve", "refused", "—"), ("pay", "pending", "—"), ("close", "pending", "—")]
    assert "不予批准：发票与病历不符" in page and '<p class="mb-0" id="decision-reason">发票与病历不符</p>' in page


def test_approved_by_rule_and_the_missing_documents_of_a_return(staff, funded, portal):
    user = funded.depositor.user
    app = services.apply(actor=user, account=funded, reason=Reason.RENT, amount="1800",
                         facts={"monthly_rent": "2000"}, payee_card=CARD, payee_name="张三",
                         documents=[(Doc.LEASE, doc("lease.pdf"))])
    assert app.state == S.PAID
    page = page_of(portal, app)
    assert steps(page) == [("accept", "done", "2026-10-12"), ("review", "done", "2026-10-12"),
                           ("approve", "done", "2026-10-12"), ("pay", "done", "2026-10-12"),
                           ("close", "current", "—")]
    # accept, review and approval taken by the rule, the payment by the system right after
    assert page.count('<span class="badge text-bg-light border ms-1">按规则</span>') == 3
    # a returned case whose required document is gone says which one is missing
    case = services.apply(actor=user, account=funded, reason=Reason.ILLNESS, amount="500", facts=ill("500"),
                          payee_card=CARD, payee_name="张三", documents=[(Doc.MEDICAL, doc("m.pdf"))])
    case = services.return_for_documents(actor=staff["clerk"], application=case, reason="扫描件不清晰")
    case.documents.all().delete()
    page = page_of(portal, case)
    assert steps(page)[0] == ("accept", "returned", "—")
    assert '<ul class="mb-0 mt-1" id="missing-documents"><li>诊断证明及医疗费用发票</li></ul>' in page


def test_documents_and_cases_are_the_owners_only(staff, funded, portal):
    app = rent_at_counter(staff, funded)
    document = app.documents.get()
    response = portal.get(f"/portal/withdrawals/{app.number}/documents/{document.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 scan"
    # another depositor, with a case of their own
    on(day(2020, 1, 6))
    other_account = factories.account(staff["clerk"], name="李四")
    factories.deposit(other_account, "38000")
    on(day(2026, 10, 12))
    paid_months(other_account, [day(2026, m, 1) for m in range(5, 11)])
    other_user = make_user(other_account.depositor.id_number, roles.DEPOSITOR)
    other_account.depositor.user = other_user
    other_account.depositor.save(update_fields=["user"])
    other_app = services.apply(actor=staff["clerk"], account=other_account, reason=Reason.RENT, amount="1000",
                               facts={"monthly_rent": "2500"}, payee_card=CARD, payee_name="李四",
                               documents=[(Doc.LEASE, doc())])
    other = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    other.force_login(other_user)
    assert other.get(f"/portal/withdrawals/{app.number}/").status_code == 404
    assert other.get(f"/portal/withdrawals/{app.number}/documents/{document.pk}/").status_code == 404
    assert portal.get(f"/portal/withdrawals/{other_app.number}/").status_code == 404
    assert portal.get("/portal/withdrawals/NO-SUCH-CASE/").status_code == 404
    assert other.get(f"/portal/withdrawals/{other_app.number}/").status_code == 200
    # staff do not use the depositor's pages
    staff_client = Client()
    staff_client.force_login(staff["clerk"])
    assert staff_client.get(f"/portal/withdrawals/{app.number}/").status_code == 403
    # the list links to the page
    assert f'href="/portal/withdrawals/{app.number}/"' in portal.get("/portal/withdrawals/").content.decode()


def test_inbox_links_each_message_to_its_case(staff, funded, portal):
    app = rent_at_counter(staff, funded)
    app = services.return_for_documents(actor=staff["reviewer"], application=app, reason="请补交租赁合同原件")
    depositor = funded.depositor
    # an older message, written for the person only (as the standing run does), and one about nothing in particular
    Notification.objects.create(recipient_type=ContentType.objects.get_for_model(Depositor),
                                recipient_id=depositor.pk, channel="inbox", subject="旧消息", body="按月提取已支付",
                                key=f"withdrawal:{app.pk}:paid:1:inbox")
    Notification.objects.create(user=depositor.user, channel="inbox", subject="一般通知", body="无关案件")
    Notification.objects.create(user=depositor.user, channel="sms", subject="短信", body="不在站内信中",
                                key=f"withdrawal:{app.pk}:x:sms")
    page = portal.get("/portal/messages/").content.decode()
    link = f'href="/portal/withdrawals/{app.number}/"'
    assert page.count(link) == 3  # received, returned and the older message
    assert "需要补充材料" in page and "旧消息" in page and "一般通知" in page and "不在站内信中" not in page
    assert page.count('class="btn btn-sm btn-outline-primary mt-2 case-link"') == 3
    # a message whose key names someone else's case gets no link
    Notification.objects.create(user=depositor.user, channel="inbox", subject="错投", body="x",
                                key="withdrawal:999999:paid:1:inbox")
    assert portal.get("/portal/messages/").content.decode().count("case-link") == 3


def unread_badge(page):
    found = re.search(r'<span class="badge rounded-pill text-bg-danger" id="unread-count">(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_messages_are_new_until_the_inbox_shows_them(staff, funded, portal):
    app = rent_at_counter(staff, funded)  # its "received" message is in the inbox
    depositor = funded.depositor
    Notification.objects.create(recipient_type=ContentType.objects.get_for_model(Depositor),
                                recipient_id=depositor.pk, channel="inbox", subject="按月提取已支付", body="x")
    Notification.objects.create(user=depositor.user, channel="sms", subject="短信", body="不在站内信中")
    someone_else = make_user("someone_else", roles.DEPOSITOR)
    Notification.objects.create(user=someone_else, channel="inbox", subject="别人的", body="x")
    unread = Notification.objects.filter(read_at=None, channel="inbox")
    assert unread.count() == 3
    # every portal page shows the count of the depositor's own unread inbox messages (not SMS, not others')
    assert unread_badge(portal.get(f"/portal/withdrawals/{app.number}/").content.decode()) == 2
    # the count's query is kept once for every depositor (core.visibility.own_rows): each still counts their own
    from portal import case_selectors

    assert case_selectors.unread_count(viewer=someone_else) == 1
    assert case_selectors.unread_count(viewer=depositor.user) == 2
    from core import compiled

    kept = [v is not None for k, v in compiled._cache.items() if k[0][0] == "portal unread"]
    assert kept and all(kept)
    page = portal.get("/portal/messages/").content.decode()
    assert page.count("message-new") == 2 and page.count(">新消息</span>") == 2
    assert unread_badge(page) == 0  # shown now: read
    assert set(unread.values_list("subject", flat=True)) == {"别人的"}
    assert Notification.objects.get(subject="短信").read_at is None
    again = portal.get("/portal/messages/").content.decode()
    assert "message-new" not in again and unread_badge(again) == 0 and "按月提取已支付" in again


def test_depositor_adds_the_document_asked_for_and_sends_the_case_back(staff, funded, portal):
    app = services.apply(actor=funded.depositor.user, account=funded, reason=Reason.ILLNESS, amount="500",
                         facts=ill("500"), payee_card=CARD, payee_name="张三", documents=[(Doc.MEDICAL, doc("m.pdf"))])
    app = services.accept(actor=staff["clerk"], application=app)
    app = services.return_for_documents(actor=staff["reviewer"], application=app, reason="请补交清晰的票据")
    app.documents.all().delete()  # the unreadable scan is gone
    page = page_of(portal, app)
    assert 'id="add-document"' in page and 'id="resubmit"' in page
    assert '<option value="medical">诊断证明及医疗费用发票</option>' in page.split('id="id_doc_type"')[1][:200]
    # sending it back without the document: refused, the case stays returned
    response = portal.post(f"/portal/withdrawals/{app.number}/resubmit/", follow=True)
    assert "缺少材料：诊断证明及医疗费用发票。" in response.content.decode()
    assert WithdrawalApplication.objects.get(pk=app.pk).state == S.RETURNED
    # not a PDF, JPEG or PNG: refused, nothing stored; no file at all: a clear message
    response = portal.post(f"/portal/withdrawals/{app.number}/documents/",
                           {"doc_type": Doc.MEDICAL, "file": SimpleUploadedFile("x.pdf", b"MZ not a scan")})
    assert response.status_code == 302 and response["Location"] == f"/portal/withdrawals/{app.number}/"
    assert app.documents.count() == 0
    response = portal.post(f"/portal/withdrawals/{app.number}/documents/", {"doc_type": "nonsense"}, follow=True)
    assert "请选择材料类型并选择文件。" in response.content.decode() and app.documents.count() == 0
    # another depositor cannot add to it
    intruder = make_user("dep_intruder", roles.DEPOSITOR)
    other = Client()
    other.force_login(intruder)
    assert other.post(f"/portal/withdrawals/{app.number}/documents/",
                      {"doc_type": Doc.MEDICAL, "file": doc("m2.pdf")}).status_code == 404
    assert other.post(f"/portal/withdrawals/{app.number}/resubmit/").status_code == 404
    # the depositor adds it and sends the case back: 受理 again, waiting for the review
    response = portal.post(f"/portal/withdrawals/{app.number}/documents/", {"doc_type": Doc.MEDICAL,
                                                                            "file": doc("m2.pdf")}, follow=True)
    assert "材料已上传。" in response.content.decode() and app.documents.get().uploaded_by == funded.depositor.user
    on(day(2026, 10, 13))
    response = portal.post(f"/portal/withdrawals/{app.number}/resubmit/", follow=True)
    assert "补正材料已提交中心。" in response.content.decode()
    assert WithdrawalApplication.objects.get(pk=app.pk).state == S.ACCEPTED
    assert steps(response.content.decode())[:2] == [("accept", "done", "2026-10-13"), ("review", "current", "—")]


def test_case_page_reads_a_fixed_number_of_rows(staff, funded, portal):
    app = rent_at_counter(staff, funded)
    with CaptureQueriesContext(connection) as one_document:
        page_of(portal, app)
    for i in range(3):
        services.add_document(actor=staff["clerk"], application=app, doc_type=Doc.OTHER, file=doc(f"o{i}.pdf"))
    services.review(actor=staff["reviewer"], application=app)
    with CaptureQueriesContext(connection) as four_documents:
        page = page_of(portal, app)
    assert page.count('data-document="') == 4
    assert len(four_documents) == len(one_document) <= 14


def test_a_standing_monthly_withdrawal_has_its_page_and_its_message_links_to_it(staff, funded, portal):
    from withdrawals.models import StandingInstruction
    from withdrawals.services import standing

    standing.create_standing(actor=staff["clerk"], account=funded, kind=StandingInstruction.Kind.RENT,
                             monthly_amount="2500", payee_card=CARD, payee_name="张三")
    on(day(2026, 11, 5))
    assert standing.run_standing(actor=system_actor(), month=day(2026, 11, 1), chunk_size=2)["paid"] == 1
    app = WithdrawalApplication.objects.get(channel=WithdrawalApplication.Channel.STANDING)
    page = page_of(portal, app)
    assert steps(page) == [("accept", "done", "2026-11-05"), ("review", "done", "2026-11-05"),
                           ("approve", "done", "2026-11-05"), ("pay", "done", "2026-11-05"),
                           ("close", "current", "—")]
    assert "按月租房提取 · 2026-11" in page and '<span class="money" id="amount-approved">1,800.00</span>' in page
    # the run writes its message for the person (no user): the inbox shows it with the link
    inbox = portal.get("/portal/messages/").content.decode()
    assert inbox.count(f'href="/portal/withdrawals/{app.number}/"') == 1
    assert f'href="/portal/withdrawals/{app.number}/"' in portal.get("/portal/withdrawals/").content.decode()


def test_a_failed_payment_reopens_the_payment_step_with_the_banks_reason(staff, funded, portal):
    app = services.review(actor=staff["reviewer"], application=rent_at_counter(staff, funded))
    app = services.approve(actor=staff["approver"], application=app)  # paid at once
    on(day(2026, 10, 14))
    services.fail_payment(actor=system_actor(), application=app, reason="账户已冻结")
    page = page_of(portal, app)
    assert steps(page)[2:] == [("approve", "done", "2026-10-12"), ("pay", "current", "—"), ("close", "pending", "—")]
    assert "银行未能付款：账户已冻结。中心将重新付款。" in page


def test_the_inbox_reads_in_the_depositors_language_whoever_wrote_in_which(staff, funded, portal):
    with translation.override("en"):  # the clerk works in English
        app = rent_at_counter(staff, funded)
        app = services.return_for_documents(actor=staff["reviewer"], application=app, reason="请补交租赁合同原件")
    returned = Notification.objects.get(key__startswith=f"withdrawal:{app.pk}:returned:", channel="inbox")
    # stored (and sent by SMS) in the center's language, the reason as the reviewer typed it
    assert (returned.subject, returned.body) == (
        "需要补充材料", f"您的提取申请 {app.number} 需要补充材料：请补交租赁合同原件")
    chinese = portal.get("/portal/messages/").content.decode()
    assert f"您的提取申请 {app.number} 需要补充材料：请补交租赁合同原件" in chinese
    portal.cookies["django_language"] = "en"
    english = portal.get("/portal/messages/").content.decode()
    assert "More documents needed" in english
    assert f"Your withdrawal application {app.number} needs more documents: 请补交租赁合同原件" in english
    assert f"Your withdrawal application {app.number} for 5,400.00 has been received." in english
