"""Test URLconf: the project's URLs plus the withdrawals API (until fund_center/api_urls.py includes it)."""

from django.urls import include, path

from fund_center.urls import urlpatterns as project

urlpatterns = [path("api/v1/", include("withdrawals.api.urls")), *project]
