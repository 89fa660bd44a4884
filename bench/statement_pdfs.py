#!/usr/bin/env python
"""Benchmark of annual statement PDFs on one core: statements per second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any_db python bench/statement_pdfs.py --statements 400
    python bench/statement_pdfs.py --small          # CI size: 60 statements

DATABASE_URL only names the server: the benchmark drops and recreates its own database (``--database``, default
fc_bench_statement_pdfs), builds the data set of ``bench/interest.py`` for ``--statements`` accounts, settles the
interest and builds the statements (not timed). The process is pinned to one CPU. Then, on the same statements:

(a) naive: one WeasyPrint call per statement, as a straightforward view would do it (``HTML(string=…)
    .write_pdf(stylesheets=[CSS(filename=…)])``: the style sheet parsed and the fonts set up on every call);
(b) batched: documents.services.statement_pdfs renders ``RENDER_BATCH`` statements per WeasyPrint pass with the
    style sheet and font configuration built once, writes them as one PDF and splits it by page with pypdf;
(c) signing: the PAdES signature (pyHanko) of each batched PDF, timed apart (it is paid once per statement, when
    it is first issued, and the signed bytes are kept);
(d) issue_many: the whole service (printed data from the database, batched render, signing, archiving).

It prints statements per second for each, the ratio batched / naive (target: ≥ 10/s and ≥ 2× naive for the
rendering), and checks that every PDF has one page with the account number in its text.
"""

import argparse
import datetime
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402
from bench.interest import YEAR, build, vacuum  # noqa: E402

TARGET_RATE = 10.0
TARGET_RATIO = 2.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=400, help="statements rendered (default 400)")
    parser.add_argument("--naive", type=int, default=0, help="statements of the naive run (default: a quarter)")
    parser.add_argument("--small", action="store_true", help="CI size: 60 statements")
    parser.add_argument("--database", default="fc_bench_statement_pdfs",
                        help="database (default fc_bench_statement_pdfs)")
    args = parser.parse_args()
    if args.small:
        args.statements = 60
    args.naive = args.naive or max(10, args.statements // 4)
    return args


def one_core():
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):  # not Linux
        return "not pinned"


def main():
    args = parse_args()
    fresh_database(args.database)
    print(one_core(), flush=True)

    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string
    from pypdf import PdfReader
    from weasyprint import CSS, HTML

    from core import roles
    from core.actors import system_actor
    from core.models import BusinessDay
    from deposits.services import interest
    from documents import pdf
    from documents.models import AnnualStatement
    from documents.services import statement_pdfs, statements
    from documents.services.certificates import new_code

    if not settings.DOCUMENTS_SIGNING_P12:  # the demo certificate (the benchmark runs with DEBUG off)
        settings.DOCUMENTS_SIGNING_P12 = str(pdf.create_demo_certificate())
        settings.DOCUMENTS_SIGNING_P12_PASSWORD = pdf.DEMO_P12_PASSWORD.decode()
    print(f"build {args.statements:,} accounts, settle {YEAR} and build the statements (not timed)", flush=True)
    build(args.statements)
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": datetime.date(YEAR, 7, 31)})
    interest.settle_interest(year=YEAR, actor=system_actor())
    statements.build_statements(year=YEAR, actor=system_actor())
    vacuum()
    rows = list(AnnualStatement.objects.filter(year=YEAR, identity_ok=True)
                .select_related("account", "account__depositor", "account__employer").order_by("pk"))
    items = [statement_pdfs.printed_data(s) for s in rows]
    seal = pdf.static_data_uri(statement_pdfs.SEAL)
    items = [statement_pdfs.print_item(item, code=new_code(), issued_on="2026年07月31日", seal=seal)
             for item in items]
    n = len(items)
    pdf.render_pdf_many(statement_pdfs.TEMPLATE, items[:2], list_name="statements")  # warm both paths alike
    css_path = finders.find("documents/print.css")

    naive_n = min(args.naive, n)
    print(f"naive: {naive_n} statements, one WeasyPrint call each", flush=True)
    t0 = time.perf_counter()
    for item in items[:naive_n]:
        html = render_to_string(statement_pdfs.TEMPLATE, {"statements": [item]})
        HTML(string=html).write_pdf(stylesheets=[CSS(filename=css_path)])
    naive_s = time.perf_counter() - t0

    print(f"batched: {n} statements, {statement_pdfs.RENDER_BATCH} per WeasyPrint pass, split with pypdf",
          flush=True)
    t0 = time.perf_counter()
    out = []
    for i in range(0, n, statement_pdfs.RENDER_BATCH):
        out.extend(pdf.render_pdf_many(statement_pdfs.TEMPLATE, items[i:i + statement_pdfs.RENDER_BATCH],
                                       list_name="statements"))
    batched_s = time.perf_counter() - t0

    print("signing each batched PDF (pyHanko PAdES)", flush=True)
    t0 = time.perf_counter()
    signed = [pdf.sign_pdf(data, reason=statement_pdfs.SIGN_REASON) for data in out]
    sign_s = time.perf_counter() - t0

    print("issue_many: printed data, render, sign and archive through the service", flush=True)
    from django.contrib.auth.models import Group, User

    actor = User.objects.create_user(username="bench_statement_pdfs")
    actor.groups.add(Group.objects.get(name=roles.FINANCE))
    t0 = time.perf_counter()
    documents = statement_pdfs.issue_many(actor=actor, statements=rows)
    issue_s = time.perf_counter() - t0

    ok = len(out) == n and len(documents) == n
    for item, data in zip(items, signed, strict=True):
        reader = PdfReader(io.BytesIO(data))
        ok = ok and len(reader.pages) == 1 and item["account_number"] in reader.pages[0].extract_text()
    ok = ok and pdf.verify_pdf_signature(signed[0])
    size = sum(len(d) for d in signed) / n

    naive_rate, batched_rate = naive_s and naive_n / naive_s, n / batched_s
    ratio = batched_rate / naive_rate
    print()
    print(f"statements                       {n:>10,}")
    print(f"naive render (1 per call)        {naive_rate:>10.1f} statements/s  ({naive_s:.2f} s for {naive_n})")
    print(f"batched render                   {batched_rate:>10.1f} statements/s  ({batched_s:.2f} s)  "
          f"target >= {TARGET_RATE:.0f}/s: {'met' if batched_rate >= TARGET_RATE else 'NOT met'}")
    print(f"ratio batched / naive            {ratio:>10.2f}  target >= {TARGET_RATIO:.0f}: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    print(f"signing (pyHanko)                {n / sign_s:>10.1f} statements/s  ({sign_s / n * 1000:.1f} ms each)")
    print(f"render + sign                    {n / (batched_s + sign_s):>10.1f} statements/s")
    print(f"issue_many (data, render, sign, archive) {n / issue_s:>6.1f} statements/s  ({issue_s:.2f} s)")
    print(f"signed PDF size                  {size / 1024:>10.0f} KiB on average")
    print(f"every PDF one page, text found, signature valid: {'yes' if ok else 'NO'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
