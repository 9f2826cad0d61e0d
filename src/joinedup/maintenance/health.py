"""``/health/``: whether this server can answer, for a load balancer or a monitor.

200 with ``{"status": "ok", "database": "ok"}`` when the database answers; 503 with
``"unavailable"`` when it does not. It names no version, host or error: anyone may ask.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_answers(using: str = "default") -> bool:
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() is not None
    except DatabaseError:
        logger.warning("Health check: the database does not answer", exc_info=True)
        return False


@never_cache
@require_safe
def health(request):
    if database_answers():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
