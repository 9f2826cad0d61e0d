"""A locality profile printed to PDF for a forum meeting: the profile page's sections
(``places/includes/profile_sections.html``) in the pack's print style, printed by
WeasyPrint as packs are."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from joinedup.reports import formats
from joinedup.reports.profiles import Profile


def pdf_file(found: Profile, user) -> bytes:
    html = render_to_string("reports/profile.html", {
        "profile": found, "user": user, "printed": timezone.localdate()})
    return formats.print_pdf(formats.for_print(html))
