"""Every kind of bad input is named by file, row and column, and nothing is written."""

from __future__ import annotations

import io

import openpyxl
import pytest

from joinedup.history.models import Change
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


@pytest.mark.parametrize("change, column, words", [
    ({"indicator": "HW 99"}, "indicator", "unknown indicator code 'HW 99'"),
    ({"area": "E99999999"}, "area", "unknown area code 'E99999999'"),
    ({"period": "the spring"}, "period", "'the spring' is not a period"),
    ({"value": "twelve"}, "value", "'twelve' is not a number"),
    ({"value": "NaN"}, "value", "'NaN' is not a number"),
    ({"value": "-4"}, "value", "-4 is negative, and HW 02 cannot be below zero"),
    ({"value": None, "note": "late"}, "value", "value is missing"),
    ({"area": None}, "area", "area is missing"),
    ({"numerator": "30", "denominator": "20"}, "numerator",
     "numerator 30 is greater than the denominator 20"),
    ({"denominator": "0", "numerator": "0"}, "denominator", "above zero"),
    ({"lower_ci": "99"}, "lower_ci", "lower confidence limit is above the value"),
    ({"numerator": "ten", "denominator": "20"}, "numerator", "'ten' is not a number"),
])
def test_each_error_names_row_and_column_and_writes_nothing(person, change, column, words):
    before = counts()
    rows = [a_good_row(), a_good_row(**change)]
    rows[0]["period"] = "2099/00"   # two different rows, so no duplicate
    result = import_table(table(rows), source="figures.csv", user=person("pct"))
    problem = only_problem(result)
    assert (problem.file, problem.row, problem.column) == ("figures.csv", 3, column)
    assert words in problem.message
    assert str(problem).startswith(f"figures.csv:3:{column}: ")
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
    assert problem.column == "period"
    assert "is not a return expected in Test round" in problem.message
    ok = import_table(table([a_good_row()]), source="f.csv", user=pct,
                      collection_round=collection_round)
    assert ok.saved and ok.created == 1


def test_someone_elses_indicator_is_refused_and_a_hidden_one_is_unknown(person):
    pct = person("pct")
    police_public = a_good_row("SC 03", value="5")
    result = import_table(table([police_public]), source="f.csv", user=pct)
    assert "you cannot send figures for SC 03" in only_problem(result).message
    hidden = {"indicator": "SC 02", "area": GATESHEAD, "period": "2030/31", "value": "1"}
    result = import_table(table([hidden]), source="f.csv", user=person("board"))
    # the board member's organisation cannot see SC 02: it must not even learn it exists
    assert only_problem(result).message == "unknown indicator code 'SC 02'"


def test_missing_and_unknown_columns(person):
    result = import_table(table([{"indicator": "HW 02", "area": GATESHEAD, "value": "1",
                                  "colour": "red"}]), source="f.csv", user=person("pct"))
    found = {(p.row, p.column) for p in result.problems}
    assert found == {(1, "period"), (1, "colour")}


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


@pytest.mark.parametrize("data, name, words", [
    (b"", "empty.csv", "empty"),
    (b"indicator,area,period,value\r\n", "header.csv", ""),
    (b"%PDF-1.4 binary\x00\x01", "figures.pdf", ""),
    ("indicator,area,period,value\nHW 02,E08000037,2018/19,caf\xe9\n".encode("latin-1"),
     "latin.csv", "UTF-8"),
    (b"PK\x03\x04 this is not really a workbook", "broken.xlsx", ""),
])
def test_unreadable_files_are_rejected_and_kept(person, data, name, words):
    before = counts()
    result = import_file(data, name, user=person("pct"))
    assert not result.saved and result.errors
    assert all(p.file == name for p in result.problems)
    assert words in " ".join(p.message for p in result.problems)
    assert counts() == before
    kept = Upload.objects.get(pk=result.upload.pk)
    assert bytes(kept.content) == data and kept.outcome == Upload.Outcome.REJECTED
    assert kept.problems


def test_an_outlier_needs_a_note(person):
    pct = person("pct")
    row = a_good_row(value=str(latest("HW 02").value * 3))
    result = import_table(table([row]), source="f.csv", user=pct)
    assert not result.saved and not result.errors
    (warning,) = result.warnings
    assert warning.column == "value" and "out of line" in warning.message
    result = import_table(table([row]), source="f.csv", user=pct, note="new survey method")
    assert result.saved
    assert DataValue.objects.get(pk=result.value_ids[0]).note == "new survey method"


def test_an_approved_figure_needs_a_reason_to_change(person):
    pct = person("pct")
    approved = latest("HW 02")
    row = {"indicator": "HW 02", "area": GATESHEAD, "period": approved.period,
           "value": str(approved.value + 0.1)}
    result = import_table(table([row]), source="f.csv", user=pct)
    assert "approved and locked; changing it needs a reason" in only_problem(result).message
    result = import_table(table([row]), source="f.csv", user=pct, reason="ONS revision")
    assert result.saved and result.changed == 1
    approved.refresh_from_db()
    assert approved.state == "draft" and approved.version == 2
    change = Change.objects.for_object(approved).first()
    assert change.reason == "ONS revision" and change.actor == "pct.analyst"
    assert change.before["value"] != change.after["value"]
    assert change.after["value"] == float(row["value"])


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
    approved = latest("HW 02")
    row = {"indicator": "HW 02", "area": GATESHEAD, "period": approved.period,
           "value": str(approved.value + 1), "version": str(approved.version - 1 or 99)}
    result = import_table(table([row]), source="f.csv", user=person("pct"), reason="fix")
    problem = only_problem(result)
    assert problem.column == "version" and "changed since your copy" in problem.message
