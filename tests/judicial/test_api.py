"""The court API: signed requests (HMAC-SHA256, timestamp, nonce), idempotent request numbers, structured
errors with nothing stored, and the receipt (回执) a court reads once a checker confirmed its request."""

import json
import secrets
import time
from decimal import Decimal

import pytest

from core import roles
from core.models import AuditEvent
from judicial import services
from judicial.models import CourtCredential, Freeze, JudicialRequest, SeenNonce
from judicial.services import credentials
from tests.conftest import make_user
from tests.judicial.conftest import day, freeze, ledger, request_data

D = Decimal
URL = "/api/v1/judicial/requests/"


@pytest.fixture
def admin_user(db):
    return make_user("j_admin", roles.SYSADMIN)


@pytest.fixture
def key(admin_user, court):
    return credentials.issue_credential(actor=admin_user, court=court)


@pytest.fixture
def key2(admin_user, court2):
    return credentials.issue_credential(actor=admin_user, court=court2)


def signed(client, key, method, path, body=b"", *, stamp=None, nonce=None, secret=None, key_id=None):
    credential, real_secret = key
    stamp = str(int(time.time()) if stamp is None else stamp)
    nonce = nonce or secrets.token_hex(12)
    signature = credentials.sign(secret or real_secret, timestamp=stamp, nonce=nonce, method=method, path=path,
                                 body=body)
    headers = {"X-Court-Key": key_id or credential.key_id, "X-Court-Timestamp": stamp, "X-Court-Nonce": nonce,
               "X-Court-Signature": signature}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, data=body, content_type="application/json", headers=headers)


def post(client, key, data, **kw):
    return signed(client, key, "POST", URL, json.dumps(data, ensure_ascii=False).encode(), **kw)


def nothing_stored():
    return (JudicialRequest.objects.count(), Freeze.objects.count(),
            AuditEvent.objects.filter(action="judicial.receive").count()) == (0, 0, 0)


def test_a_signed_freeze_request_is_received_and_answered_after_the_checker(client, officers, court, funded, key):
    data = request_data(funded, "freeze", amount="20000.00", start_date="2026-10-12")
    res = post(client, key, data)
    assert res.status_code == 201, res.content
    body = res.json()
    assert (body["number"], body["state"], body["measure"], body["receipt"]) == (data["number"], "received",
                                                                                 "freeze", None)
    assert body["answer_due"] == "2026-10-15"  # three days by default
    req = JudicialRequest.objects.get()
    assert (req.channel, req.court, req.received_by) == ("api", court, key[0].user)
    assert len(req.received_sha256) == 64

    receipt_url = f"{URL}{req.number}/"
    before = signed(client, key, "GET", receipt_url).json()
    assert (before["state"], before["receipt"]) == ("received", None)
    req = services.prepare(actor=officers["op"], request=req)
    assert signed(client, key, "GET", receipt_url).json()["receipt"] is None  # prepared, not yet confirmed
    services.confirm(actor=officers["chk"], request=req)

    after = signed(client, key, "GET", receipt_url)
    assert after.status_code == 200
    receipt = after.json()["receipt"]
    assert after.json()["state"] == "executed"
    assert receipt["result"] == "executed" and receipt["actual_amount"] == "20000.00"
    assert receipt["freeze"] == {"request_number": req.number, "state": "active", "amount_requested": "20000.00",
                                 "amount_frozen": "20000.00", "queue_position": 1, "start_date": "2026-10-12",
                                 "end_date": "2027-10-11"}
    assert (receipt["operator"], receipt["checker"], receipt["refusal_reason"]) == ("j_op", "j_chk", "")
    assert ledger(funded).held == D("20000.00")


def test_partial_and_waiting_freezes_show_the_amount_and_queue_position(client, officers, court, court2, funded,
                                                                        key):
    freeze(officers, court2, funded, "45000.00")
    res = post(client, key, request_data(funded, "freeze", amount="8000.00"))
    req = JudicialRequest.objects.get(number=res.json()["number"])
    services.confirm(actor=officers["chk"], request=services.prepare(actor=officers["op"], request=req))
    receipt = signed(client, key, "GET", f"{URL}{req.number}/").json()["receipt"]
    assert receipt["actual_amount"] == "5000.00"  # min(requested, available)
    assert (receipt["freeze"]["amount_frozen"], receipt["freeze"]["queue_position"]) == ("5000.00", 2)


def test_a_refused_request_shows_the_reason(client, officers, court, funded, key):
    res = post(client, key, request_data(funded, "freeze", amount="100.00"))
    req = services.prepare(actor=officers["op"], request=JudicialRequest.objects.get(number=res.json()["number"]))
    services.refuse(actor=officers["chk"], request=req, reason="裁定书与协助执行通知书案号不一致")
    body = signed(client, key, "GET", f"{URL}{req.number}/").json()
    assert body["state"] == "refused"
    assert (body["receipt"]["result"], body["receipt"]["refusal_reason"], body["receipt"]["actual_amount"],
            body["receipt"]["freeze"]) == ("refused", "裁定书与协助执行通知书案号不一致", None, None)


def test_the_same_request_number_answers_the_first_request_and_freezes_once(client, officers, court, funded, key):
    data = request_data(funded, "freeze", amount="1000.00")
    first = post(client, key, data)
    again = post(client, key, data)  # a retry: same body, new timestamp and nonce
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert JudicialRequest.objects.count() == 1
    changed = post(client, key, {**data, "amount": "2000.00"})
    assert changed.status_code == 409 and changed.json()["code"] == "number_used"
    assert JudicialRequest.objects.count() == 1 and Freeze.objects.count() == 0


@pytest.mark.parametrize("case", ["bad_signature", "unknown_key", "stale", "future", "revoked", "missing"])
def test_unsigned_requests_are_401_and_store_nothing(client, court, funded, key, admin_user, case):
    data = request_data(funded, "freeze", amount="1000.00")
    kw = {"bad_signature": {"secret": "0" * 64}, "unknown_key": {"key_id": "ck_0123456789abcdef"},
          "stale": {"stamp": int(time.time()) - 3600}, "future": {"stamp": int(time.time()) + 3600},
          "revoked": {}, "missing": {}}[case]
    if case == "revoked":
        credentials.revoke_credential(actor=admin_user, credential=key[0])
    if case == "missing":
        res = client.post(URL, data=json.dumps(data), content_type="application/json")
    else:
        res = post(client, key, data, **kw)
    assert res.status_code == 401, res.content
    assert set(res.json()) == {"code", "message", "fields"}
    assert res.json()["code"] in {"bad_signature", "stale_timestamp", "signature_missing", "not_authenticated"}
    assert nothing_stored() and SeenNonce.objects.count() == 0


def test_a_tampered_body_is_refused(client, court, funded, key):
    credential, secret = key
    body = json.dumps(request_data(funded, "freeze", amount="1000.00")).encode()
    stamp, nonce = str(int(time.time())), secrets.token_hex(12)
    signature = credentials.sign(secret, timestamp=stamp, nonce=nonce, method="POST", path=URL, body=body)
    res = client.post(URL, data=body.replace(b"1000.00", b"9000.00"), content_type="application/json",
                      headers={"X-Court-Key": credential.key_id, "X-Court-Timestamp": stamp,
                               "X-Court-Nonce": nonce, "X-Court-Signature": signature})
    assert res.status_code == 401 and nothing_stored()


def test_a_replay_is_refused(client, court, funded, key):
    data = request_data(funded, "query")
    stamp, nonce = int(time.time()), secrets.token_hex(12)
    assert post(client, key, data, stamp=stamp, nonce=nonce).status_code == 201
    replay = post(client, key, data, stamp=stamp, nonce=nonce)
    assert replay.status_code == 401 and replay.json()["code"] == "replay"
    assert JudicialRequest.objects.count() == 1


def test_a_rotated_key_replaces_the_old_one(client, court, funded, key, admin_user):
    new = credentials.issue_credential(actor=admin_user, court=court)
    assert post(client, key, request_data(funded, "query")).status_code == 401
    assert post(client, new, request_data(funded, "query")).status_code == 201
    assert CourtCredential.objects.filter(court=court, active=True).get() == new[0]
    assert not CourtCredential.objects.filter(salt=new[1]).exists()  # the secret itself is not stored


@pytest.mark.parametrize("field,value,code", [
    ("person_name", "李四", "identity_mismatch"),
    ("end_date", "2026-10-01", "invalid_request"),
    ("amount", "0", "invalid_request"),
    ("amount", "-5.00", "invalid_request"),
    ("amount", "12345678901234567890", "invalid_request"),
    ("start_date", "not a date", "invalid_request"),
    ("measure", "seize", "invalid_request"),
    ("case_number", "", "invalid_request"),
    ("number", "X" * 41, "invalid_request"),
    ("id_number", "110101199003070012", "invalid_request"),
    ("number", "R-2026\x00-1", "invalid"),
    ("person_name", "张\x00三", "invalid"),
])
def test_each_bad_field_is_a_structured_400_and_nothing_is_written(client, court, funded, key, field, value, code):
    data = request_data(funded, "freeze", amount="1000.00", start_date="2026-10-12")
    data[field] = value
    res = post(client, key, data)
    assert res.status_code == 400, res.content
    body = res.json()
    assert body["code"] == code and body["message"] and field in body["fields"]
    assert nothing_stored()


@pytest.mark.parametrize("measure, extra", [
    ("unfreeze", {}),
    ("renew", {"end_date": "2027-12-31"}),
    ("deduct", {"amount": "100.00", "ruling_number": "R-1", "notice_number": "N-1",
                "payee_name": "示范市南山区人民法院执行款专户", "payee_account": "44201500000000001"}),
])
def test_a_measure_naming_an_unknown_or_another_courts_freeze_is_400(client, officers, court, court2, funded, key,
                                                                     measure, extra):
    other = freeze(officers, court2, funded, "1000.00")
    events = AuditEvent.objects.count()
    for number in ("NOSUCH0001", other.number):
        res = post(client, key, request_data(funded, measure, original_number=number, **extra))
        assert res.status_code == 400 and res.json()["code"] == "unknown_freeze"
        assert "original_number" in res.json()["fields"] and res.json()["message"]
    assert JudicialRequest.objects.filter(court=court).count() == 0
    assert AuditEvent.objects.count() == events
    other.freeze.refresh_from_db()
    assert (other.freeze.state, other.freeze.end_date) == (Freeze.State.ACTIVE, day(2027, 10, 11))


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b'{"number": {"a": 1}}', b'{"amount": NaN}',
                                  b'{"number": true}'])
def test_a_malformed_body_is_400(client, court, key, body):
    res = signed(client, key, "POST", URL, body)
    assert res.status_code == 400 and set(res.json()) == {"code", "message", "fields"}
    assert nothing_stored()


def test_another_court_cannot_read_this_courts_receipt(client, officers, court, court2, funded, key, key2):
    req = freeze(officers, court, funded, "1000.00")
    assert signed(client, key, "GET", f"{URL}{req.number}/").status_code == 200
    res = signed(client, key2, "GET", f"{URL}{req.number}/")
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    assert signed(client, key, "GET", f"{URL}{'9' * 80}/").status_code == 404


def test_staff_logins_and_portal_users_cannot_call_the_court_api(client, officers, funded):
    client.force_login(officers["op"])
    assert client.post(URL, data="{}", content_type="application/json").status_code == 401


def test_the_schema_documents_the_court_api_and_its_signature(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/judicial/requests/" in schema["paths"]
    assert "/api/v1/judicial/requests/{number}/" in schema["paths"]
    scheme = schema["components"]["securitySchemes"]["courtSignature"]
    assert "X-Court-Timestamp" in scheme["description"] and "HMAC-SHA256" in scheme["description"]
    post_op = schema["paths"]["/api/v1/judicial/requests/"]["post"]
    assert {"201", "200", "400", "401", "409"} <= set(post_op["responses"])


def test_the_signing_test_client_is_accepted(court, funded, key):
    from tests.judicial.court_client import CourtClient

    client = CourtClient(*key)
    res = client.post(URL, data=json.dumps(request_data(funded, "query")), content_type="application/json")
    assert res.status_code == 201
    assert client.get(f"{URL}{res.json()['number']}/").json()["state"] == "received"


def test_an_administrator_issues_a_key_in_admin_and_sees_the_secret_once(client, court, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin_user)
    res = client.post("/admin/judicial/court/", {"action": "issue_api_key", "_selected_action": [court.pk]})
    assert res.status_code == 200
    credential = CourtCredential.objects.get(court=court, active=True)
    html = res.content.decode()
    assert credential.key_id in html and credentials.secret_of(credential) in html
    listing = client.get(f"/admin/judicial/courtcredential/{credential.pk}/change/").content.decode()
    assert credentials.secret_of(credential) not in listing and credential.salt not in listing
    client.post("/admin/judicial/courtcredential/", {"action": "revoke", "_selected_action": [credential.pk]})
    credential.refresh_from_db()
    assert not credential.active and credential.revoked_by == admin_user
