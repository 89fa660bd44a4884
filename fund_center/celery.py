"""Celery application. Without a broker configured, tasks run eagerly (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fund_center.settings")

app = Celery("fund_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
