from core import roles
from core.access import api
from ledger.api import views

urlpatterns = [
    api("bank/statement-lines/", views.StatementLineCreate, name="api-statement-lines", allow=(roles.BANK_CLIENT,
                                                                                               roles.FINANCE)),
]
