"""The engine: every statistic for every row, each equal to its module run on its own."""

from __future__ import annotations

import polars as pl
import pytest

from joinedup.core import engine
from joinedup.core.direction import assess_direction
from joinedup.core.forecast import assess_forecast
from joinedup.core.outliers import assess_outliers
from joinedup.core.parameters import AssessmentParameters
from joinedup.core.schemas import check_polarity, check_targets, check_values
from joinedup.core.spc import assess_spc
from joinedup.core.status import assess_status
from joinedup.demo.sources import DemoSources


@pytest.fixture(scope="module")
def real():
    sources = DemoSources()
    values = check_values(sources.values.select(
        "indicator", "area", "period", "value", "lower_ci", "upper_ci", "numerator",
        "denominator"))
    polarity = check_polarity(pl.DataFrame(
        [(i["code"], i["polarity"]) for i in sources.catalogue["indicator"]], orient="row",
        schema=["indicator", "polarity"]))
    # targets two periods after each series' last value, to exercise forecasts
    last = values.group_by("indicator", "area").agg(pl.col("period_end").max())
    targets = check_targets(last.with_columns(
        period=pl.format("{}/{}", pl.col("period_end").dt.year() + 1,
                         ((pl.col("period_end").dt.year() + 2) % 100).cast(pl.String)
                         .str.zfill(2)),
        target=pl.lit("40"), tolerance=pl.lit("1")).select(
        "indicator", "area", "period", "target", "tolerance"))
    return values, polarity, targets


def test_one_row_out_for_every_row_in_in_the_same_order(real):
    values, polarity, targets = real
    shuffled = values.sample(fraction=1.0, shuffle=True, seed=7)
    out = engine.assess(shuffled, polarity, targets)
    assert out.height == shuffled.height
    assert out.select("indicator", "area", "period").equals(
        shuffled.select("indicator", "area", "period"))
    assert out.columns == list(engine.OUTPUT_COLUMNS)


def assert_frames_close(left: pl.DataFrame, right: pl.DataFrame) -> None:
    """Equal, except floats may differ in their last bits (sums taken in another order)."""
    assert left.columns == right.columns
    for column in left.columns:
        a, b = left[column], right[column]
        if a.dtype == pl.Float64:
            assert (a.is_null() == b.is_null()).all(), column
            both = pl.DataFrame({"a": a, "b": b}).drop_nulls()
            assert ((both["a"] - both["b"]).abs() <= 1e-9 * (1 + both["a"].abs())).all(), column
        else:
            assert a.equals(b), column


def test_results_do_not_depend_on_batching(real):
    values, polarity, targets = real
    whole = engine.assess(values, polarity, targets)
    pieces = engine.assess(values, polarity, targets, batch_rows=50)
    assert_frames_close(whole, pieces)


def test_each_statistic_equals_its_module_run_alone(real):
    values, polarity, targets = real
    params = AssessmentParameters()
    out = engine.assess(values, polarity, targets, params)
    frame = values.join(polarity, on="indicator", how="left").with_columns(
        pl.col("polarity").fill_null("none"))
    alone_status = assess_status(frame, targets, params.status)
    assert out["status"].cast(pl.String).to_list() == alone_status["status"].to_list()
    alone_direction = assess_direction(frame, params.direction)
    assert out["direction"].cast(pl.String).to_list() == alone_direction["direction"].to_list()
    alone_outliers = assess_outliers(frame, params.outliers)
    assert out["outlier"].to_list() == alone_outliers["outlier"].to_list()
    # SPC needs each series' target: the same one the engine chose
    series_target = out.filter(pl.col("is_latest")).select("indicator", "area", "target")
    with_target = frame.join(series_target, on=["indicator", "area"], how="left")
    alone_spc = assess_spc(with_target, params.spc)
    for column in ("spc_signal", "spc_side", "variation", "assurance"):
        assert out[column].cast(pl.String).to_list() == alone_spc[column].cast(
            pl.String).to_list(), column
    assert out["spc_upper"].equals(alone_spc["spc_upper"], check_names=False)


def test_forecasts_sit_on_each_series_last_row_only(real):
    values, polarity, targets = real
    out = engine.assess(values, polarity, targets)
    last = out.filter(pl.col("is_latest"))
    series = values.filter(pl.col("value").is_not_null()).select("indicator", "area").unique()
    assert last.height == series.height
    assert out.filter(~pl.col("is_latest"))["forecast"].null_count() == out.filter(
        ~pl.col("is_latest")).height
    forecast = last.filter(pl.col("forecast").is_not_null())
    # every series with at least 4 figures: the other 435 have too few to forecast
    assert forecast.height == 325
    assert forecast.select(pl.col("^forecast_(lower|upper).*$").null_count()).row(0) == (
        0, 0, 0, 0)
    assert (forecast["forecast_lower95"] <= forecast["forecast_lower80"]).all()
    assert (forecast["forecast_upper80"] <= forecast["forecast_upper95"]).all()
    judged = forecast.filter(pl.col("p_meet_target").is_not_null())
    # all but CY 05's five series, whose polarity is none: no target can be met or missed
    assert judged.height == 320
    assert set(forecast.filter(pl.col("p_meet_target").is_null())["indicator"]) == {"CY 05"}
    assert judged["p_meet_target"].is_between(0, 1).all()


def test_forecast_goes_to_the_next_target_not_yet_passed(real):
    values, polarity, _ = real
    series = values.filter(pl.col("indicator") == "HW 02", pl.col("area") == "E08000037")
    targets = check_targets(pl.DataFrame({
        "indicator": ["HW 02"] * 3, "area": ["E08000037"] * 3,
        "period": ["2010/11", "2019/20", "2021/22"], "target": ["36", "33", "31"]}))
    out = engine.assess(series, polarity, targets).filter(pl.col("is_latest"))
    assert out["forecast_period"][0] == "2019/20"
    assert out["target"][0] == 33.0
    alone = assess_forecast(series.join(polarity, on="indicator").with_columns(
        target=pl.lit(33.0), forecast_start=pl.lit(targets["period_start"][1])))
    assert out["forecast"][0] == pytest.approx(alone["forecast"][0], rel=1e-12)


def test_without_a_target_the_forecast_is_one_step_on(real):
    values, polarity, _ = real
    series = values.filter(pl.col("indicator") == "HW 15", pl.col("area") == "E08000037")
    out = engine.assess(series, polarity, None).filter(pl.col("is_latest"))
    assert out["period"][0] == "2019-03"
    assert out["forecast_period"][0] == "2019-04"
    assert out["p_meet_target"][0] is None


def test_rows_without_a_value_are_kept_and_judged_as_missing():
    values = check_values(pl.DataFrame({
        "indicator": ["a"] * 5, "area": ["x"] * 5,
        "period": ["2015", "2016", "2017", "2018", "2019"],
        "value": ["1", "2", "", "4", "5"]}))
    out = engine.assess(values)
    missing = out.row(2, named=True)
    assert missing["status"] == "grey" and missing["direction"] == "none"
    assert missing["spc_mean"] is None and missing["outlier"] is False
    assert out["spc_mean"][0] == pytest.approx(3.0)


def test_parameters_change_the_result(real):
    values, polarity, targets = real
    default = engine.assess(values, polarity, targets)
    six = engine.assess(values, polarity, targets,
                        AssessmentParameters().with_changes(spc={"run_length": 6}))
    unscreened = engine.assess(values, polarity, targets,
                               AssessmentParameters().with_changes(spc={"screen_outliers": False}))
    trends = ((default["spc_signal"] == "trend").sum(), (six["spc_signal"] == "trend").sum())
    assert trends == (133, 258)
    assert (default["spc_upper"] != unscreened["spc_upper"]).sum() == 1354
    # and NG 07 in E01008249, two equal figures, has limits only when nothing is screened
    assert (default["spc_upper"].null_count(), unscreened["spc_upper"].null_count()) == (244, 242)
