from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import DateField, MoneyField
from core.errors import NotFound
from ledger.models import BankAccount
from ledger.services import import_statement


class StatementLineSerializer(serializers.Serializer):
    bank_reference = serializers.CharField(max_length=40)
    value_date = DateField()
    direction = serializers.ChoiceField(choices=["C", "D"])
    amount = MoneyField()
    counterparty_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    counterparty_account = serializers.CharField(max_length=40, required=False, allow_blank=True)
    remark = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StatementSerializer(serializers.Serializer):
    bank_account = serializers.CharField(max_length=32)
    closing_balance = serializers.DecimalField(max_digits=17, decimal_places=2,
                                               help_text="The bank's balance of the account after these lines")
    lines = StatementLineSerializer(many=True, allow_empty=False, max_length=10000)


class StatementLineCreate(APIView):
    """A bank posts its statement lines for one of the center's accounts with its closing balance after them.
    Known serial numbers are skipped."""

    serializer_class = StatementSerializer

    def post(self, request):
        ser = StatementSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        bank_account = BankAccount.objects.filter(number=ser.validated_data["bank_account"]).first()
        if bank_account is None:
            raise NotFound("bank account not found")
        rows = [{k: str(v) for k, v in line.items()} for line in ser.validated_data["lines"]]
        created = import_statement(bank_account=bank_account, rows=rows, actor=request.user,
                                   closing_balance=ser.validated_data["closing_balance"])
        return Response({"imported": len(created), "skipped": len(rows) - len(created)},
                        status=status.HTTP_201_CREATED)
