"""API for an employer's payroll system: submit and confirm the monthly remittance list.

Authenticated as an employer agent (token); every call is scoped to that agent's employer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Employer
from core.api import MonthField
from core.visibility import employer_id_of
from deposits import selectors
from deposits.filters import RemittanceFilter
from deposits.models import RemittanceList
from deposits.services import remittance as services


class LineSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.number")
    name = serializers.CharField(source="account.depositor.name", read_only=True)
    month = serializers.DateField(format="%Y-%m", read_only=True)
    base = serializers.DecimalField(max_digits=18, decimal_places=2)
    employee_ratio = serializers.DecimalField(max_digits=12, decimal_places=8)
    employer_ratio = serializers.DecimalField(max_digits=12, decimal_places=8)
    employee_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    employer_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)


class RemittanceSerializer(serializers.ModelSerializer):
    employer = serializers.CharField(source="employer.account_number")
    month = serializers.DateField(format="%Y-%m")
    lines = LineSerializer(many=True, read_only=True)

    class Meta:
        model = RemittanceList
        fields = ["reference", "employer", "kind", "month", "status", "headcount", "employee_total",
                  "employer_total", "total", "lines"]


class SummarySerializer(serializers.ModelSerializer):
    employer = serializers.CharField(source="employer.account_number")
    month = serializers.DateField(format="%Y-%m")

    class Meta:
        model = RemittanceList
        fields = ["reference", "employer", "kind", "month", "status", "headcount", "employee_total",
                  "employer_total", "total"]


class CreateSerializer(serializers.Serializer):
    month = MonthField(help_text="YYYY-MM")


class InputLine(serializers.Serializer):
    account = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    base = serializers.CharField(max_length=20)
    employee_ratio_percent = serializers.CharField(max_length=10)
    employer_ratio_percent = serializers.CharField(max_length=10)


class LinesSerializer(serializers.Serializer):
    lines = InputLine(many=True, allow_empty=False, max_length=50000)


def _employer(request):
    """The employer the calling agent acts for (404 for a user without one)."""
    return get_object_or_404(Employer.objects.visible_to(request.user), pk=employer_id_of(request.user) or 0)


class EmployerScoped(APIView):
    """Base of the employer's API views (who may call them is declared in ``deposits/api/urls.py``)."""

    def get_list(self, request, reference):
        return get_object_or_404(RemittanceList.objects.visible_to(request.user).select_related("employer"),
                                 reference=reference,
                                 employer=_employer(request))

    def respond(self, remittance, code=status.HTTP_200_OK):
        remittance = RemittanceList.objects.prefetch_related("lines__account__depositor").get(pk=remittance.pk)
        return Response(RemittanceSerializer(remittance).data, status=code)


class RemittanceCreate(EmployerScoped, generics.ListAPIView):
    """GET: the employer's lists, latest month first, filtered like the counter's list page (``q``, ``month``,
    ``status``, ``kind``); POST: generate a month's list."""

    serializer_class = SummarySerializer
    filterset_class = RemittanceFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return RemittanceList.objects.none()
        return selectors.remittance_lists(viewer=self.request.user).filter(employer=_employer(self.request))

    @extend_schema(request=CreateSerializer, responses={201: RemittanceSerializer})
    def post(self, request):
        """Generate the month's list from the employer's active accounts."""
        ser = CreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        remittance = services.generate_list(actor=request.user, employer=_employer(request),
                                            month=ser.validated_data["month"])
        return self.respond(remittance, status.HTTP_201_CREATED)


class RemittanceDetail(EmployerScoped):
    @extend_schema(responses=RemittanceSerializer)
    def get(self, request, reference):
        return self.respond(self.get_list(request, reference))


class RemittanceLines(EmployerScoped):
    @extend_schema(request=LinesSerializer, responses=RemittanceSerializer)
    def put(self, request, reference):
        """Replace the draft list's lines; every line is checked and nothing changes if one is wrong."""
        remittance = self.get_list(request, reference)
        ser = LinesSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        rows = [{"account": ln["account"], "name": ln.get("name", ""), "base": ln["base"],
                 "employee_ratio": ln["employee_ratio_percent"], "employer_ratio": ln["employer_ratio_percent"]}
                for ln in ser.validated_data["lines"]]
        return self.respond(services.replace_from_rows(actor=request.user, remittance=remittance, rows=rows))


class RemittanceConfirm(EmployerScoped):
    @extend_schema(request=None, responses=RemittanceSerializer)
    def post(self, request, reference):
        """Confirm the list: its total becomes the amount due, paid quoting the reference."""
        remittance = self.get_list(request, reference)
        return self.respond(services.confirm_list(actor=request.user, remittance=remittance))
