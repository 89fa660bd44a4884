from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("judicial", "0002_risk_signals_review_letters"),
        ("judicial", "0003_merge_court_api_paper_requests"),
    ]

    operations = []
