"""``joinedup assess --period P``: what the pages show for P, worked out again; nothing stored."""

from __future__ import annotations

import io
from collections import Counter

import polars as pl
import pytest
from django.core.management import call_command
from django.db.models import Count

from joinedup.assessment.models import Assessment, AssessmentRun
from joinedup.assessment.services import RESULT_FIELDS, run_assessment
from joinedup.core.parameters import AssessmentParameters
from joinedup.core.periods import parse_period
from joinedup.strategy.models import Indicator

pytestmark = pytest.mark.django_db

COMPARED = [*RESULT_FIELDS, "is_latest"]


def printed(*args: str) -> pl.DataFrame:
    out = io.StringIO()
    call_command("assess", *args, "--format", "csv", "--quiet", stdout=out)
    # As text, so that each cell is compared with the stored field on the field's own terms.
    return pl.read_csv(io.StringIO(out.getvalue()), infer_schema=False)


def assert_rows_equal_stored(rows: pl.DataFrame, stored) -> None:
    """Each printed row equals the stored row for its indicator, area and period."""
    by_key = {(a.indicator.code, a.area.code, a.period): a
              for a in stored.select_related("indicator", "area")}
    assert sorted(zip(rows["indicator"], rows["area"], rows["period"], strict=True)) == sorted(
        by_key)
    for row in rows.iter_rows(named=True):
        assessment = by_key[(row["indicator"], row["area"], row["period"])]
        for name in COMPARED:
            kind = Assessment._meta.get_field(name).get_internal_type()
            want, text = getattr(assessment, name), row[name]
            where = (row["indicator"], row["area"], row["period"], name)
            if kind == "FloatField":
                assert (None if text is None else float(text)) == (
                    None if want is None else pytest.approx(want, rel=1e-9)), where
            elif kind == "BooleanField":
                assert text == str(want).lower(), where
            elif kind == "PositiveSmallIntegerField":
                assert int(text) == want, where
            else:
                assert (text or "") == want, where


def stored_for(period: str, **filters):
    chosen = parse_period(period)
    return Assessment.objects.filter(period_start=chosen.start, period_end=chosen.end,
                                     **filters)


def test_every_figure_the_pages_show_for_a_period_is_reproduced_and_nothing_stored():
    busiest = (Assessment.objects.values("period").annotate(n=Count("pk"))
               .order_by("-n", "period").first())
    # mid-2020: the populations of NG 07 and IL 08, 158 areas each
    assert (busiest["period"], busiest["n"]) == ("mid-2020", 316)
    runs = AssessmentRun.objects.count()
    before = set(Assessment.objects.values_list("pk", "run_id"))
    rows = printed("--period", busiest["period"])
    assert rows.height == busiest["n"]
    assert_rows_equal_stored(rows, stored_for(busiest["period"]))
    assert AssessmentRun.objects.count() == runs
    assert set(Assessment.objects.values_list("pk", "run_id")) == before


def test_a_period_is_chosen_by_its_dates_however_it_is_written():
    rows = printed("--period", "2016-04-01/P1Y")
    assert set(rows["period"]) == {"2016/17"}
    assert_rows_equal_stored(rows, stored_for("2016/17"))


def test_the_stored_run_s_parameters_are_used():
    hw02 = Indicator.objects.get(code="HW 02")
    wider = AssessmentParameters().with_changes(spc={"limit_multiplier": 3.5})
    run_assessment(indicator=hw02, parameters=wider)
    rows = printed("--period", "2015/16", "--indicator", "HW 02")
    stored = stored_for("2015/16", indicator=hw02)
    assert rows.height == stored.count() == 5  # Gateshead, its three neighbours, England
    assert_rows_equal_stored(rows, stored)


def test_a_run_cut_at_a_period_is_reproduced_cut_at_it():
    hw02 = Indicator.objects.get(code="HW 02")
    run_assessment(indicator=hw02, as_at_period="2012/13")
    rows = printed("--period", "2012/13", "--indicator", "HW 02")
    stored = stored_for("2012/13", indicator=hw02)
    assert stored.filter(is_latest=True).count() == stored.count() == 5
    assert_rows_equal_stored(rows, stored)


def test_an_indicator_with_no_stored_results_prints_nothing():
    Assessment.objects.filter(indicator__code="HW 02").delete()
    rows = printed("--period", "2015/16")
    assert rows.height == stored_for("2015/16").count()
    assert "HW 02" not in set(rows["indicator"])


def test_the_summary_says_nothing_was_stored():
    out = io.StringIO()
    call_command("assess", "--period", "2016-17", "--indicator", "HW 02", "--quiet", stdout=out)
    rows = stored_for("2016/17", indicator__code="HW 02")
    counted = Counter(rows.values_list("status", flat=True))
    statuses = ", ".join(f"{counted[status]} {status}" for status in sorted(counted))
    assert out.getvalue() == (f"Reproduced {rows.count()} stored figures for 2016/17 "
                              f"({statuses}); nothing stored.\n")


def test_as_at_a_period_assesses_only_figures_up_to_it_and_stores_them():
    out = io.StringIO()
    call_command("assess", "--as-at", "2012/13", "--indicator", "HW 02", "--quiet", stdout=out)
    run = AssessmentRun.objects.order_by("-pk").first()
    assert (run.as_at_period, run.scope, run.indicator.code) == ("2012/13", "indicator",
                                                                 "HW 02")
    latest = Assessment.objects.filter(indicator__code="HW 02", is_latest=True)
    assert set(latest.values_list("period", flat=True)) == {"2012/13"}
    assert set(latest.values_list("run", flat=True)) == {run.pk}


def test_period_and_as_at_do_not_go_together():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("assess", "--period", "2012/13", "--as-at", "2012/13", "--quiet")
