"""Celery entry points of accounts (thin, named, idempotent, calling one service); there are none yet."""
