from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositsConfig(AppConfig):
    name = "deposits"
    verbose_name = _("Deposits and interest")

    def ready(self):
        from accounts.services import lifecycle
        from deposits import reconciliation
        from deposits.services.interest import post_closing_interest

        if post_closing_interest not in lifecycle.BEFORE_MERGE:
            lifecycle.BEFORE_MERGE.append(post_closing_interest)
        reconciliation.register()  # its checks of business records against the ledger
