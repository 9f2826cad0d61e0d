"""Public pages and files that browsers and shared caches may keep.

Each answer carries an ``ETag`` made from a stamp of the data, not from the page: the
latest recorded change (every change to the framework, figures, targets, sharing and the
packs' publication is recorded, ``history.Change``) and the latest assessment run, read in
one cheap query. So a request whose ``If-None-Match`` holds the current tag is answered
``304 Not Modified`` before anything is gathered or rendered.

What a shared cache may keep: the public pages show only public content, but their frame
names a signed-in person and offers them their own navigation. So an anonymous visitor's
answer is ``Cache-Control: public, max-age=300``, the same for every anonymous visitor, and
kept by the server too (per process, under its tag) so the next visitor is not made to wait
for it; a signed-in person's is ``private, no-cache``, tagged apart, and never kept by the
server. Every answer says ``Vary: Cookie``, so no cache hands one person's copy to another.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_etags

import joinedup

#: How long a browser or a shared cache may use an answer before asking again.
MAX_AGE = 300
#: How long the server keeps an anonymous answer under its tag (the tag changes with the data).
KEPT_SECONDS = 10 * 60
ANONYMOUS = "anonymous"
#: Headers kept with an answer the server keeps.
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


def data_stamp() -> tuple:
    """The latest recorded change (its id and time) and the latest assessment run (its id
    and when it finished): different as soon as anything public may have changed."""
    from joinedup.assessment.models import AssessmentRun
    from joinedup.history.models import Change

    changes, runs = Change._meta.db_table, AssessmentRun._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {changes}), "  # nosec B608 - our own table names
            f"(SELECT time FROM {changes} ORDER BY id DESC LIMIT 1), "
            f"(SELECT MAX(id) FROM {runs}), (SELECT MAX(finished_at) FROM {runs})")
        changes, changed_at, runs, run_at = cursor.fetchone()
    return changes, _moment(changed_at), runs, _moment(run_at)


def _moment(value) -> dt.datetime | None:
    """A time as the database gave it (SQLite: text in UTC), made an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.timezone.utc)
    return value


def stamp_key(stamp: tuple) -> str:
    return hashlib.sha256(f"{joinedup.__version__}|{stamp!r}".encode()).hexdigest()[:32]


def reader(request) -> str:
    """Whose copy of a public page this is: any anonymous visitor's, or one person's."""
    user = request.user
    return f"person-{user.pk}" if user.is_authenticated else ANONYMOUS


def etag_for(request, stamp: tuple) -> str:
    made = "|".join([stamp_key(stamp), request.get_full_path(), reader(request)])
    return '"' + hashlib.sha256(made.encode()).hexdigest()[:40] + '"'


def mark(response, tag: str, anonymous: bool):
    """Tag an answer and say who may keep it."""
    response["ETag"] = tag
    response["Cache-Control"] = (f"public, max-age={MAX_AGE}" if anonymous
                                 else "private, no-cache")
    patch_vary_headers(response, ["Cookie"])
    return response


def matches(request, tag: str) -> bool:
    asked = request.headers.get("If-None-Match", "")
    return bool(asked) and (asked.strip() == "*" or tag in parse_etags(asked))


def public_answer(view):
    """Serve a public view with its tag: 304 when the caller holds it, the server's kept
    copy for an anonymous visitor, otherwise the view's answer (kept when it is a 200)."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        stamp = data_stamp()
        request.public_stamp = stamp
        tag = etag_for(request, stamp)
        anonymous = reader(request) == ANONYMOUS
        if matches(request, tag):
            return mark(HttpResponseNotModified(), tag, anonymous)
        key = "public-answer:" + tag
        kept = cache.get(key) if anonymous else None
        if kept is not None:
            content, headers = kept
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return mark(response, tag, anonymous)
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        if anonymous and not response.streaming:
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            cache.set(key, (response.content, headers), timeout=KEPT_SECONDS)
        return mark(response, tag, anonymous)

    return answer
