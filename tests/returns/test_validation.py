"""Every kind of bad input is named by file, row and column, and nothing is written."""

from __future__ import annotations

import io

import openpyxl
import pytest

from joinedup.history.models import Change
from joinedup.returns import workflow
from joinedup.returns.importing import import_file, import_table
from joinedup.returns.models import DataValue, Upload

from .helpers import GATESHEAD, csv_bytes, latest, make_round, next_label, table

pytestmark = pytest.mark.django_db


def counts():
    return DataValue.objects.count(), Change.objects.count()


def a_good_row(code="HW 02", **extra):
    """A plausible new figure: the series' latest value, for the next period."""
    row = {"indicator": code, "area": GATESHEAD, "period": next_label(code),
           "value": str(latest(code).value)}
    row.update(extra)
    return row


def only_problem(result):
    assert not result.saved
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


MISSING = "is missing; leave the whole row empty to send nothing for it"


@pytest.mark.parametrize("change, column, message", [
    ({"indicator": "HW 99"}, "indicator", "unknown indicator code 'HW 99'"),
    ({"area": "E99999999"}, "area", "unknown area code 'E99999999'"),
    ({"period": "the spring"}, "period",
     "'the spring' is not a period this system can read: a period is written with its year "
     "in four digits, such as 2019 or 2019/20"),
    ({"value": "twelve"}, "value", "'twelve' is not a number"),
    ({"value": "NaN"}, "value", "'NaN' is not a number"),
    ({"value": "-4"}, "value", "-4 is negative, and HW 02 cannot be below zero"),
    ({"value": None, "note": "late"}, "value", f"value {MISSING}"),
    ({"area": None}, "area", f"area {MISSING}"),
    ({"numerator": "30", "denominator": "20"}, "numerator",
     "numerator 30 is greater than the denominator 20"),
    ({"denominator": "0", "numerator": "0"}, "denominator",
     "the denominator must be above zero"),
    ({"lower_ci": "99"}, "lower_ci", "the lower confidence limit is above the value"),
    ({"numerator": "ten", "denominator": "20"}, "numerator", "'ten' is not a number"),
])
def test_each_error_names_row_and_column_and_writes_nothing(person, change, column, message):
    before = counts()
    rows = [a_good_row(), a_good_row(**change)]
    rows[0]["period"] = "2099/00"   # two different rows, so no duplicate
    result = import_table(table(rows), source="figures.csv", user=person("pct"))
    problem = only_problem(result)
    assert (problem.file, problem.row, problem.column) == ("figures.csv", 3, column)
    assert problem.message == message
    assert str(problem) == f"figures.csv:3:{column}: {message}"
    assert counts() == before


def test_duplicate_rows_point_at_the_first(person):
    rows = [a_good_row(), a_good_row(), a_good_row()]
    result = import_table(table(rows), source="f.csv", user=person("pct"))
    assert [(p.row, p.message) for p in result.problems] == [
        (3, "this row repeats row 2 (same indicator, area and period)"),
        (4, "this row repeats row 2 (same indicator, area and period)")]
    assert not result.saved


def test_a_period_outside_the_round_is_refused(person):
    pct = person("pct")
    collection_round = make_round(["HW 02"], pct.organisation)
    row = a_good_row(period="2001/02")
    result = import_table(table([row]), source="f.csv", user=pct,
                          collection_round=collection_round)
    problem = only_problem(result)
    assert (problem.row, problem.column, problem.message) == (
        2, "period", f"HW 02 for {GATESHEAD} in 2001/02 is not a return expected in Test round")
    ok = import_table(table([a_good_row()]), source="f.csv", user=pct,
                      collection_round=collection_round)
    assert ok.saved and ok.created == 1


def test_someone_elses_indicator_is_refused_and_a_hidden_one_is_unknown(person):
    pct = person("pct")
    police_public = a_good_row("SC 03", value="5")
    result = import_table(table([police_public]), source="f.csv", user=pct)
    assert only_problem(result).message == (
        "you cannot send figures for SC 03: they come from Northumbria Police")
    hidden = {"indicator": "SC 02", "area": GATESHEAD, "period": "2030/31", "value": "1"}
    result = import_table(table([hidden]), source="f.csv", user=person("board"))
    # the board member's organisation cannot see SC 02: it must not even learn it exists
    assert only_problem(result).message == "unknown indicator code 'SC 02'"


def test_missing_and_unknown_columns(person):
    result = import_table(table([{"indicator": "HW 02", "area": GATESHEAD, "value": "1",
                                  "colour": "red"}]), source="f.csv", user=person("pct"))
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (1, "period", "there is no 'period' column; a returns file needs the columns "
                      "indicator, area, period, value"),
        (1, "colour", "'colour' is not a column of a returns file; the columns are indicator, "
                      "area, period, value, numerator, denominator, lower_ci, upper_ci, note, "
                      "state, version")]


def test_one_bad_row_among_ten_thousand_writes_nothing(person):
    officer = person("officer")
    areas = sorted(set(DataValue.objects.values_list("area__code", flat=True)))
    rows = [{"indicator": "HW 02", "area": areas[i % len(areas)],
             "period": f"{1900 + (i // len(areas)) // 12}-{(i // len(areas)) % 12 + 1:02d}",
             "value": "12.5"} for i in range(10_000)]
    bad = dict(rows[len(rows) // 2], value="12,5")
    rows[len(rows) // 2] = bad
    before = counts()
    result = import_table(table(rows), source="big.csv", user=officer, note="bulk test")
    assert not result.saved
    assert [(p.row, p.column) for p in result.problems] == [(len(rows) // 2 + 2, "value")]
    assert counts() == before
    rows[len(rows) // 2] = dict(bad, value="12.5")
    result = import_table(table(rows), source="big.csv", user=officer, note="bulk test")
    assert result.saved and result.created == len(rows)
    # One change records the run of figures the upload created; each figure's history has it.
    assert counts() == (before[0] + len(rows), before[1] + 1)
    created = DataValue.objects.filter(pk__in=result.value_ids)
    run = Change.objects.get(action="create", object_id=min(result.value_ids))
    assert (run.last_object_id, run.actor, run.after["figures"]) == (
        max(result.value_ids), "officer", len(rows))
    for figure in (created.first(), created.last()):
        assert list(Change.objects.for_object(figure)) == [run]


def test_real_export_quirks_are_accepted(person):
    rows = [a_good_row(), a_good_row("HW 01")]
    lines = ["Indicator,Area,Period,Value,Numerator,Denominator",
             f'{rows[0]["indicator"]},{GATESHEAD},{rows[0]["period"]}, {rows[0]["value"]} ,'
             '"1,234","12,000"',
             f'{rows[1]["indicator"]},{GATESHEAD},{rows[1]["period"]},"{rows[1]["value"]}",,']
    data = csv_bytes(lines, bom=True, newline="\r\n")
    result = import_file(data, "export.csv", user=person("pct"))
    assert result.saved, [str(p) for p in result.problems]
    saved = DataValue.objects.get(pk=result.value_ids[0])
    assert (saved.numerator, saved.denominator) == (1234.0, 12000.0)
    assert saved.value == float(rows[0]["value"])


def test_excel_numbers_and_numbers_stored_as_text(person):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator", "area", "period", "value"])
    one, two = a_good_row(), a_good_row("HW 01")
    sheet.append([one["indicator"], one["area"], one["period"], float(one["value"])])
    sheet.append([two["indicator"], two["area"], two["period"], str(two["value"])])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_file(buffer.getvalue(), "figures.xlsx", user=person("pct"))
    assert result.saved and result.created == 2, [str(p) for p in result.problems]


@pytest.mark.parametrize("data, name, row, column, message", [
    (b"", "empty.csv", 0, "",
     "The file is empty (0 bytes). Check you chose the right file."),
    (b"indicator,area,period,value\r\n", "header.csv", 0, "",
     "The file has a header row but no figures below it: add one row for each figure, "
     "starting at row 2."),
    (b"%PDF-1.4 binary\x00\x01", "figures.pdf", 0, "",
     "This file is a PDF document, not a returns file. Send a CSV file (.csv) or an Excel "
     "workbook (.xlsx)."),
    ("indicator,area,period,value\nHW 02,E08000037,2018/19,caf\xe9\n".encode("latin-1"),
     "latin.csv", 2, "value",
     "The file is not saved as UTF-8 text: row 2, column value has a character (byte 0xE9) "
     "that cannot be read (it looks like \u201c\u00e9\u201d saved as Windows text). In Excel, "
     "choose File, Save As, and the type \u201cCSV UTF-8 (Comma delimited)\u201d, then upload "
     "the new file."),
    (b"PK\x03\x04 this is not really a workbook", "broken.xlsx", 0, "",
     "The workbook is damaged and cannot be opened (it may not have downloaded or saved "
     "completely). Open it in Excel, save it again as .xlsx, and upload the new file."),
])
def test_unreadable_files_are_rejected_and_kept(person, data, name, row, column, message):
    before = counts()
    result = import_file(data, name, user=person("pct"))
    assert not result.saved
    assert [(p.file, p.row, p.column, p.message) for p in result.errors] == [
        (name, row, column, message)]
    assert result.problems == result.errors
    assert counts() == before
    kept = Upload.objects.get(pk=result.upload.pk)
    assert bytes(kept.content) == data and kept.outcome == Upload.Outcome.REJECTED
    assert kept.problems == [{"file": name, "row": row, "column": column, "message": message,
                              "severity": "error"}]


def test_an_outlier_needs_a_note(person):
    pct = person("pct")
    row = a_good_row(value=str(latest("HW 02").value * 3))
    result = import_table(table([row]), source="f.csv", user=pct)
    assert not result.saved and not result.errors
    (warning,) = result.warnings
    assert (warning.row, warning.column, warning.message) == (
        2, "value", f"{row['value']} is out of line with the other figures for HW 02 in this "
                    "area (outlier score 44.9); check it, and confirm it with a note if it is "
                    "right")
    result = import_table(table([row]), source="f.csv", user=pct, note="new survey method")
    assert result.saved
    assert DataValue.objects.get(pk=result.value_ids[0]).note == "new survey method"


def test_an_approved_figure_needs_a_reason_to_change(person):
    pct = person("pct")
    approved = latest("HW 02")
    opened = approved.value
    row = {"indicator": "HW 02", "area": GATESHEAD, "period": approved.period,
           "value": str(approved.value + 0.1)}
    result = import_table(table([row]), source="f.csv", user=pct)
    assert only_problem(result).message == (
        f"HW 02 for {GATESHEAD} in {approved.period} is approved and locked; changing it "
        "needs a reason")
    result = import_table(table([row]), source="f.csv", user=pct, reason="ONS revision")
    assert result.saved and result.changed == 1
    approved.refresh_from_db()
    assert approved.state == "draft" and approved.version == 2
    change = Change.objects.for_object(approved).first()
    assert change.reason == "ONS revision" and change.actor == "pct.analyst"
    assert (change.before["value"], change.after["value"]) == (opened, float(row["value"]))


def test_reimporting_the_same_figures_changes_nothing(person):
    pct = person("pct")
    approved = latest("HW 02")
    row = {"indicator": "HW 02", "area": GATESHEAD, "period": approved.period,
           "value": repr(approved.value), "version": str(approved.version)}
    before = counts()
    result = import_table(table([row]), source="f.csv", user=pct)
    assert result.saved and (result.created, result.changed, result.unchanged) == (0, 0, 1)
    assert counts() == before


def test_a_stale_version_is_refused(person):
    pct = person("pct")
    approved = latest("HW 02")
    copied = approved.version
    # someone changes the figure after the copy was made
    assert workflow.change_value(approved, pct, version=copied, value=approved.value + 0.5,
                                 reason="ONS revision").saved
    row = {"indicator": "HW 02", "area": GATESHEAD, "period": approved.period,
           "value": str(approved.value + 1), "version": str(copied)}
    result = import_table(table([row]), source="f.csv", user=pct, reason="fix")
    problem = only_problem(result)
    assert (problem.row, problem.column, problem.message) == (
        2, "version", f"this figure has been changed since your copy was made (your version "
                      f"{copied}, now {copied + 1}); download it again")
