from django.db import migrations

from core import trigram

# The name searches (accounts.selectors.search_depositors, accounts.filters.EmployerFilter) use icontains, that is
# UPPER(name) LIKE UPPER('%…%'): these indexes serve it where the server has pg_trgm (core/trigram.py).
NAME_INDEXES = (
    ("depositor_name_trgm", "accounts_depositor", "name"),
    ("employer_name_trgm", "accounts_employer", "name"),
)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_employer_registration")]

    operations = [trigram.index_operation(*NAME_INDEXES)]
