"""The users of bench/web.py, run by locust in a process of its own (no Django in it).

BENCH_WEB_DATA names a JSON file written by bench/web.py: the clerks (user name, password, TOTP key), the portal
depositors (ID number, password, account number), a sample of accounts (number, holder's name, ID number) and
withdrawal case numbers. BENCH_WEB_OUT names the JSON file this process writes when it stops: the response time
(ms) of every page request sent once every user is logged in, the start of that window and the last answer in
it, the number of login requests and the failures by name.

Every user logs in once (clerks: password, then the current TOTP code, as at the counter), then requests its pages
in a loop without think time. A page counts as failed when its status is not 200 or it lacks what it must show
(the searched person's name, the account number, the case number).
"""

import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
from http.cookiejar import DefaultCookiePolicy

import gevent
from locust import FastHttpUser, events, task

DATA = json.loads(open(os.environ["BENCH_WEB_DATA"], encoding="utf-8").read())
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# As the TLS proxy in front of gunicorn sends them: Django sees HTTPS (secure cookies, CSRF origin check), and one
# connection per request (nginx's default towards its upstream), so that each request goes to a free worker rather
# than to the worker that happened to accept a client's kept-alive connection.
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans", "Connection": "close"}
RESULTS = {"times": [], "first": None, "last": None, "failures": {}, "logins": 0}
USERS = len(DATA["clerks"]) + len(DATA["depositors"])
DURATION = float(os.environ.get("BENCH_WEB_DURATION", "60"))
STATE = {"logged_in": 0, "measuring": False}


def totp(key_hex, step=30, digits=6):
    """RFC 6238 code of now, as django-otp's TOTPDevice checks it."""
    counter = int(time.time()) // step
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return f"{code:0{digits}d}"


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    now = time.time()
    if exception is not None:
        RESULTS["failures"][name] = RESULTS["failures"].get(name, 0) + 1
    if name.startswith("login"):
        RESULTS["logins"] += 1
        return
    if not STATE["measuring"] or now - response_time / 1000 < RESULTS["first"]:
        return  # sent before the clock started, or after it stopped
    RESULTS["times"].append((name, response_time))
    RESULTS["last"] = now


@events.test_start.add_listener
def _clock(environment, **kwargs):
    """Pages are timed from the moment every user is logged in (a login hashes a password: slow on purpose, and
    not what is measured) for BENCH_WEB_DURATION seconds; then the run stops."""

    def measure():
        while STATE["logged_in"] < USERS:
            gevent.sleep(0.05)
        RESULTS["first"] = time.time()
        STATE["measuring"] = True
        gevent.sleep(DURATION)
        STATE["measuring"] = False
        environment.runner.quit()

    gevent.spawn(measure)


def logged_in():
    """Count this user in, and wait for the others."""
    STATE["logged_in"] += 1
    while STATE["logged_in"] < USERS:
        gevent.sleep(0.05)


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with open(os.environ["BENCH_WEB_OUT"], "w", encoding="utf-8") as out:
        json.dump(RESULTS, out)


class PlainHttpCookies(DefaultCookiePolicy):
    """Keep and send the secure cookies over the plain HTTP the benchmark talks (TLS ends at the proxy, which the
    X-Forwarded-Proto header stands for): one server, every cookie is its own."""

    def set_ok(self, cookie, request):
        return True

    def return_ok(self, cookie, request):
        return True

    def domain_return_ok(self, domain, request):
        return True

    def path_return_ok(self, path, request):
        return True


class Visitor(FastHttpUser):
    abstract = True
    login_path = ""
    origin_headers = {}

    def on_start(self):
        self.client.cookiejar.set_policy(PlainHttpCookies())
        self.origin_headers = {**HEADERS, "Origin": self.host.replace("http://", "https://"),
                               "Referer": self.host.replace("http://", "https://") + self.login_path}

    def login_post(self, name, path, data):
        with self.client.get(path, headers=HEADERS, name=f"login: {name} form", catch_response=True) as response:
            found = CSRF.search(response.text or "")
            if response.status_code != 200 or not found:
                response.failure(f"no login form ({response.status_code})")
                return None
        with self.client.post(path, data={**data, "csrfmiddlewaretoken": found.group(1)}, headers=self.origin_headers,
                              name=f"login: {name}", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
                return None
            return response.headers.get("Location", "")

    def page(self, path, name, must_contain):
        with self.client.get(path, headers=HEADERS, name=name, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:  # a redirect to the login page too
                response.failure(f"status {response.status_code}")
            elif must_contain not in (response.text or ""):
                response.failure(f"{must_contain!r} not on the page")


class Clerk(Visitor):
    """A counter clerk: account pages, searches by name, ID number and account number, withdrawal case pages."""

    weight = len(DATA["clerks"])
    fixed_count = len(DATA["clerks"])
    login_path = "/counter/login/"
    clerks = iter(DATA["clerks"])

    def on_start(self):
        super().on_start()
        try:
            self.log_in(next(Clerk.clerks))
        finally:
            logged_in()

    def log_in(self, me):
        if self.login_post("staff", self.login_path, {"username": me["username"], "password": me["password"],
                                                       "next": "/counter/"}) is None:
            return
        path = "/counter/two-factor/"
        with self.client.get(path + "?next=/counter/", headers=HEADERS, name="login: second factor form",
                             catch_response=True) as response:
            found = CSRF.search(response.text or "")
            if response.status_code != 200 or not found:
                response.failure(f"no second-factor form ({response.status_code})")
                return
        with self.client.post(path, data={"token": totp(me["key"]), "next": "/counter/",
                                          "csrfmiddlewaretoken": found.group(1)},
                              headers={**self.origin_headers, "Referer": self.origin_headers["Origin"] + path},
                              name="login: second factor", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"second factor refused ({response.status_code})")

    @task(4)
    def account_page(self):
        number, _name, _id = random.choice(DATA["accounts"])
        self.page(f"/counter/accounts/{number}/", "account page", number)

    @task(2)
    def search_name(self):
        _number, name, _id = random.choice(DATA["accounts"])
        self.page(f"/counter/search/?q={name}", "search: name", 'class="search-row"')

    @task(1)
    def search_id(self):
        number, _name, id_number = random.choice(DATA["accounts"])
        self.page(f"/counter/search/?q={id_number}", "search: ID number", number)

    @task(1)
    def search_account(self):
        number, name, _id = random.choice(DATA["accounts"])
        self.page(f"/counter/search/?q={number}", "search: account number", name)

    @task(2)
    def case_page(self):
        if DATA["cases"]:
            number = random.choice(DATA["cases"])
            self.page(f"/counter/withdrawals/{number}/", "withdrawal case page", number)


class Depositor(Visitor):
    """A depositor on the portal: the home page and the account's deposit and ledger history."""

    weight = len(DATA["depositors"])
    fixed_count = len(DATA["depositors"])
    login_path = "/portal/login/"
    people = iter(DATA["depositors"])

    def on_start(self):
        super().on_start()
        self.me = next(Depositor.people)
        try:
            self.login_post("depositor", self.login_path, {"username": self.me["username"],
                                                           "password": self.me["password"]})
        finally:
            logged_in()

    @task(1)
    def home(self):
        self.page("/portal/", "portal: home", self.me["account"])

    @task(1)
    def history(self):
        number = self.me["account"]
        self.page(f"/portal/accounts/{number}/deposits/", "portal: history", number)
