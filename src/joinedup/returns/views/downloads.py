"""File downloads: a round's template to fill in, and an export of the figures.

Both are built for the person asking (``owed_by`` and ``visible_to`` decide what is in
them), so they are marked private: no shared cache may hand one person's file to another.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from joinedup.common.downloads import attachment
from joinedup.returns.models import CollectionRound
from joinedup.returns.spreadsheets import FORMATS, TooManyRowsForExcel, export_file, template_file


@login_required
def template_download(request, slug, fmt):
    """The round's returns the person owes, pre-filled; just the header if they owe none."""
    if fmt not in FORMATS:
        raise Http404("Templates come as csv or xlsx")
    collection_round = get_object_or_404(CollectionRound.objects.visible_to(request.user),
                                         slug=slug)
    return attachment(*template_file(collection_round, request.user, fmt))


def export_download(request, fmt):
    """Every figure the person may see; ``indicator``, ``area`` and ``state`` narrow it.

    Each filter may be given more than once (``?indicator=HW+02&indicator=HW+03``).
    """
    if fmt not in FORMATS:
        raise Http404("Exports come as csv or xlsx")
    chosen = {key: [v.strip() for v in request.GET.getlist(key) if v.strip()] or None
              for key in ("indicator", "area", "state")}
    try:
        content, name, content_type = export_file(
            request.user, fmt, indicators=chosen["indicator"], areas=chosen["area"],
            states=chosen["state"])
    except TooManyRowsForExcel as error:
        return HttpResponse(str(error), status=413, content_type="text/plain; charset=utf-8")
    return attachment(content, name, content_type)
