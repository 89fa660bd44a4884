"""API throttling that degrades instead of failing: the rate limiter keeps its counters in the cache (Redis in
production); when the cache cannot be reached the request is let through and a warning is logged (at most once
a minute), so the API keeps answering without Redis."""

import logging
import time

from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)
_last_warning = [0.0]


def _cache_errors():
    errors = [ConnectionError, OSError, TimeoutError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(errors)


CACHE_ERRORS = _cache_errors()


class ResilientUserRateThrottle(UserRateThrottle):
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            now = time.monotonic()
            if now - _last_warning[0] >= 60:
                _last_warning[0] = now
                logger.warning("API throttling is off: the cache is unreachable (%s)", exc)
            return True
