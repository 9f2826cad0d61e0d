"""A pack's contents written out as a file: HTML, PDF (WeasyPrint) or Excel.

The HTML and the PDF are one document: the HTML file is it as read on a screen, the PDF
is it printed, with numbered pages and a contents page that gives them. Both carry their
style and charts inside them, so each is the one file people are sent.
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string

from joinedup.common import charts
from joinedup.reports.contents import Contents

PRINT_CHART_FONT = "'DejaVu Sans Condensed', 'Liberation Sans', Arial, sans-serif"


def document(pack, contents: Contents, *, for_print: bool) -> str:
    new = sum(1 for entry in contents.entries if entry.new)
    return render_to_string("reports/pack_document.html", {
        "pack": pack, "contents": contents, "for_print": for_print, "new_count": new})


def html_file(pack, contents: Contents) -> bytes:
    return document(pack, contents, for_print=False).encode("utf-8")


def pdf_file(pack, contents: Contents) -> bytes:
    return print_pdf(for_print(document(pack, contents, for_print=True)))


def for_print(html: str) -> str:
    """The charts' labels are placed for Arial's widths. The server printing the PDF seldom
    has Arial, and its usual stand-in, DejaVu Sans, is wide enough to run the labels of an
    axis together; DejaVu Sans Condensed, which comes with it, is within a few per cent."""
    return html.replace(f'font-family="{charts.FONT}"', f'font-family="{PRINT_CHART_FONT}"')


def print_pdf(html: str) -> bytes:
    """The document printed to PDF. WeasyPrint is imported here, as it takes a while to load
    and most requests never print anything."""
    # WeasyPrint tells of each step and page at INFO, from its import on: noise in a log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def xlsx_file(pack, contents: Contents) -> bytes:
    from joinedup.reports.workbook import workbook

    return workbook(pack, contents)


WRITERS = {"pdf": pdf_file, "html": html_file, "xlsx": xlsx_file}


def write(pack, contents: Contents) -> bytes:
    return WRITERS[pack.format](pack, contents)
