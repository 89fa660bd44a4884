"""A read-only request reads the business date once (core.middleware.BusinessDateMiddleware); a writing request,
and anything outside a request, reads it every time, and setting it inside a request is seen at once."""

import datetime

from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core import business_date
from core.actors import system_actor
from core.middleware import BusinessDateMiddleware


def _reads(queries):
    return sum('"core_businessday"' in q["sql"] and q["sql"].lstrip().startswith("SELECT") for q in queries)


def test_a_get_reads_the_business_date_once_and_sees_a_change_made_in_it(db):
    business_date.set_business_date(actor=system_actor(), date=datetime.date(2026, 3, 1))
    seen = []

    def read_twice(request):
        seen.extend([business_date.today(), business_date.today()])
        return HttpResponse("ok")

    def view(request):
        seen.extend([business_date.today(), business_date.today()])
        business_date.set_business_date(actor=system_actor(), date=datetime.date(2026, 3, 2))
        seen.append(business_date.today())
        return HttpResponse("ok")

    with CaptureQueriesContext(connection) as queries:
        BusinessDateMiddleware(read_twice)(RequestFactory().get("/"))
    assert seen == [datetime.date(2026, 3, 1)] * 2 and _reads(queries) == 1
    seen.clear()
    BusinessDateMiddleware(view)(RequestFactory().get("/"))
    assert seen == [datetime.date(2026, 3, 1), datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)]
    # after the request: read again
    with CaptureQueriesContext(connection) as queries:
        assert business_date.today() == datetime.date(2026, 3, 2) == business_date.today()
    assert _reads(queries) == 2


def test_a_post_reads_the_business_date_every_time(db):
    business_date.set_business_date(actor=system_actor(), date=datetime.date(2026, 3, 1))
    seen = []

    def view(request):
        seen.extend([business_date.today(), business_date.today()])
        return HttpResponse("ok")

    with CaptureQueriesContext(connection) as queries:
        BusinessDateMiddleware(view)(RequestFactory().post("/"))
    assert seen == [datetime.date(2026, 3, 1)] * 2 and _reads(queries) == 2
