"""The spend return: read, checked every row at once, apportioned, saved all or none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from joinedup.history.models import Change
from joinedup.places.models import Area
from joinedup.resources.models import BudgetLine
from joinedup.resources.spend_import import import_spend_file

from .helpers import GATESHEAD, csv_of, pool, row, stream

pytestmark = pytest.mark.django_db


def counts():
    return BudgetLine.objects.count(), Change.objects.count()


@pytest.fixture
def streams(db):
    stream()
    stream("nhs-test-stream", partner="nhs-gateshead")
    pool()


def test_a_good_return_is_saved_with_its_history(person, streams):
    finance = person("finance")
    before = counts()
    result = import_spend_file(csv_of([row(), row(area="E05001068", budget="2,500.50")]),
                               "spend.csv", user=finance)
    assert result.errors == [] and result.saved
    assert (result.created, result.changed, result.unchanged) == (2, 0, 0)
    line = BudgetLine.objects.get(area__code="E05001068", description="Test line")
    assert (line.budget, line.actual_q1, line.actual_q2, line.state) == (
        Decimal("2500.50"), Decimal("250.00"), None, "submitted")
    assert counts() == (before[0] + 2, before[1] + 1)
    again = import_spend_file(csv_of([row(), row(area="E05001068", budget="2500.5")]),
                              "spend.csv", user=finance)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 2)
    changed = import_spend_file(csv_of([row(actual_q2="300")]), "spend.csv", user=finance)
    assert (changed.created, changed.changed) == (0, 1)
    line = BudgetLine.objects.get(area__code="E05001067", description="Test line")
    change = Change.objects.for_object(line).get(action="update")
    assert (change.before["actual_q2"], change.after["actual_q2"]) == (None, "300.00")


@pytest.mark.parametrize("change, column, message", [
    ({"partner": "acme"}, "partner", "unknown partner 'acme'"),
    ({"stream": "nope"}, "stream", "unknown funding stream 'nope'"),
    ({"theme": "nope"}, "theme", "unknown theme 'nope'"),
    ({"area": "E99999999"}, "area", "unknown area 'E99999999'"),
    ({"outcome": "More people in work"}, "outcome",
     "'More people in work' is not an outcome of the theme 'active-and-healthy-gateshead'"),
    ({"financial_year": "2023/25"}, "financial_year",
     "'2023/25' is not a financial year: write it as 2009/10"),
    ({"budget": ""}, "budget", "budget is missing; leave the whole row empty to send "
                               "nothing for it"),
    ({"budget": "lots"}, "budget", "'lots' is not an amount in pounds"),
    ({"actual_q1": "-5"}, "actual_q1", "-5.0 is below zero: send spending as a positive "
                                       "amount (income is not a budget line)"),
    ({"budget": "10.005"}, "budget", "10.005 has parts of a penny: give pounds and pence, "
                                     "at most two decimal places"),
    ({"arrangement": "shared"}, "arrangement",
     "'shared' is not an arrangement: write single, aligned or pooled"),
    ({"arrangement": "pooled"}, "pool", "a pooled line names the pooled budget it is spent "
                                        "from"),
    ({"pool": "test-pool"}, "pool", "only a pooled line names a pooled budget: set "
                                    "arrangement to pooled, or clear the pool"),
    ({"illustrative": "maybe"}, "illustrative", "'maybe' is not yes or no"),
    ({"partner": "nhs-gateshead"}, "partner", "you may send spend lines only for your own "
     "organisation (Gateshead Council), not for 'nhs-gateshead'"),
    ({"apportioned_by": "postcode"}, "apportioned_by",
     "'postcode' is not a base to apportion by: write population, need, or caseload: "
     "followed by an indicator code (caseload: HW 02)"),
])
def test_each_error_names_row_and_column_and_writes_nothing(person, streams, change, column,
                                                             message):
    if change.get("apportioned_by"):
        change = {"area": GATESHEAD, **change}
    before = counts()
    result = import_spend_file(csv_of([row(), row(**change)]), "spend.csv",
                               user=person("finance"))
    assert not result.saved
    assert [str(p) for p in result.problems] == [f"spend.csv:3:{column}: {message}"]
    assert counts() == before


def test_a_repeated_line_points_at_the_first(person, streams):
    result = import_spend_file(csv_of([row(), row(description="again")]), "spend.csv",
                               user=person("finance"))
    assert [str(p) for p in result.problems] == [
        "spend.csv:3:: this line repeats row 2 (the same partner, stream, theme, outcome, "
        "area, year and arrangement): send it once"]


def test_a_district_total_is_spread_over_its_wards_to_the_penny(person, streams):
    result = import_spend_file(csv_of([row(area=GATESHEAD, budget="100000.01",
                                           actual_q1="333.33", apportioned_by="population")]),
                               "spend.csv", user=person("finance"))
    assert result.errors == [] and result.saved
    lines = BudgetLine.objects.filter(description="Test line")
    wards = Area.objects.filter(level="ward", parent__parent__code=GATESHEAD)
    assert lines.count() == wards.count() == 22
    assert sum(line.budget for line in lines) == Decimal("100000.01")
    assert sum(line.actual_q1 for line in lines) == Decimal("333.33")
    assert {line.apportioned_by for line in lines} == {"population"}
    total_population = sum(w.population for w in wards)
    birtley = lines.get(area__code="E05001067")
    exact = Decimal("100000.01") * birtley.area.population / total_population
    assert abs(birtley.budget - exact) < Decimal("0.01")


def test_export_and_import_round_trip_unchanged(person, streams, tmp_path):
    from django.core.management import call_command

    finance = person("finance")
    held = BudgetLine.objects.visible_to(finance).filter(financial_year="2023/24").count()
    sent = [row(theme="safer-gateshead"), row(area=GATESHEAD, budget="1234.57", apportioned_by="need",
                       description="Spread by need"),
            row(stream="nhs-test-stream", partner="gateshead-council", arrangement="pooled",
                pool="test-pool", outcome="Children grow up a healthy weight",
                illustrative="yes", description="Pooled")]
    assert import_spend_file(csv_of(sent), "spend.csv", user=finance).saved
    first = tmp_path / "first.csv"
    call_command("export_spend", "--user", "finance.officer", "--year", "2023/24",
                 "--out", str(first))
    before = counts()
    call_command("import_spend", str(first), "--user", "finance.officer")
    assert counts() == before
    second = tmp_path / "second.csv"
    call_command("export_spend", "--user", "finance.officer", "--year", "2023/24",
                 "--out", str(second))
    assert second.read_bytes() == first.read_bytes()
    # the header, the lines held already, and the three sent (one spread over 22 wards)
    assert first.read_text(encoding="utf-8-sig").count("\n") == 1 + held + 1 + 22 + 1


def test_one_bad_row_among_ten_thousand_writes_nothing(person, streams):
    wards = list(Area.objects.filter(level__in=["ward", "lsoa"]).values_list("code", flat=True))
    rows = [row(area=wards[i % len(wards)], financial_year=f"{1900 + i // len(wards)}/"
                f"{(1901 + i // len(wards)) % 100:02d}", budget=str(100 + i))
            for i in range(10_000)]
    rows[5_000] = dict(rows[5_000], budget="12,5")
    before = counts()
    result = import_spend_file(csv_of(rows), "big.csv", user=person("finance"))
    assert [str(p) for p in result.problems] == ["big.csv:5002:budget: '12,5' is not an "
                                                 "amount in pounds"]
    assert counts() == before
    rows[5_000] = dict(rows[5_000], budget="125")
    result = import_spend_file(csv_of(rows), "big.csv", user=person("finance"))
    assert result.saved and result.created == 10_000
    assert counts() == (before[0] + 10_000, before[1] + 1)


@pytest.mark.parametrize("data, name, row, column, message", [
    (b"", "empty.csv", 0, "", "The file is empty (0 bytes). Check you chose the right file."),
    (b"partner,stream,theme,area,financial_year,budget\r\n", "header.csv", 0, "",
     "The file has a header row but no figures below it: add one row for each figure, "
     "starting at row 2."),
    (b"%PDF-1.4 binary\x00\x01", "spend.pdf", 0, "",
     "This file is a PDF document, not a returns file. Send a CSV file (.csv) or an Excel "
     "workbook (.xlsx)."),
    (b"partner;stream;theme;area;financial_year;budget\nx;y;z;a;b;c\n", "semi.csv", 1, "",
     "The columns are separated by semicolons, but a CSV file must use commas. In Excel, "
     "choose File, Save As, and the type \u201cCSV UTF-8 (Comma delimited)\u201d, or choose "
     "\u201c,\u201d as the separator when you export."),
    (b"what,is,this\n1,2,3\n", "other.csv", 1, "",
     "Row 1 should be the header row naming the columns (partner, stream, theme, area, "
     "financial_year, budget \u2026), but none of its cells is a column name: it reads "
     "\u201cwhat, is, this\u201d. Add a header row above the figures; the template has one."),
    (b"partner,stream,theme,area,budget\ngateshead-council,s,t,a,5\n", "short.csv", 1,
     "financial_year", "the column financial_year is missing: the header row must name it "
     "(the template has every column)"),
])
def test_unreadable_files_are_refused_and_nothing_is_written(person, data, name, row,
                                                             column, message):
    before = counts()
    result = import_spend_file(data, name, user=person("finance"))
    assert not result.saved
    assert [(p.file, p.row, p.column, p.message) for p in result.problems] == [
        (name, row, column, message)]
    assert counts() == before


def test_real_export_quirks_and_excel_numbers_are_read(person, streams):
    import io

    import openpyxl

    quirky = ("\ufeffPartner,Stream,Theme,Area,Financial Year,Budget,Actual-Q1\r\n"
              "gateshead-council,council-test-stream,active-and-healthy-gateshead,"
              'e05001067 ,2023/24,"1,250.50", 100 \r\n').encode()
    result = import_spend_file(quirky, "quirky.csv", user=person("finance"))
    assert result.errors == [] and result.created == 1
    line = BudgetLine.objects.get(stream__slug="council-test-stream")
    assert (line.area.code, line.budget, line.actual_q1) == ("E05001067", Decimal("1250.50"),
                                                             Decimal("100.00"))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Spend"
    sheet.append(["partner", "stream", "theme", "area", "financial_year", "budget",
                  "actual_q1"])
    sheet.append(["gateshead-council", "council-test-stream", "active-and-healthy-gateshead",
                  "E05001068", "2023/24", 2000.1, "300"])
    out = io.BytesIO()
    book.save(out)
    result = import_spend_file(out.getvalue(), "spend.xlsx", user=person("finance"))
    assert result.errors == [] and result.created == 1
    line = BudgetLine.objects.get(stream__slug="council-test-stream", area__code="E05001068")
    assert (line.budget, line.actual_q1) == (Decimal("2000.10"), Decimal("300.00"))
