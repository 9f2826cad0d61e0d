"""What the public site's tests share: a published pack, and reading pages and the package."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

from joinedup.partnership.models import Body, Person
from joinedup.reports import building
from joinedup.reports.models import Pack


def board() -> Body:
    return Body.objects.get(slug="gsp-board")


def issued_pack(slug: str = "gsp-board", *, public: bool) -> Pack:
    """A workbook pack of the body, issued by the officer, and published if ``public``."""
    officer = Person.objects.get(username="officer")
    body = Body.objects.get(slug=slug)
    pack = building.draft_for(body, officer, format="xlsx", period="2026/27 Q1")
    building.issue(pack, officer)
    if public:
        building.publish(pack, officer, public=True)
    return Pack.objects.get(pk=pack.pk)


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


class NumericCells(HTMLParser):
    """The text of every numeric table cell, with the indicator of its row, if named."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[str | None, str]] = []
        self._row_indicator: str | None = None
        self._in_cell = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row_indicator = attrs.get("data-indicator")
        if tag == "td" and "govuk-table__cell--numeric" in (attrs.get("class") or ""):
            self._in_cell, self._text = True, []

    def handle_endtag(self, tag):
        if tag == "td" and self._in_cell:
            self._in_cell = False
            text = "".join(self._text).strip()
            number = re.match(r"^-?[\d,]+(\.\d+)?", text)
            if number:
                self.cells.append((self._row_indicator, number.group(0)))

    def handle_data(self, data):
        if self._in_cell:
            self._text.append(data)


def numeric_cells(html: str) -> list[tuple[str | None, str]]:
    parser = NumericCells()
    parser.feed(html)
    return parser.cells
