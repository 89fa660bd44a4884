from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositsConfig(AppConfig):
    name = "deposits"
    verbose_name = _("Deposits and interest")

    def ready(self):
        from deposits import reconciliation

        reconciliation.register()  # its checks of business records against the ledger
