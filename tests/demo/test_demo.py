"""The demo partnership holds the real published figures, and the shape the issue asks for."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from joinedup.core.periods import parse_period, parse_periods
from joinedup.demo.sources import DATA_DIR
from joinedup.history.models import Change
from joinedup.partnership.models import BROAD_SECTOR, Body, Organisation
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator, Milestone, Target, Theme

pytestmark = pytest.mark.django_db

GATESHEAD = "E08000037"
REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"


def shipped_values(indicator: str, area: str) -> dict[str, float]:
    """Read the shipped file with the csv module alone, independent of the demo builder."""
    with (DATA_DIR / "values.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["indicator"] == indicator and r["area"] == area]
    labels = parse_periods([r["period"] for r in rows])["label"].to_list()
    return {label: float(r["value"]) for label, r in zip(labels, rows, strict=True)}


def stored_values(indicator: str, area: str) -> dict[str, float]:
    return dict(
        DataValue.objects.filter(indicator__code=indicator, area__code=area)
        .order_by("period_start")
        .values_list("period", "value")
    )


def test_year_6_excess_weight_in_gateshead_matches_the_shipped_file():
    expected = shipped_values("HW 02", GATESHEAD)
    # 2007/08 to 2017/18; 2006/07 is not published for Gateshead
    assert list(expected) == [f"{year}/{(year + 1) % 100:02d}" for year in range(2007, 2018)]
    assert stored_values("HW 02", GATESHEAD) == expected


@pytest.mark.parametrize("code,area,first,last,count", [
    ("EC 04", "E08000024", "2001", "2025", 25),
    ("HW 07", "E92000001", "2011-2013", "2022-2024", 12),
    ("SC 02", "E23000007", "2014/15-2016/17", "2022/23-2024/25", 9),
    ("IL 01", "E08000021", "2016/17", "2022/23", 6),
    ("HW 15", GATESHEAD, "2016-04", "2019-03", 36),
    ("NG 01", "E05001076", "2019", "2019", 1),
    ("NG 07", "E01008162", "mid-2015", "mid-2020", 2),
])
def test_other_series_match_the_shipped_file(code, area, first, last, count):
    expected = shipped_values(code, area)
    labels = list(expected)
    assert (labels[0], labels[-1], len(labels)) == (first, last, count)
    assert stored_values(code, area) == expected


def test_confidence_limits_and_counts_are_kept():
    with (DATA_DIR / "values.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle)
                   if r["indicator"] == "EC 01" and r["area"] == GATESHEAD and r["lower_ci"])
    stored = DataValue.objects.get(
        indicator__code="EC 01", area__code=GATESHEAD,
        period_start=parse_period(row["period"]).start,
    )
    assert (stored.lower_ci, stored.upper_ci) == (float(row["lower_ci"]), float(row["upper_ci"]))
    four_hours = DataValue.objects.filter(indicator__code="HW 15", area__code=GATESHEAD).first()
    assert four_hours.numerator <= four_hours.denominator
    assert four_hours.value == pytest.approx(
        100 * four_hours.numerator / four_hours.denominator, abs=0.005)


def test_every_value_of_every_indicator_is_stored(demo_sources):
    assert DataValue.objects.count() == demo_sources.values.height
    assert DataValue.objects.exclude(state=DataValue.State.APPROVED).count() == 0


def test_places_are_gateshead_with_its_wards_and_lsoas():
    gateshead = Area.objects.get(code=GATESHEAD)
    wards = Area.objects.filter(level="ward", parent__parent=gateshead)
    lsoas = Area.objects.filter(level="lsoa", parent__in=wards)
    assert wards.count() == 22
    assert lsoas.count() == 126
    assert all(area.boundary for area in [*wards, *lsoas, gateshead])
    assert not lsoas.filter(imd_decile__isnull=True).exists()
    assert Area.objects.filter(level="locality", parent=gateshead).count() == 5


def test_imd_share_matches_the_published_district_summary():
    """The district figure (from MHCLG's summary) equals a count over the LSOA deciles."""
    lsoas = Area.objects.filter(level="lsoa")
    counted = 100 * lsoas.filter(imd_decile=1).count() / lsoas.count()
    published = DataValue.objects.get(indicator__code="NG 01", area__code=GATESHEAD, period="2019")
    assert published.value == pytest.approx(counted, abs=0.01)


def test_the_partnership_has_its_layers_and_partners():
    assert Body.objects.filter(kind="board", parent=None).count() == 1
    executive = Body.objects.get(kind="executive")
    assert executive.parent.kind == "board"
    assert set(Body.objects.filter(kind="theme_partnership", parent=executive)
               .values_list("slug", flat=True)) == {
        "prosperous-gateshead", "active-healthy-gateshead", "safer-gateshead",
        "childrens-trust", "sustainable-gateshead", "independent-living"}
    forums = Body.objects.filter(kind="area_forum", parent=executive)
    assert forums.count() == 5
    assert all(forum.area.level == "locality" for forum in forums)
    organisations = Organisation.objects.all()
    # the partnership's 14, and Warwickshire County Council for the seeds' allocation case
    assert organisations.count() == 15
    assert {BROAD_SECTOR[o.sector] for o in organisations} == set(BROAD_SECTOR.values())


def test_indicators_cover_the_themes_with_comparators():
    assert Indicator.objects.count() == 52
    assert list(Theme.objects.filter(cross_cutting=True).values_list("slug", flat=True)) == [
        "narrowing-the-gap"]
    comparators = {"E08000024", "E08000023", "E08000021", "E92000001"}
    with_all = [
        indicator.code for indicator in Indicator.objects.all()
        if comparators | {GATESHEAD} <= set(indicator.values.values_list("area__code", flat=True))
    ]
    # all but eight: IL 01-05 and NG 03 are published for the four districts but not for
    # England, SC 02 for the police force area and England only, and SC 04 for Gateshead
    # and its LSOAs only
    assert len(with_all) == 44


def test_targets_and_quarterly_milestones_are_illustrative():
    targets = Target.objects.all()
    # a target for each of 47 indicators judged against one, and HW 02's reward target;
    # HW 02's own target is a stretch target carrying reward grant
    assert targets.count() == 48
    assert not targets.filter(illustrative=False).exists()
    rewards = Target.objects.filter(indicator__code="HW 02", kind=Target.Kind.REWARD)
    assert [(t.period, t.reward_grant) for t in rewards.order_by("period_start")] == [
        ("2010/11", 500000), ("2019/20", 500000)]
    assert targets.filter(kind=Target.Kind.REWARD).count() == 2
    reward = rewards.get(period="2010/11")
    milestones = Milestone.objects.filter(target=reward).order_by("period_start")
    assert [m.period for m in milestones][:2] == ["2008/09 Q1", "2008/09 Q2"]
    assert milestones.last().period == "2010/11 Q4"
    assert milestones.last().value == pytest.approx(reward.value)
    assert all(parse_period(m.period).kind == "financial_quarter" for m in Milestone.objects.all())


def test_building_again_changes_nothing():
    before = Change.objects.count()
    values = DataValue.objects.count()
    call_command("demo", "--no-migrate", "--quiet", verbosity=0)
    assert Change.objects.count() == before
    assert DataValue.objects.count() == values


def test_building_repairs_a_changed_value_and_records_it():
    value = DataValue.objects.get(indicator__code="HW 02", area__code=GATESHEAD, period="2017/18")
    original = value.value
    DataValue.objects.filter(pk=value.pk).update(value=99.0)
    call_command("demo", "--no-migrate", "--quiet", verbosity=0)
    value.refresh_from_db()
    assert value.value == original
    change = Change.objects.for_object(value).first()
    assert change.actor == "demo builder"
    assert (change.before["value"], change.after["value"]) == (99.0, original)


def test_the_demo_command_shows_progress_and_the_personas(capsys):
    call_command("demo", "--no-migrate")
    captured = capsys.readouterr()
    assert "Building the demo partnership" in captured.err
    for username in ("officer", "pct.analyst", "police.analyst", "theme.lead", "board.member"):
        assert username in captured.out


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="the shared public data is not here")
def test_shipped_data_is_exactly_what_the_extract_script_makes(tmp_path):
    """Re-cut the data from the public sources and compare it byte for byte."""
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    (copy / "src/joinedup/demo/data").mkdir(parents=True)
    (copy / "scripts/extract_demo_data.py").write_text(
        (REPO / "scripts/extract_demo_data.py").read_text())
    (copy / "src/joinedup/demo/data/catalogue.toml").write_text(
        (DATA_DIR / "catalogue.toml").read_text())
    subprocess.run([sys.executable, str(copy / "scripts/extract_demo_data.py"),
                    str(SHARED_DATA)], check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": ""})
    made = copy / "src/joinedup/demo/data"
    for name in ("values.csv", "areas.csv", "boundaries/wards.geojson",
                 "boundaries/lsoas.geojson", "boundaries/districts.geojson"):
        assert (made / name).read_bytes() == (DATA_DIR / name).read_bytes(), name
