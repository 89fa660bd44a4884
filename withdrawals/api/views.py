"""Depositor-scoped API: the status of one's own withdrawal applications (DOMAIN.md §3; issue 4 "API")."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from withdrawals import selectors
from withdrawals.filters import ApplicationFilter
from withdrawals.models import WithdrawalApplication


class ApplicationSerializer(serializers.ModelSerializer):
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    account = serializers.CharField(source="account.number", read_only=True)
    card_tail = serializers.SerializerMethodField()

    class Meta:
        model = WithdrawalApplication
        fields = ["number", "account", "reason", "reason_label", "state", "state_label", "channel",
                  "application_date", "amount_requested", "amount_approved", "decision_due", "refusal_reason",
                  "card_tail"]

    def get_card_tail(self, obj) -> str:
        return obj.payee_card[-4:]


class MyApplications(ListAPIView):
    """The caller's own withdrawal applications, newest first, filtered like the counter's queue (``state``,
    ``reason``, ``date_from``, ``date_to``, ``q``)."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return WithdrawalApplication.objects.none()
        return selectors.applications(viewer=self.request.user).filter(
            depositor__user=self.request.user).order_by("-id")


class MyApplication(RetrieveAPIView):
    serializer_class = ApplicationSerializer
    lookup_field = "number"

    @extend_schema(responses=ApplicationSerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.applications(viewer=self.request.user).filter(depositor__user=self.request.user)
