"""Locality profiles: every figure on them is the one the data gives, nothing hidden
leaks, and the PDF holds the same sections."""

from __future__ import annotations

import re
import subprocess

import pytest

from joinedup.assessment.models import Assessment
from joinedup.places.models import Area
from joinedup.reports.profiles import inside, profile
from joinedup.resources.models import BudgetLine
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db
FELLING, FELLING_LSOA, GATESHEAD = "E05001076", "E01008212", "E08000037"


def lsoas_of(code: str) -> list[Area]:
    area = Area.objects.get(code=code)
    return list(Area.objects.filter(pk__in=inside(area), level="lsoa"))


def test_a_wards_ages_and_deprivation_are_summed_from_its_lsoas(person):
    found = profile(Area.objects.get(code=FELLING), person("officer"))
    lsoas = lsoas_of(FELLING)
    assert found.lsoas == len(lsoas) == 5
    totals = {age: sum(a.age_bands[age] for a in lsoas)
              for age in ("aged_0_15", "aged_16_64", "aged_65_plus")}
    assert [(label, people) for label, people, _ in found.ages] == [
        ("0 to 15", totals["aged_0_15"]), ("16 to 64", totals["aged_16_64"]),
        ("65 and over", totals["aged_65_plus"])]
    people = sum(a.population for a in lsoas)
    imd = next(r for r in found.deprivation if r["measure"] == "Index of Multiple Deprivation")
    assert imd["average_rank"] == pytest.approx(
        sum(a.imd_rank * a.population for a in lsoas) / people, rel=1e-12)
    assert imd["most_deprived_10"] == pytest.approx(
        sum(a.population for a in lsoas if a.imd_rank <= 3284) / people, rel=1e-12)


def test_an_lsoas_profile_gives_its_own_ranks_and_deciles(person):
    lsoa = Area.objects.get(code=FELLING_LSOA)
    found = profile(lsoa, person("officer"))
    ranks = {r["measure"]: (r["average_rank"], r["decile"]) for r in found.deprivation}
    assert ranks["Index of Multiple Deprivation"] == (lsoa.imd_rank, lsoa.imd_decile)
    assert ranks["Crime"][0] == lsoa.deprivation_domains["crime"]
    assert len(ranks) == 8


def test_each_indicator_sits_beside_its_parent_and_england_for_the_same_period(person):
    officer = person("officer")
    found = profile(Area.objects.get(code=FELLING), officer)
    latest = Assessment.objects.filter(area__code=FELLING, is_latest=True)
    assert [r["indicator"].code for r in found.indicators] == sorted(
        latest.values_list("indicator__code", flat=True))
    row = found.indicators[0]
    parent = Assessment.objects.filter(indicator=row["indicator"], area__code="GSP-LOC-EAST",
                                       period=row["assessment"].period).first()
    england = Assessment.objects.filter(indicator=row["indicator"], area__code="E92000001",
                                        period=row["assessment"].period).first()
    assert (row["parent"], row["england"]) == (parent.value if parent else None,
                                               england.value if england else None)
    measured = {r["indicator"].pk for r in found.indicators}
    assert [i.code for i in found.not_measured] == [
        i.code for i in Indicator.objects.order_by("code")
        if "ward" in (i.area_levels or []) and i.pk not in measured]


def test_the_districts_spend_per_head_is_its_lines_over_its_people(person):
    district = Area.objects.get(code=GATESHEAD)
    found = profile(district, person("officer"))
    lines = BudgetLine.objects.filter(area_id__in=inside(district),
                                      financial_year=found.spend_year)
    total = float(sum(line.budget for line in lines))
    assert found.spend_total == pytest.approx(total, rel=1e-12)
    assert found.spend_per_head == pytest.approx(total / district.population, rel=1e-12)


def test_a_visitor_signed_out_sees_no_restricted_indicator_exception_or_risk(client_as):
    page = client_as(None).get(f"/areas/{GATESHEAD}/profile/")
    text = page.content.decode()
    assert page.status_code == 200
    hidden = Indicator.objects.exclude(visibility="public")
    assert [i.code for i in hidden if f">{i.code} " in text] == []
    assert "No open exception is flagged here that you may see" in text
    assert "No risk is held by a body covering Gateshead that you may see" in text


def test_the_pdf_holds_the_profiles_sections(client_as, tmp_path):
    answer = client_as("officer").get(f"/areas/{FELLING}/profile.pdf")
    assert (answer.status_code, answer["Content-Type"]) == (200, "application/pdf")
    pdf = tmp_path / "felling.pdf"
    pdf.write_bytes(answer.content)
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                              capture_output=True, text=True).stdout)
    places = [text.find(part) for part in (
        "Ward profile", "Felling", "People and deprivation", "Indicators", "Spend",
        "Open exceptions and risks", "Forums, residents' priorities and operations")]
    assert -1 not in places and places == sorted(places)
