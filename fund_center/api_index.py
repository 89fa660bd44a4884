"""``/api/v1/``: the list of the API's endpoints, read from the URL configuration (each path with its name, the
roles whose token may call it, and its methods), with the links to the OpenAPI schema and its documentation."""

from django.urls import URLPattern, URLResolver, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.access import ATTRIBUTE

PREFIX = "/api/v1/"


def endpoints(patterns, prefix=PREFIX) -> list[dict]:
    out = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            out += endpoints(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name != "api-index":
            view = entry.callback
            cls = getattr(view, "view_class", None)
            methods = sorted(m.upper() for m in getattr(cls, "http_method_names", []) if hasattr(cls, m)
                             and m not in ("options", "head"))
            out.append({"path": prefix + str(entry.pattern), "name": entry.name,
                        "roles": sorted(getattr(view, ATTRIBUTE, ())), "methods": methods})
    return out


class IndexThrottle(AnonRateThrottle):
    scope = "api_index"
    rate = "60/min"


class ApiIndex(APIView):
    """The endpoints of this API (no login)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [IndexThrottle]

    @extend_schema(responses=inline_serializer("ApiIndex", {
        "endpoints": serializers.ListField(child=serializers.DictField()),
        "schema": serializers.CharField(), "docs": serializers.CharField()}))
    def get(self, request):
        from fund_center import api_urls

        return Response({"endpoints": endpoints(api_urls.urlpatterns), "schema": reverse("schema"),
                         "docs": reverse("api-docs")})

