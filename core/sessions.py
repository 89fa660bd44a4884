"""The session engine (``SESSION_ENGINE``): Django's database sessions, read through SQL compiled once.

Every request of a logged-in user reads its session row first; building and compiling that one query cost the ORM
about as much CPU as the rest of the session handling. The row, its expiry check and what happens when it is
missing or expired are Django's (``django.contrib.sessions.backends.db``)."""

import logging

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from core import compiled


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        try:
            return compiled.get(("session",), self._live_session, (self.session_key, timezone.now()))
        except (self.model.DoesNotExist, SuspiciousOperation) as e:
            if isinstance(e, SuspiciousOperation):
                logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            self._session_key = None

    def _live_session(self, session_key, now):
        return self.model.objects.filter(session_key=session_key, expire_date__gt=now)
