"""The pages people read most, kept once made until what they show changes.

An indicator's page, a theme's, an area's, the overview and the Board's pages each gather
hundreds of rows and lay out tables and charts, which costs far more than the request
around them. Their contents change only when figures, assessments or the framework
change, so each page's own part (its title and contents, not the frame with the person's
name, navigation and sign-out form) is kept in the cache and made again only when:

- anything it may show changed: the stamp (``stamp``) is read from the database on every
  request, cheaply, and is part of the key, so a change made by any process (another web
  process, the background worker, the command line) is seen at once;
- or it has been kept for ``KEPT_SECONDS``, a backstop for changes no stamp records.

A kept page belongs to one person (``reader``), never to a kind of person: what a page
shows depends on the indicators shared with their organisation, the figures it owns, the
bodies they chair and their permissions, and a page made for one must never be shown to
another. Anonymous visitors see only what is published, so they share one.

A part holding a form's CSRF token is never kept: the token belongs to one session. Nor
is a page made inside a database transaction, which may yet be rolled back.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode

#: How long a kept page may be shown, at most, when nothing recorded has changed.
KEPT_SECONDS = 10 * 60
#: The blocks of ``web/base.html`` a page fills; the rest of the frame is the person's.
BLOCKS = ("title", "head", "before_content", "content")
#: Changes to these models do not show on the pages kept here; figures are stamped apart.
UNSHOWN_CHANGES = ("returns.datavalue", "reports.pack", "partnership.apitoken")
CSRF_FIELD = "csrfmiddlewaretoken"


def cached_page(request, template_name: str, context: Callable[[], dict]):
    """The page ``template_name`` made with ``context()``, from the cache when it is kept.

    ``context`` is called only when the page has to be made, so the view's queries run
    only then. Only GET requests are kept.
    """
    if request.method != "GET" or not keepable():
        return render(request, template_name, context())
    key = _key(request, template_name)
    blocks = cache.get(key)
    if blocks is None:
        blocks = render_blocks(request, template_name, context())
        if not any(CSRF_FIELD in text for text in blocks.values()):
            cache.set(key, blocks, timeout=KEPT_SECONDS)
    return render(request, "web/kept_page.html", {"kept": blocks})


def keepable() -> bool:
    """Whether a page made now may be kept: not inside a transaction, whose changes it
    may show and which may yet be rolled back (and with them the stamp)."""
    from django.db import connection

    return not connection.in_atomic_block


def render_blocks(request, template_name: str, context: dict) -> dict[str, str]:
    """Each block a page template fills in ``web/base.html``, rendered on its own."""
    from django.template.context import make_context

    template = get_template(template_name).template
    extends = template.nodelist.get_nodes_by_type(ExtendsNode)
    blocks = extends[0].blocks if extends else {
        node.name: node for node in template.nodelist.get_nodes_by_type(BlockNode)}
    unknown = set(blocks) - set(BLOCKS)
    if unknown:
        raise ValueError(f"{template_name} fills blocks a kept page cannot: {sorted(unknown)}")
    made = make_context(context, request)
    with made.bind_template(template):
        return {name: node.render(made) for name, node in blocks.items()}


def _key(request, template_name: str) -> str:
    parts = [template_name, request.get_full_path(), reader(request.user), stamp(request.user)]
    return "page:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()


def reader(user) -> str:
    """Who a kept page is for: one person, as they are now, or any anonymous visitor."""
    if not user.is_authenticated:
        return "anonymous"
    return "|".join([
        str(user.pk), str(getattr(user, "organisation_id", None)), str(user.is_active),
        str(user.is_superuser), str(user.is_staff), ",".join(sorted(user.get_all_permissions())),
    ])


def stamp(user) -> str:
    """What the pages may show, summed up in a few cheap aggregates in one query: it
    differs as soon as any of it changes.

    - every recorded change to the framework, the partnership, triage and the rest
      (``history.Change``), except those listed in ``UNSHOWN_CHANGES``;
    - assessment runs, flags and exceptions, which are written by the assessment and not
      recorded as changes; a correction of an approved figure is re-assessed
      (``assessment.signals``), so it comes with a new run;
    - how many figures are approved, which any approval, return or new approved figure
      changes;
    - the figures not yet approved that ``user`` may see (``drafts_seen``), so another
      partner's drafts leave this person's pages kept;
    - the sharing of restricted indicators, which decides who sees them.
    """
    from django.db import connection

    drafts, params = drafts_seen(user)
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql().replace("{drafts}", drafts), params)
        return repr(cursor.fetchone())


def drafts_seen(user) -> tuple[str, list]:
    """A condition on figures (and its parameters) that holds for every figure not yet
    approved that ``user`` may see (``DataValue.objects.visible_to``), and for a few more:
    all of their organisation's, and every submitted one, which they may see if they lead
    its theme. A little too wide costs a page made again; never too narrow."""
    from joinedup.common.querysets import partner_organisation_id, sees_everything
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    if sees_everything(user):
        return "1 = 1", []
    organisation = partner_organisation_id(user)
    if organisation is None:
        return "1 = 0", []
    table = Indicator._meta.db_table
    return (f"(state = %s OR indicator_id IN (SELECT id FROM {table} WHERE owner_id = %s))",  # nosec B608 - our own table name; values are parameters
            [DataValue.State.SUBMITTED.value, organisation])


@functools.cache
def _stamp_sql() -> str:
    """The stamp's query, with ``{drafts}`` for the condition of ``drafts_seen``."""
    from django.contrib.contenttypes.models import ContentType

    from joinedup.assessment.models import AssessmentRun, Flag
    from joinedup.exceptions.models import IndicatorException
    from joinedup.history.models import Change
    from joinedup.returns.models import DataValue

    unshown = ", ".join(str(ContentType.objects.get_by_natural_key(*label.split(".")).pk)
                        for label in UNSHOWN_CHANGES)
    figures = DataValue._meta.db_table
    approved = f"state = '{DataValue.State.APPROVED.value}'"
    parts = [
        (["MAX(id)"], f"{Change._meta.db_table} WHERE content_type_id NOT IN ({unshown})"),
        (["COUNT(*)", "MAX(id)", "MAX(finished_at)"], AssessmentRun._meta.db_table),
        (["COUNT(*)", "MAX(id)", "MAX(cleared_at)"], Flag._meta.db_table),
        (["COUNT(*)", "MAX(id)", "MAX(closed_at)"], IndicatorException._meta.db_table),
        (["COUNT(*)"], f"{figures} WHERE {approved}"),
        (["COUNT(*)", "MAX(updated_at)", "SUM(version)"],
         f"{figures} WHERE NOT {approved} AND {{drafts}}"),
    ]
    names = [f"s{n}.c{c}" for n, (columns, _) in enumerate(parts) for c in range(len(columns))]
    tables = [
        "(SELECT " + ", ".join(f"{column} AS c{c}" for c, column in enumerate(columns))
        + f" FROM {source}) s{n}"
        for n, (columns, source) in enumerate(parts)
    ]
    return f"SELECT {', '.join(names)} FROM {', '.join(tables)}"  # nosec B608 - our own table and column names
