"""The demo partners' published spending: real figures, every line mapped once, no pound lost."""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from joinedup.demo import finance_sources as fs
from joinedup.demo.finance_sources import (
    FINANCE_DIR,
    FinanceDataError,
    allocated_lines,
    excluded_services,
    published_spend,
    service_themes,
    spend_by_theme,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
RSX_TIDY = (SHARED_DATA / "finance/revenue_budget_outturn_2021_2024"
            / "tidy_rsx_net_current_expenditure_gateshead_comparators_police_fire.csv")
LINE = ["organisation", "financial_year", "source", "service", "spend_kind", "measure"]
GROUP = ["organisation", "financial_year", "spend_kind", "stream_kind", "measure"]


def amount(organisation: str, year: str, service: str, source: str | None = None) -> int:
    rows = published_spend().filter(
        (pl.col("organisation") == organisation) & (pl.col("financial_year") == year)
        & (pl.col("service") == service))
    if source:
        rows = rows.filter(pl.col("source") == source)
    assert rows.height == 1, rows
    return rows["amount_pounds"].item()


# --- the published figures -------------------------------------------------------------

def test_gateshead_area_based_grant_2010_11():
    row = published_spend().filter(pl.col("service") == "Area Based Grant (ABG)")
    assert row.select("organisation", "financial_year", "source", "stream_kind", "measure",
                      "amount_pounds").rows() == [
        ("gateshead-council", "2010/11", "rs-2010-11", "area_based_grant", "outturn",
         23_155_000)]


def test_gateshead_total_service_spending_per_rsx():
    assert [amount("gateshead-council", year, "Total Service Expenditure")
            for year in ("2021/22", "2022/23", "2023/24")] == [
        340_735_000, 349_666_000, 392_876_000]


def test_gateshead_rs_2010_11_service_lines():
    assert amount("gateshead-council", "2010/11", "Education services") == 171_755_000
    assert amount("gateshead-council", "2010/11", "Social care") == 100_048_000
    assert amount("gateshead-council", "2010/11",
                  "TOTAL SERVICE EXPENDITURE (TOTAL OF LINES 190 TO 698)") == 377_461_000


def test_gateshead_budgets_and_capital():
    assert amount("gateshead-council", "2021/22", "TOTAL SERVICE EXPENDITURE") == 325_935_000
    assert amount("gateshead-council", "2023/24", "TOTAL SERVICE EXPENDITURE") == 379_166_000
    assert amount("gateshead-council", "2009/10",
                  "TOTAL EXPENDITURE/INCOME (ACCRUALS) (lines 1 to 11)") == 153_170_000
    assert amount("gateshead-council", "2010/11", "TOTAL EXPENDITURE/INCOME (ACCRUALS)") \
        == 149_836_000


def test_police_and_fire_revenue_outturn():
    assert amount("northumbria-police", "2010/11", "Police services") == 327_807_000
    assert amount("northumbria-police", "2023/24", "Police services") == 367_101_000
    assert amount("tyne-and-wear-fire", "2010/11", "Fire and rescue services",
                  "rs-2010-11") == 56_156_000
    assert amount("tyne-and-wear-fire", "2010/11", "Fire and rescue services",
                  "cor-2010-11") == 3_892_000
    assert amount("tyne-and-wear-fire", "2021/22", "Total Service Expenditure") == 55_058_000


def test_nhs_gateshead_allocations():
    assert amount("nhs-gateshead", "2010/11", "PCT revenue allocation") == 376_601_000
    assert amount("nhs-gateshead", "2013/14", "CCG programme allocation") == 280_879_000
    nhs = published_spend().filter(pl.col("organisation") == "nhs-gateshead")
    assert nhs["financial_year"].to_list() == [
        f"{y}/{(y + 1) % 100:02d}" for y in range(2003, 2016)]
    assert set(nhs["measure"]) == {"allocation"}


def test_every_amount_is_whole_pounds_from_thousands():
    spend = published_spend()
    assert spend.height == 487
    assert spend["amount_pounds"].dtype == pl.Int64
    assert (spend["amount_pounds"] % 1000 == 0).all()
    assert (spend["amount_pounds"] != 0).all()


def test_service_lines_add_up_to_each_published_total():
    spend = published_spend()
    totals = set(excluded_services().filter(pl.col("kind") == "total")["service"])
    lines = spend.filter(pl.col("stream_kind") == "mainstream")
    by_total = lines.filter(pl.col("service").is_in(sorted(totals)))
    by_lines = (lines.filter(~pl.col("service").is_in(sorted(totals)))
                .group_by("organisation", "source").agg(pl.col("amount_pounds").sum()))
    joined = by_total.join(by_lines, on=["organisation", "source"], suffix="_lines")
    assert joined.height == by_total.height == 45  # 15 publications x 3 bodies
    assert (joined["amount_pounds"] == joined["amount_pounds_lines"]).all()


@pytest.mark.skipif(not RSX_TIDY.exists(), reason="the shared public data is not here")
def test_rsx_lines_agree_with_the_tidy_extract():
    slugs = {"E08000037": "gateshead-council", "E23000007": "northumbria-police",
             "E31000043": "tyne-and-wear-fire"}
    spend = published_spend().filter(pl.col("source").str.starts_with("rsx-"))
    mine = {(o, y, ref.rsplit(" ", 1)[1]): a for o, y, ref, a in
            spend.select("organisation", "financial_year", "source_ref", "amount_pounds").rows()}
    with RSX_TIDY.open(encoding="utf-8-sig", newline="") as handle:
        theirs = {(slugs[r["ons_code"]], r["year"].replace("-", "/"), r["item_code"]):
                  int(r["net_current_expenditure_gbp_thousand"].replace(",", "")) * 1000
                  for r in csv.DictReader(handle) if r["ons_code"] in slugs}
    assert mine == {k: v for k, v in theirs.items() if v != 0}


# --- the mapping ----------------------------------------------------------------------

def test_mapping_covers_every_published_service_once():
    mapped = set(service_themes()["service"])
    excluded = set(excluded_services()["service"])
    assert not mapped & excluded
    assert set(published_spend()["service"]) == mapped | excluded
    assert len(mapped) == 134 and len(excluded) == 24


def test_shares_add_up_to_one_and_themes_are_the_catalogues():
    themes = service_themes()
    sums = {s: sum(Fraction(str(x)) for x in g["share"])
            for (s,), g in themes.group_by("service")}
    assert set(sums.values()) == {1}
    assert set(themes["theme"]) == {
        "prosperous-gateshead", "active-and-healthy-gateshead", "safer-gateshead",
        "children-and-young-people", "sustainable-gateshead", "independent-living",
        "narrowing-the-gap"}
    assert themes.filter(pl.col("service") == "Social care").select(
        "theme", "share").rows() == [("children-and-young-people", 0.28),
                                     ("independent-living", 0.72)]


def test_excluded_lines_are_not_in_theme_totals():
    excluded = set(excluded_services()["service"])
    assert not excluded & set(allocated_lines()["service"])
    assert {"Area Based Grant (ABG)", "Central services", "TOTAL SERVICE EXPENDITURE",
            "Total Service Expenditure"} <= excluded
    assert set(spend_by_theme()["stream_kind"]) == {"mainstream"}


def test_each_line_is_kept_exactly_when_divided_between_themes():
    parts = allocated_lines().group_by(LINE).agg(pl.col("amount_pounds").sum())
    mapped = published_spend().filter(
        pl.col("service").is_in(sorted(set(service_themes()["service"]))))
    joined = mapped.join(parts, on=LINE, suffix="_parts")
    assert joined.height == mapped.height == 341
    assert (joined["amount_pounds"] == joined["amount_pounds_parts"]).all()


def test_theme_totals_equal_the_published_total_of_mapped_lines():
    mapped = (published_spend()
              .filter(pl.col("service").is_in(sorted(set(service_themes()["service"]))))
              .group_by(GROUP).agg(pl.col("amount_pounds").sum()))
    themed = spend_by_theme().group_by(GROUP).agg(pl.col("amount_pounds").sum())
    assert mapped.sort(GROUP).equals(themed.sort(GROUP))


def test_gateshead_2010_11_revenue_by_theme():
    rows = spend_by_theme("2010/11").filter(
        (pl.col("organisation") == "gateshead-council") & (pl.col("spend_kind") == "revenue"))
    assert dict(rows.select("theme", "amount_pounds").rows()) == {
        "children-and-young-people": 199_768_440,  # education + 28% of social care
        "independent-living": 74_531_760,
        "sustainable-gateshead": 40_167_290,
        "active-and-healthy-gateshead": 15_501_000,
        "prosperous-gateshead": 9_578_950,
        "narrowing-the-gap": 6_871_660,
        "safer-gateshead": 1_726_900,
    }
    # 377,461,000 of services less central services (26,123,000) and other (3,192,000)
    assert rows["amount_pounds"].sum() == 348_146_000


def test_year_may_be_written_either_way_but_must_be_a_financial_year():
    assert spend_by_theme("2010-11").equals(spend_by_theme("2010/11"))
    with pytest.raises(ValueError, match="not a financial year"):
        spend_by_theme("2010")


def test_largest_remainder_keeps_the_total():
    third = Fraction(1, 3)
    assert fs._largest_remainder(100, [third] * 3) == [34, 33, 33]
    assert fs._largest_remainder(-100, [third] * 3) == [-33, -33, -34]
    assert fs._largest_remainder(7, [Fraction(1, 2)] * 2) == [4, 3]
    assert fs._largest_remainder(1_000, [Fraction(7, 100), Fraction(93, 100)]) == [70, 930]


# --- checks on load -------------------------------------------------------------------

@pytest.fixture
def finance_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "finance"
    shutil.copytree(FINANCE_DIR, copy)
    return copy


def test_an_unmapped_service_is_named(finance_copy: Path):
    path = finance_copy / "service_themes.toml"
    text = path.read_text()
    entry = ('[[service]]\nname = "Waste disposal"\ntheme = "sustainable-gateshead"\n'
             'reason = "waste and landfill"\n\n')
    assert entry in text
    path.write_text(text.replace(entry, ""))
    with pytest.raises(FinanceDataError, match=r"'Waste disposal' \(in ra-2021-22\)"):
        published_spend(finance_copy)


def test_shares_that_do_not_add_up_are_refused(finance_copy: Path):
    path = finance_copy / "service_themes.toml"
    text = path.read_text()
    path.write_text(text.replace(
        'share = 0.28, reason = "children\'s social care: 28%',
        'share = 0.27, reason = "children\'s social care: 28%'))
    with pytest.raises(FinanceDataError, match="'Social care': shares add up to 0.99, not 1"):
        spend_by_theme(directory=finance_copy)


def test_the_reader_needs_no_django():
    code = ("import sys, joinedup.demo.finance_sources as f; f.spend_by_theme(); "
            "print(any(m.split('.')[0] == 'django' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={k: v for k, v in os.environ.items()
                                         if k != "DJANGO_SETTINGS_MODULE"})
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(not SHARED_DATA.is_dir() or importlib.util.find_spec("xlrd") is None,
                    reason="needs the shared public data and xlrd to read its .xls files")
def test_shipped_extract_is_exactly_what_the_script_makes(tmp_path: Path):
    subprocess.run([sys.executable, str(REPO / "scripts/extract-demo-finance"),
                    str(SHARED_DATA), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    made = (tmp_path / "published_spend.csv").read_bytes()
    assert made == (FINANCE_DIR / "published_spend.csv").read_bytes()
