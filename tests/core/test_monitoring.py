"""Tests for joinedup.core.monitoring: budget lines against profiled budgets.

1. A small example worked by hand, line by line and by stream.
2. The vectorised result equals a slow per-line loop on random ledgers.
3. Refusals.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from joinedup.core.monitoring import monitor, monitoring_totals

BUDGETS = pl.DataFrame({
    "line": ["Youth", "Drugs", "Parks", "Admin", "Small", "Capital"],
    "stream": ["Children", "Safety", "Place", "Place", "Children", "Place"],
    "budget": [120_000.0, 80_000.0, 50_000.0, 10_000.0, 2_000.0, 30_000.0],
})
ACTUALS = pl.DataFrame({
    "line": ["Youth", "Youth", "Drugs", "Drugs", "Parks", "Parks", "Admin", "Admin",
             "Small", "Small", "Youth", "Capital"],
    "quarter": [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 3, 2],
    "actual": [25_000.0, 35_000.0, 10_000.0, 30_000.0, 10_000.0, 10_000.0, 2_400.0, 2_700.0,
               600.0, 500.0, 99_999.0, 1_000.0],
})
PROFILES = pl.DataFrame({
    "line": ["Drugs"] * 4 + ["Capital"] * 4,
    "quarter": [1, 2, 3, 4] * 2,
    "profile": [0.1, 0.4, 0.7, 1.0, 0.0, 0.0, 0.5, 1.0],
})


def test_monitoring_worked_by_hand():
    # As at quarter 2 (straight-line share 50% unless profiled), tolerance 5% of budget:
    # Youth: 25,000 + 35,000 = 60,000 against 60,000; outturn 60,000 / 0.5 = 120,000.
    #   The quarter 3 row (99,999) is after the as-at quarter and left out. On budget.
    # Drugs: 40,000 against 40% × 80,000 = 32,000 (+8,000); outturn 40,000 / 0.4 = 100,000,
    #   20,000 over, 25%: beyond 5% × 80,000 = 4,000. Overspend.
    # Parks: 20,000 against 25,000 (−5,000); outturn 40,000, −10,000, −20%. Underspend.
    # Admin: 5,100 against 5,000; outturn 10,200, +200, 2%, within 500. On budget.
    # Small: 1,100 against 1,000; outturn 2,200, +200, 10%: beyond 5% × 2,000 = 100.
    #   Overspend (but see the absolute tolerance below).
    # Capital: its profile expects nothing by quarter 2, so there is no forecast.
    result = monitor(BUDGETS, ACTUALS, as_at=2, profiles=PROFILES)
    assert result.columns == [
        "line", "stream", "budget", "actual_to_date", "profiled_to_date", "variance_to_date",
        "forecast_outturn", "forecast_variance", "variance_pct", "status", "reason"]
    figures = result.select("actual_to_date", "profiled_to_date", "variance_to_date",
                            "forecast_outturn", "forecast_variance", "variance_pct").rows()
    expected = [
        (60_000, 60_000, 0, 120_000, 0, 0),
        (40_000, 32_000, 8_000, 100_000, 20_000, 25),
        (20_000, 25_000, -5_000, 40_000, -10_000, -20),
        (5_100, 5_000, 100, 10_200, 200, 2),
        (1_100, 1_000, 100, 2_200, 200, 10),
    ]
    for got, want in zip(figures, expected):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-9)
    assert figures[5] == (1_000.0, 0.0, 1_000.0, None, None, None)
    assert result["status"].cast(pl.String).to_list() == [
        "on budget", "overspend", "underspend", "on budget", "overspend", None]
    assert result["reason"].to_list() == [None] * 5 + [
        "the profile expects no spending by the end of quarter 2, so the outturn cannot be "
        "forecast from it"]


def test_an_absolute_tolerance_keeps_small_lines_from_being_flagged():
    # Small's forecast is £200 over; 5% of its budget is £100, but £250 is allowed: the
    # larger of the two applies. Drugs is £20,000 over, beyond either.
    result = monitor(BUDGETS, ACTUALS, as_at=2, profiles=PROFILES, absolute_tolerance=250)
    status = dict(zip(result["line"], result["status"].cast(pl.String)))
    assert status["Small"] == "on budget"
    assert status["Drugs"] == "overspend"


def test_totals_by_stream_worked_by_hand():
    # Children: Youth + Small: budget 122,000, actual 61,100, outturn 122,200, +200, within
    #   5% (6,100): on budget.
    # Place: Parks + Admin + Capital: Capital has no forecast, so neither has the stream.
    # Safety: Drugs alone.
    monitored = monitor(BUDGETS, ACTUALS, as_at=2, profiles=PROFILES)
    totals = monitoring_totals(monitored, ["stream"])
    assert totals["stream"].to_list() == ["Children", "Place", "Safety"]
    assert totals["lines"].to_list() == [2, 3, 1]
    assert totals["budget"].to_list() == [122_000.0, 90_000.0, 80_000.0]
    assert totals["actual_to_date"].to_list() == [61_100.0, 26_100.0, 40_000.0]
    assert totals["forecast_outturn"].to_list() == pytest.approx([122_200.0, None, 100_000.0])
    assert totals["variance_pct"].to_list()[0] == pytest.approx(200 / 122_000 * 100)
    assert totals["status"].cast(pl.String).to_list() == ["on budget", None, "overspend"]
    assert totals["lines_without_forecast"].to_list() == [0, 1, 0]


def reference_monitor(budgets, actuals, profiles, as_at, tolerance, absolute):
    """One line at a time, as a finance officer would fill in the monitoring form."""
    rows = []
    for line in budgets:
        budget = line["budget"]
        spent = sum(a["actual"] for a in actuals
                    if a["line"] == line["line"] and a["quarter"] <= as_at)
        profile = {p["quarter"]: p["profile"] for p in profiles if p["line"] == line["line"]}
        share = profile[as_at] if profile else as_at / 4
        forecast = spent / share if share > 0 else None
        variance = None if forecast is None else forecast - budget
        allowed = max(abs(budget) * tolerance, absolute)
        status = (None if variance is None else "overspend" if variance > allowed
                  else "underspend" if variance < -allowed else "on budget")
        rows.append({"line": line["line"], "actual_to_date": float(spent),
                     "profiled_to_date": share * budget, "forecast_outturn": forecast,
                     "status": status})
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_monitor_equals_the_per_line_reference(seed):
    rng = np.random.default_rng(seed)
    lines = [f"L{i:02d}" for i in range(int(rng.integers(1, 30)))]
    budgets = [{"line": line, "budget": float(rng.integers(0, 500_000))} for line in lines]
    actuals = [{"line": line, "quarter": int(rng.integers(1, 5)),
                "actual": float(rng.integers(-1_000, 150_000))}
               for line in lines for _ in range(int(rng.integers(0, 8)))]
    profiles = []
    for line in lines:
        if rng.random() < 0.4:
            steps = np.sort(rng.choice([0.0, 0.1, 0.25, 0.3, 0.5, 0.6, 0.9], size=3))
            profiles += [{"line": line, "quarter": q, "profile": float(p)}
                         for q, p in zip((1, 2, 3, 4), [*steps, 1.0])]
    as_at = int(rng.integers(1, 5))
    tolerance, absolute = float(rng.choice([0.0, 0.05, 0.1])), float(rng.choice([0, 1_000]))
    result = monitor(pl.DataFrame(budgets),
                     pl.DataFrame(actuals, schema={"line": pl.String, "quarter": pl.Int64,
                                                   "actual": pl.Float64}),
                     as_at=as_at, tolerance=tolerance, absolute_tolerance=absolute,
                     profiles=pl.DataFrame(profiles) if profiles else None)
    want = reference_monitor(budgets, actuals, profiles, as_at, tolerance, absolute)
    got = result.select("line", "actual_to_date", "profiled_to_date", "forecast_outturn",
                        pl.col("status").cast(pl.String)).to_dicts()
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g["line"] == w["line"]
        assert g["status"] == w["status"]
        for name in ("actual_to_date", "profiled_to_date", "forecast_outturn"):
            assert (g[name] is None) == (w[name] is None)
            if w[name] is not None:
                assert g[name] == pytest.approx(w[name], rel=1e-12, abs=1e-6)


@pytest.mark.parametrize("change, message", [
    ({"as_at": 5}, "as_at must be a quarter of the financial year, 1 to 4, not 5"),
    ({"profiles": PROFILES.with_columns(
        profile=pl.when((pl.col("line") == "Drugs") & (pl.col("quarter") == 4)).then(0.9)
        .otherwise(pl.col("profile")))},
     "the profile of line Drugs must give a share for each of quarters 1 to 4, between 0 "
     "and 1, never falling, and reaching 1 at quarter 4"),
    ({"actuals": pl.DataFrame({"line": ["Nobody"], "quarter": [1], "actual": [5.0]})},
     "there is spending on line Nobody, which has no budget"),
    ({"actuals": pl.DataFrame({"line": ["Youth"], "quarter": [0], "actual": [5.0]})},
     "the actuals of line Youth give quarter 0; quarters run from 1 to 4"),
])
def test_refusals(change, message):
    arguments = {"as_at": 2, "profiles": PROFILES, "actuals": ACTUALS, **change}
    actuals = arguments.pop("actuals")
    with pytest.raises(ValueError) as refused:
        monitor(BUDGETS, actuals, **arguments)
    assert str(refused.value) == message


def test_lines_keyed_by_several_columns():
    # Two partners each have a line called "Youth"; each is judged on its own spending.
    budgets = pl.DataFrame({"partner": ["Council", "PCT"], "line": ["Youth", "Youth"],
                            "budget": [40_000.0, 10_000.0]})
    actuals = pl.DataFrame({"partner": ["Council", "PCT", "PCT"], "line": ["Youth"] * 3,
                            "quarter": [1, 1, 1], "actual": [10_000.0, 1_000.0, 2_000.0]})
    result = monitor(budgets, actuals, as_at=1, keys=("partner", "line"))
    assert result.select("partner", "actual_to_date", "forecast_outturn").rows() == [
        ("Council", 10_000.0, 40_000.0), ("PCT", 3_000.0, 12_000.0)]
    assert result["status"].cast(pl.String).to_list() == ["on budget", "overspend"]
