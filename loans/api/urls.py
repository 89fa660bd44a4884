from core.access import PUBLIC, api
from loans.api import views

urlpatterns = [
    # the public loan calculator: no login, throttled per client
    api("loans/calculator/", views.Calculator, name="api-loan-calculator", allow=(PUBLIC,)),
]
