#!/usr/bin/env python
"""Load test of the staff and portal pages: gunicorn as in production, 20 clerks and some depositors at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any_db python bench/web.py --accounts 1000000
    python bench/web.py --small          # CI size: 2,000 accounts, a 15-second run

DATABASE_URL only names the server. The benchmark works in its own database (``--database``, default
fc_bench_web_<accounts>), which it reuses when it already holds exactly ``--accounts`` personal fund accounts
(building a million accounts with 24 months took 45 minutes on two busy cores) and otherwise drops and builds again
with bench/synthetic.py (employers of about 50 people, ``--months`` months of remittances posted to the ledger).
Then, idempotently, it adds what the load needs: ``--clerks`` counter clerks (each with a confirmed TOTP device,
since staff who move money log in with a second factor), ``--depositors`` depositors with portal logins, and some
withdrawal cases.

It collects the static files, starts gunicorn as in production (gunicorn.conf.py, DEBUG off, production settings;
``--workers`` and ``--threads`` override the file's) on ``--port``, and runs locust headless
(bench/web_locustfile.py): every simulated user logs in once (clerks: password then the current TOTP code), then
loops without think time over its pages, one connection per request as a proxy sends them: the clerks over account
pages, searches by name, by ID number and by account number, and withdrawal case pages; the depositors over the
portal's home and history pages. Pages are timed for ``--duration`` seconds from the
moment every user is logged in (logins hash passwords: slow on purpose, counted apart). It prints p50/p95/p99,
requests per second and the error count, overall and per page, with the machine's load average, and whether the
targets are met (p95 <= 300 ms, >= 100 requests/s, no error). The exit status is non-zero on any error (an unmet
speed target alone is reported, not fatal: it depends on the machine).
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_database_url, ensure_database, python_speed, setup_django  # noqa: E402

TARGET_P95_MS = 300
TARGET_RPS = 100
PASSWORD = "bench-Password-2026"
CLERK_PREFIX = "bench_clerk"
CASES = 200  # withdrawal cases for the case pages


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000, help="personal fund accounts (default 1000000)")
    parser.add_argument("--months", type=int, default=24, help="months of remittances when building (default 24)")
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 accounts, a 15-second run")
    parser.add_argument("--database", help="database (default fc_bench_web_<accounts>)")
    parser.add_argument("--recreate", action="store_true", help="build the database again even if it has the size")
    parser.add_argument("--build-only", action="store_true", help="build or check the database, then stop")
    parser.add_argument("--clerks", type=int, default=20, help="concurrent counter clerks (default 20)")
    parser.add_argument("--depositors", type=int, default=5, help="concurrent portal depositors (default 5)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, two per core)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: gunicorn.conf.py's, 1)")
    parser.add_argument("--port", type=int, default=8107, help="port of the server (default 8107)")
    args = parser.parse_args()
    if args.small:
        args.accounts, args.duration = 2_000, 15
    args.database = args.database or f"fc_bench_web_{args.accounts}"
    return args


# --- the data ------------------------------------------------------------------------------------------------------


def existing_accounts(admin_url, database):
    """Personal fund accounts in ``database`` (None: no such database or no schema yet)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return None
    db_url = admin_url.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(db_url, autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('accounts_fundaccount')").fetchone()[0]:
            return None
        # The load writes the fund accounts last, employer by employer: a complete build has them all.
        return conn.execute("SELECT COUNT(*) FROM accounts_fundaccount").fetchone()[0]


def prepare_database(args):
    url, admin_url = bench_database_url(args.database)
    have = existing_accounts(admin_url, args.database)
    build = args.recreate or have != args.accounts
    if build:
        ensure_database(admin_url, args.database, recreate=True)
    else:
        print(f"database {args.database}: reused ({have:,} accounts)", flush=True)
    print(f"database {args.database}: migrate", flush=True)
    setup_django(url)
    if build:
        from bench import synthetic
        from core.actors import system_actor

        print(f"build {args.accounts:,} accounts with {args.months} months of remittances (bench/synthetic.py)",
              flush=True)
        started = time.perf_counter()
        synthetic.generate(employers=max(1, args.accounts // 50), depositors=args.accounts, months=args.months,
                           seed=1, out=lambda text: print(text, flush=True), actor=system_actor())
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        vacuum_analyze()
    return url


def vacuum_analyze():
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)


# --- the users and cases the load needs (idempotent) ----------------------------------------------------------------


def prepare_load(args):
    """Clerks with a TOTP device, portal depositors, withdrawal cases and a sample of accounts; as JSON data for
    the locust process."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Depositor, FundAccount
    from core import roles

    encoded = make_password(PASSWORD)
    clerk_group, depositor_group = Group.objects.get(name=roles.CLERK), Group.objects.get(name=roles.DEPOSITOR)
    clerks = []
    for i in range(1, args.clerks + 1):
        user, _created = User.objects.update_or_create(username=f"{CLERK_PREFIX}{i}", defaults={
            "password": encoded, "first_name": f"柜员{i}", "is_active": True})
        user.groups.add(clerk_group)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True)
        clerks.append({"username": user.username, "password": PASSWORD, "key": device.key})

    normal = FundAccount.objects.filter(status=FundAccount.Status.NORMAL, ledger_account__balance__gt=0)
    last_id = FundAccount.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    depositors = []
    for account in normal.filter(depositor__user__isnull=False).select_related("depositor")[:args.depositors]:
        depositors.append(account)
    for account in normal.filter(depositor__user__isnull=True, pk__gte=last_id // 2).select_related(
            "depositor")[:args.depositors - len(depositors)]:
        person = account.depositor
        user, _created = User.objects.update_or_create(username=person.id_number, defaults={
            "password": encoded, "first_name": person.name[:150], "is_active": True})
        user.groups.add(depositor_group)
        Depositor.objects.filter(pk=person.pk).update(user=user)
        depositors.append(account)
    User.objects.filter(depositor__in=[a.depositor_id for a in depositors]).update(password=encoded)

    cases = ensure_cases(normal, clerk=User.objects.get(username=f"{CLERK_PREFIX}1"))
    rng_ids = sorted({1 + (i * 7919 * 104729) % last_id for i in range(1, 3000)})
    sample = list(FundAccount.objects.filter(pk__in=rng_ids).values_list("number", "depositor__name",
                                                                         "depositor__id_number")[:2000])
    print(f"load: {len(clerks)} clerks, {len(depositors)} depositors, {len(cases)} withdrawal cases, "
          f"{len(sample)} sample accounts", flush=True)
    return {"clerks": clerks, "depositors": [{"username": a.depositor.id_number, "password": PASSWORD,
                                              "account": a.number} for a in depositors],
            "accounts": sample, "cases": cases}


def ensure_cases(accounts, *, clerk):
    """Withdrawal cases accepted at the counter (illness, a medical bill and its scan), made once."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.errors import ApplicationError
    from withdrawals import services
    from withdrawals.models import DocumentType, Reason, WithdrawalApplication

    have = list(WithdrawalApplication.objects.filter(facts__bill_number__startswith="BENCH")
                .values_list("number", flat=True))
    if len(have) >= CASES:
        return have
    started, refused = time.perf_counter(), {}
    for account in accounts.filter(withdrawals__isnull=True).select_related("depositor", "ledger_account")[
            :(CASES - len(have)) * 2]:
        if len(have) >= CASES:
            break
        amount = min(account.ledger_account.balance // 4, 5000) or 1
        try:
            app = services.apply(
                actor=clerk, account=account, reason=Reason.ILLNESS, amount=str(amount),
                facts={"medical_cost": str(amount * 2), "bill_number": f"BENCH{account.pk}"},
                payee_card=card_number(account.pk), payee_name=account.depositor.name,
                documents=[(DocumentType.MEDICAL, SimpleUploadedFile("bill.pdf", b"%PDF-1.4 bench",
                                                                     content_type="application/pdf"))])
        except ApplicationError as exc:
            refused[exc.code] = refused.get(exc.code, 0) + 1
            continue
        have.append(app.number)
    print(f"  withdrawal cases: {len(have)} ({time.perf_counter() - started:.0f} s"
          + (f"; refused: {refused}" if refused else "") + ")", flush=True)
    return have


def card_number(seed):
    """A bank card number with a valid Luhn check digit."""
    body = f"622202{seed:012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


# --- the server and the load -----------------------------------------------------------------------------------------


def server_env(url, args):
    """The production server's environment; ``--workers`` and ``--threads`` reach gunicorn.conf.py through its
    variables."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "TESTING", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=url, DEBUG="0", TESTING="0", SECRET_KEY="bench-" + secrets.token_hex(32),
               ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SETTINGS_MODULE="fund_center.settings")
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def start_server(args, env):
    """gunicorn as in production (DEBUG off, the static files collected), workers × threads; the caller stops it."""
    python = Path(sys.executable)
    subprocess.run([str(python), "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    log = open(Path(tempfile.gettempdir()) / f"bench-web-{args.port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(python.parent / "gunicorn"), "fund_center.wsgi:application", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{args.port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server.log = log.name
    return server


def wait_until_ready(args, server):
    for _ in range(240):
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (see {server.log})")
        try:
            login_page(args, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        sys.exit(f"gunicorn does not answer (see {server.log})")
    warm_up(args)
    print(f"gunicorn on 127.0.0.1:{args.port} with gunicorn.conf.py: {args.server['workers']} workers x "
          f"{args.server['threads']} threads, DEBUG off (log {server.log})", flush=True)


def server_config(env) -> dict:
    """{"workers": n, "threads": n}: what gunicorn.conf.py makes of the environment ``env`` on this machine."""
    import runpy
    from unittest import mock

    with mock.patch.dict(os.environ, env, clear=True):
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {"workers": conf["workers"], "threads": conf["threads"]}


def login_page(args, *, timeout):
    request = urllib.request.Request(f"http://127.0.0.1:{args.port}/counter/login/",
                                     headers={"X-Forwarded-Proto": "https"})  # TLS ends at the proxy
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def warm_up(args):
    """Every worker thread loads the application and opens its database connection before the clock runs."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(_):
        login_page(args, timeout=120)

    slots = args.server["workers"] * args.server["threads"]
    with ThreadPoolExecutor(slots) as pool:
        list(pool.map(fetch, range(slots * 4)))


def run_locust(args, data):
    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    (workdir / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    users = len(data["clerks"]) + len(data["depositors"])
    env = {**os.environ, "BENCH_WEB_DATA": str(workdir / "data.json"), "BENCH_WEB_OUT": str(workdir / "out.json"),
           "BENCH_WEB_DURATION": str(args.duration)}
    print(f"locust: {len(data['clerks'])} clerks and {len(data['depositors'])} depositors for {args.duration} s",
          flush=True)
    subprocess.run([str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" / "web_locustfile.py"),
                    "--headless", "--users", str(users), "--spawn-rate", str(users), "--run-time",
                    f"{args.duration + 600}s", "--host", f"http://127.0.0.1:{args.port}", "--only-summary",
                    "--loglevel", "WARNING", "--stop-timeout", "10"], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    return json.loads((workdir / "out.json").read_text(encoding="utf-8"))


def percentile(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def report(out, load):
    times = out["times"]
    if not times:
        print("no page was served")
        return False
    seconds = max(out["last"] - out["first"], 1e-9)  # from the last login to the last page answered
    errors = sum(out["failures"].values())
    print()
    print(f"{'page':<24}{'requests':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    by_name = {}
    for name, ms in times:
        by_name.setdefault(name, []).append(ms)
    for name in sorted(by_name):
        ms = by_name[name]
        print(f"{name:<24}{len(ms):>10,}{percentile(ms, 50):>9.0f}{percentile(ms, 95):>9.0f}"
              f"{percentile(ms, 99):>9.0f}{out['failures'].get(name, 0):>8}")
    every = [ms for _name, ms in times]
    p95, rps = percentile(every, 95), len(every) / seconds
    print(f"{'all pages':<24}{len(every):>10,}{percentile(every, 50):>9.0f}{p95:>9.0f}{percentile(every, 99):>9.0f}"
          f"{errors:>8}")
    print(f"logins: {out['logins']} requests; failures by name: {out['failures'] or 'none'}")
    print(f"requests/s: {rps:.1f} over {seconds:.1f} s; load average before/after: {load[0]} / {load[1]}")
    print(f"p95 <= {TARGET_P95_MS} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'} ({p95:.0f} ms); "
          f">= {TARGET_RPS} requests/s: {'met' if rps >= TARGET_RPS else 'NOT met'} ({rps:.1f}); "
          f"errors: {errors}")
    return errors == 0


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    args = parse_args()
    url = prepare_database(args)
    if args.build_only:
        return
    data = prepare_load(args)
    from django.db import connections

    connections.close_all()
    print(f"machine: {os.cpu_count()} cores; one core sums 10,000,000 squares in Python in {python_speed():.2f} s "
          "(a yardstick: the figures below scale with it)", flush=True)
    env = server_env(url, args)
    args.server = server_config(env)
    server = start_server(args, env)
    try:
        wait_until_ready(args, server)
        before = load_average()
        out = run_locust(args, data)
        after = load_average()
    finally:
        server.terminate()
        server.wait(timeout=30)
    sys.exit(0 if report(out, (before, after)) else 1)


if __name__ == "__main__":
    main()
