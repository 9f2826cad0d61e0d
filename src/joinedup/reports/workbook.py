"""A pack as an Excel workbook: the same items as the PDF, one sheet per section.

Sheets: the cover, the contents, one for each agenda slot in order (the performance
exceptions one row each, with a column for every field the PDF shows of them), a summary,
and the exceptions resolved since the last pack. Each sheet's header row is frozen, and
its columns are as wide as their text needs, within reason, with long text wrapped.
"""

from __future__ import annotations

import io
import re

from django.utils import timezone

from joinedup.common.cells import protect_excel_cell
from joinedup.reports.contents import Contents, Entry, Section

#: Excel refuses these in a sheet's name, and names longer than 31 characters.
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
WIDEST = 60
NARROWEST = 8

EXCEPTION_COLUMNS: list[tuple[str, object]] = [
    ("No.", lambda e: e.number),
    ("Indicator", lambda e: e.indicator.code),
    ("Title", lambda e: e.indicator.title),
    ("Period", lambda e: e.exception.period),
    ("Theme", lambda e: e.theme),
    ("Layer", lambda e: e.exception.layer.name),
    ("Areas", lambda e: e.areas),
    ("Flagged for", lambda e: e.flags),
    ("Why it is flagged", lambda e: "\n".join(e.reasons)),
    ("Red", lambda e: "Yes" if e.item.is_red else "No"),
    ("State", lambda e: e.exception.get_state_display()),
    ("Decision", lambda e: e.exception.get_decision_display() or "Not yet triaged"),
    ("The management group's decision", lambda e: e.decision),
    ("Recommendation to the Board", lambda e: e.recommendation),
    ("The Board is asked to decide on", lambda e: e.board_asked_for),
    ("Remedial plan", lambda e: "\n".join(e.plan)),
    ("Is the plan working?", lambda e: e.working),
    ("What happened", lambda e: _commentary(e, "What happened")),
    ("Why", lambda e: _commentary(e, "Why")),
    ("What is being done", lambda e: _commentary(e, "What is being done")),
    ("Commentary written by", lambda e: _commentary(e, "Written by")),
    ("Board minute", lambda e: "\n".join(e.minutes)),
    ("Earlier decisions", lambda e: "\n".join(e.earlier)),
    ("Since the last pack", lambda e: e.since_last or "No earlier pack issued"),
    ("Exception id", lambda e: e.exception.pk),
]


def _commentary(entry: Entry, label: str) -> str:
    return dict(entry.commentary).get(label, "")


def workbook(pack, contents: Contents) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    names = {section.number: sheet_name(section) for section in contents.sections}
    _table(book, "Cover", ["Item", "Detail"], _cover(pack, contents))
    _table(book, "Contents", ["Section", "Title", "Sheet"],
           [[s.number, s.title, names[s.number]] for s in contents.sections]
           + [["", "Summary", "Summary"], ["", "Resolved since the last pack", "Resolved"]])
    for section in contents.sections:
        if section.is_exceptions:
            _table(book, names[section.number], [name for name, _ in EXCEPTION_COLUMNS],
                   [[value(entry) for _, value in EXCEPTION_COLUMNS]
                    for entry in section.entries] or [["", "There are no exceptions in this "
                                                        "pack: see the Summary sheet."]],
                   frozen_columns=2)
        else:
            _table(book, names[section.number], ["Item", "Detail"], _other(section))
    _table(book, "Summary", ["Item", "Detail"], _summary(contents))
    _table(book, "Resolved", ["Exception id", "Indicator", "Title", "Period", "What happened"],
           [[r.id, r.indicator, r.title, r.period, r.now] for r in contents.resolved]
           or [["", "", _no_resolved(contents)]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(section: Section) -> str:
    name = NOT_IN_SHEET_NAMES.sub(" ", f"{section.number} {section.title}")
    return " ".join(name.split())[:31].rstrip()


def _cover(pack, contents: Contents) -> list[list]:
    built = timezone.localtime(contents.built_at)
    rows = [["Partnership", contents.partnership], ["Body", pack.body.name]]
    if contents.meeting:
        rows.append(["Meeting", contents.meeting_words])
    rows += [["Reporting period", pack.period], ["Status", contents.status]]
    if not contents.issued_at:
        rows.append(["Built", f"{built:%-d %B %Y %H:%M}: a draft, not for circulation"])
    return rows


def _other(section: Section) -> list[list]:
    rows = []
    if section.lead:
        rows.append(["Lead", section.lead])
    if section.notes:
        rows.append(["Notes", section.notes])
    rows += [["Note", line] for line in section.lines]
    rows += [["Member", f"{m.person}{', ' + m.person.job_title if m.person.job_title else ''}"
                        f" ({m.get_role_display()}, {m.organisation.display_name})"]
             for m in section.members]
    return rows


def _summary(contents: Contents) -> list[list]:
    entries = contents.entries
    rows = [["Summary", contents.summary or "This pack has no performance exceptions slot."],
            ["Exceptions in this pack", len(entries)],
            ["Red exceptions", sum(1 for e in entries if e.item.is_red)]]
    if contents.previous:
        rows += [["Compared with", f"the last issued pack, issued on "
                                   f"{timezone.localtime(contents.previous.issued_at):%-d %B %Y}"],
                 ["New since the last pack", sum(1 for e in entries if e.new)],
                 ["Resolved since the last pack", len(contents.resolved)]]
    else:
        rows.append(["Compared with", _no_resolved(contents)])
    if contents.left_out:
        rows.append(["Left out: on restricted indicators", contents.left_out])
    return rows


def _no_resolved(contents: Contents) -> str:
    if contents.previous is None:
        return ("No earlier pack of this body has been issued, so nothing is marked new or "
                "resolved since the last pack.")
    return "Every exception in the last pack is still in this one."


def _table(book, title: str, header: list[str], rows: list[list], *,
           frozen_columns: int = 0) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([_text(value) for value in row])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE3E8")
    wrap = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
            protect_excel_cell(cell)  # the text someone wrote, never a formula
    sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}2"
    for j, name in enumerate(header, start=1):
        longest = max([len(name)] + [_longest_line(row[j - 1]) for row in rows
                                     if len(row) >= j])
        sheet.column_dimensions[get_column_letter(j)].width = max(NARROWEST,
                                                                  min(WIDEST, longest + 2))


def _text(value):
    return "" if value is None else value


def _longest_line(value) -> int:
    return max((len(line) for line in str(_text(value)).splitlines()), default=0)
