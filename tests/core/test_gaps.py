"""Tests for joinedup.core.gaps: gaps between areas, and whether they are narrowing.

1. The vectorised results equal a slow per-group reference (tests/core/reference/
   gaps_reference.py) on generated data and on the demo's real ward and LSOA data.
2. Worked examples computed by hand (each step in the comments), pinning the method:
   relative ranks, the 20% boundary, the weighted regression and the SII's sign.
3. The real Gateshead wards: the share of neighbourhoods in the most deprived 10%.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.gaps_reference import reference_area_gaps, reference_gap_trends

from joinedup.core.gaps import GAP_MEASURES, area_gaps, gap_trends

TOLERANCE = 1e-9
NUMBERS = ["min", "max", "range", "q1", "q3", "iqr_gap", "deprived_quintile_mean",
           "rest_mean", "quintile_gap", "sii"]
KEY = ("indicator", "level", "period", "period_start")
PERIODS = [("2019", date(2019, 1, 1)), ("2020", date(2020, 1, 1))]


def frames(values: list[dict], areas: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    value_frame = pl.DataFrame(values, schema={
        "indicator": pl.Utf8, "area": pl.Utf8, "period": pl.Utf8, "period_start": pl.Date,
        "value": pl.Float64, "polarity": pl.Utf8})
    area_frame = pl.DataFrame(areas, schema={
        "area": pl.Utf8, "level": pl.Utf8, "deprivation_rank": pl.Float64,
        "population": pl.Float64})
    return value_frame, area_frame


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def assert_matches_reference(values: list[dict], areas: list[dict], min_areas: int = 3):
    gaps = area_gaps(*frames(values, areas), min_areas=min_areas)
    expected = {tuple(r[k] for k in KEY): r for r in reference_area_gaps(values, areas, min_areas)}
    assert gaps.height == len(expected)
    for row in gaps.iter_rows(named=True):
        want = expected[tuple(row[k] for k in KEY)]
        assert row["areas"] == want["areas"], row
        assert row["weighting"] == want["weighting"], row
        assert row["deprived_areas"] == want["deprived_areas"], row
        assert (row["reason"] is None) == (want["reason"] is None), (row, want)
        for name in NUMBERS:
            assert not (row[name] is not None and math.isnan(row[name])), (name, row)
            assert close(row[name], want[name]), (name, row[name], want[name], row)
    return gaps


# ---------------------------------------------------------------------------------------
# 1. Against the reference, on generated data

@st.composite
def gap_inputs(draw):
    n_areas = draw(st.one_of(st.integers(0, 8), st.integers(9, 40)))
    exactly = {"min_size": n_areas, "max_size": n_areas}
    rank_pool = draw(st.integers(1, 10))  # a small pool of ranks makes ties
    ranks = draw(st.lists(st.one_of(*[st.integers(1, rank_pool)] * 5, st.none()), **exactly))
    levels = draw(st.lists(st.sampled_from(["ward", "ward", "ward", "lsoa"]), **exactly))
    population = draw(st.sampled_from([
        st.integers(1, 5000),  # populations differ
        st.just(250),  # all equal
        st.one_of(*[st.integers(1, 5000)] * 4, st.none(), st.just(0)),  # some missing
    ]))
    populations = draw(st.lists(population, **exactly))
    areas = [{"area": f"A{i:02d}", "level": level, "deprivation_rank": rank,
              "population": people}
             for i, (level, rank, people) in enumerate(zip(levels, ranks, populations))]
    value = st.one_of(
        *[st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)] * 6,
        st.sampled_from([0.0, 1.5, 2.0]),  # repeated values
        st.none(), st.just(float("nan")),
        st.just("absent"))
    codes = [a["area"] for a in areas] + ["not-an-area"]
    values = []
    for indicator in ("I1", "I2"):
        for period, start in PERIODS:
            drawn = draw(st.lists(value, min_size=len(codes), max_size=len(codes)))
            values += [{"indicator": indicator, "area": code, "period": period,
                        "period_start": start, "value": v, "polarity": "up"}
                       for code, v in zip(codes, drawn) if v != "absent"]
    return values, areas


@settings(max_examples=150, deadline=None)
@given(gap_inputs(), st.sampled_from([3, 3, 4]))
def test_area_gaps_equal_the_per_group_reference(inputs, min_areas):
    values, areas = inputs
    assert_matches_reference(values, areas, min_areas)


@st.composite
def gap_histories(draw):
    rows = []
    gap = st.one_of(st.none(), st.just(float("nan")), st.just(0.0),
                    st.sampled_from([-2.0, 2.0, 2.01, 1.99, 2.03]),
                    st.floats(-100, 100, allow_nan=False))
    for indicator in ("I1", "I2"):
        for level in ("ward", "lsoa"):
            years = draw(st.lists(st.integers(2005, 2024), max_size=5, unique=True))
            for year in years:
                rows.append({"indicator": indicator, "level": level, "period": str(year),
                             "period_start": date(year, 4, 1),
                             **{m: draw(gap) for m in GAP_MEASURES}})
    return rows


@settings(max_examples=150, deadline=None)
@given(gap_histories(), st.sampled_from([0.0, 0.01, 0.05]))
def test_gap_trends_equal_the_per_series_reference(rows, min_relative_change):
    gaps = pl.DataFrame(rows, schema={"indicator": pl.Utf8, "level": pl.Utf8,
                                      "period": pl.Utf8, "period_start": pl.Date,
                                      **{m: pl.Float64 for m in GAP_MEASURES}})
    trends = gap_trends(gaps, min_relative_change=min_relative_change)
    expected = {(r["indicator"], r["level"], r["measure"]): r
                for r in reference_gap_trends(rows, min_relative_change)}
    assert trends.height == len(expected)
    for row in trends.iter_rows(named=True):
        want = expected[(row["indicator"], row["level"], row["measure"])]
        assert row["periods"] == want["periods"]
        assert row["narrowing"] == want["narrowing"], (row, want)
        assert row["reversed"] == want["reversed"]
        assert close(row["change"], want["change"])
        assert (row["reason"] is None) == (want["periods"] >= 2)
        if want["periods"] >= 2:
            assert (row["baseline_period"], row["latest_period"]) == (
                want["baseline_period"], want["latest_period"])


# ---------------------------------------------------------------------------------------
# 2. Worked examples, by hand

def one_group(values: list[float], ranks: list[float], populations: list[float | None],
              **options) -> dict:
    codes = [f"W{i:02d}" for i in range(len(values))]
    value_rows = [{"indicator": "LE", "area": c, "period": "2019",
                   "period_start": date(2019, 1, 1), "value": v, "polarity": "up"}
                  for c, v in zip(codes, values, strict=True)]
    area_rows = [{"area": c, "level": "ward", "deprivation_rank": r, "population": p}
                 for c, r, p in zip(codes, ranks, populations, strict=True)]
    gaps = assert_matches_reference(value_rows, area_rows, options.get("min_areas", 3))
    assert gaps.height == 1
    return gaps.row(0, named=True)


def test_worked_example_with_unequal_populations_and_an_area_on_the_boundary():
    # Four wards, most deprived first (rank 1), life expectancy in years.
    #   ward  rank  population  share  cumulative band   relative rank (midpoint)
    #   W00   1     100         0.1    0.0 - 0.1         0.05
    #   W01   2     200         0.2    0.1 - 0.3         0.1 + 0.2/2 = 0.20
    #   W02   3     300         0.3    0.3 - 0.6         0.3 + 0.3/2 = 0.45
    #   W03   4     400         0.4    0.6 - 1.0         0.6 + 0.4/2 = 0.80
    # Most deprived fifth: midpoint <= 0.2, so W00 and W01 (W01 straddles the 20% line,
    # with half of it on each side, and goes with the deprived group): 30% of people.
    #   deprived mean = (0.1*70 + 0.2*74) / 0.3 = 21.8 / 0.3 = 72.666...
    #   rest mean     = (0.3*75 + 0.4*80) / 0.7 = 54.5 / 0.7 = 77.857142...
    # Weighted least squares, weights = shares a:
    #   x̄ = Σ a·x = 0.005 + 0.04 + 0.135 + 0.32 = 0.5   (midpoints always average 0.5)
    #   ȳ = Σ a·y = 7 + 14.8 + 22.5 + 32 = 76.3
    #   x − x̄ = -0.45, -0.3, -0.05, 0.3;   y − ȳ = -6.3, -2.3, -1.3, 3.7
    #   Sxy = 0.1*2.835 + 0.2*0.69 + 0.3*0.065 + 0.4*1.11 = 0.885
    #   Sxx = 0.1*0.2025 + 0.2*0.09 + 0.3*0.0025 + 0.4*0.09 = 0.075
    #   slope = 0.885 / 0.075 = 11.8; intercept = 76.3 − 11.8*0.5 = 70.4
    #   SII = fitted(1) − fitted(0) = 82.2 − 70.4 = 11.8 years
    # Quartiles (NumPy linear): sorted 70, 74, 75, 80; h = 3p
    #   q1: h = 0.75 → 70 + 0.75*(74 − 70) = 73;  q3: h = 2.25 → 75 + 0.25*(80 − 75) = 76.25
    row = one_group([70, 74, 75, 80], [1, 2, 3, 4], [100, 200, 300, 400])
    assert row["areas"] == 4 and row["weighting"] == "population"
    assert row["range"] == pytest.approx(10)
    assert (row["q1"], row["q3"], row["iqr_gap"]) == pytest.approx((73, 76.25, 3.25))
    assert row["deprived_areas"] == 2
    assert row["deprived_quintile_mean"] == pytest.approx(21.8 / 0.3, abs=1e-12)
    assert row["rest_mean"] == pytest.approx(54.5 / 0.7, abs=1e-12)
    assert row["quintile_gap"] == pytest.approx(21.8 / 0.3 - 54.5 / 0.7, abs=1e-12)
    assert row["sii"] == pytest.approx(11.8, abs=1e-12)
    assert row["reason"] is None


def test_ten_equal_deciles_on_a_line_give_its_slope():
    # Ten deciles of 1,000 people: relative ranks 0.05, 0.15, …, 0.95. Values lie exactly
    # on y = 75 + 8·rank, so the weighted fit is that line and SII = 8.
    # Most deprived fifth: midpoints 0.05 and 0.15 (exactly 20% of people):
    #   mean 75 + 8*0.10 = 75.8; rest: mean of ranks 0.25..0.95 = 0.6 → 79.8; gap −4.
    # Quartiles: h = 9*0.25 = 2.25 → rank 0.25 + 0.25*0.1 = 0.275 → 77.2;
    #            h = 9*0.75 = 6.75 → rank 0.65 + 0.75*0.1 = 0.725 → 80.8.
    ranks = [(d - 0.5) / 10 for d in range(1, 11)]
    row = one_group([75 + 8 * r for r in ranks], list(range(1, 11)), [1000] * 10)
    assert row["sii"] == pytest.approx(8, abs=1e-12)
    assert row["deprived_areas"] == 2
    assert row["quintile_gap"] == pytest.approx(-4, abs=1e-12)
    assert row["range"] == pytest.approx(7.2, abs=1e-12)
    assert (row["q1"], row["q3"]) == pytest.approx((77.2, 80.8), abs=1e-12)


def test_sii_sign_is_least_deprived_minus_most_deprived():
    # Five equal wards: relative ranks 0.1, 0.3, 0.5, 0.7, 0.9 (x − x̄ = ±0.4, ±0.2, 0; Σ of
    # their squares 0.4), and the most deprived fifth is the first ward alone.
    # Life expectancy rising away from deprivation: SII > 0, as Fingertips reports it.
    #   ȳ = 397 / 5 = 79.4; Σ(x − x̄)(y − ȳ) = 0.4·3.4 + 0.2·1.4 + 0.2·1.6 + 0.4·3.6 = 3.4
    #   SII = 3.4 / 0.4 = 8.5; quintile gap = 76 − (78 + 79 + 81 + 83) / 4 = −4.25
    longer_lives = one_group([76, 78, 79, 81, 83], [1, 2, 3, 4, 5], [500] * 5)
    assert (longer_lives["sii"], longer_lives["quintile_gap"]) == pytest.approx((8.5, -4.25))
    # A harm concentrated where deprivation is (e.g. child poverty): SII < 0.
    #   ȳ = 116 / 5 = 23.2; Σ(x − x̄)(y − ȳ) = −0.4·16.8 − 0.2·7.8 − 0.2·8.2 − 0.4·15.2 = −16
    #   SII = −16 / 0.4 = −40; quintile gap = 40 − (31 + 22 + 15 + 8) / 4 = 21
    poverty = one_group([40, 31, 22, 15, 8], [1, 2, 3, 4, 5], [500] * 5)
    assert (poverty["sii"], poverty["quintile_gap"]) == pytest.approx((-40, 21))
    # Reversing the ranking (rank 1 now the least deprived) flips the sign.
    flipped = one_group([76, 78, 79, 81, 83], [5, 4, 3, 2, 1], [500] * 5)
    assert flipped["sii"] == pytest.approx(-longer_lives["sii"], abs=1e-12)


def test_tied_ranks_share_a_band_whatever_their_order():
    # Six equal wards, two tied at rank 2. Their band is 1/6..3/6, so both take the
    # midpoint 2/6 (> 0.2: not deprived). Swapping which tied ward comes first, by
    # renaming, leaves every statistic unchanged.
    first = one_group([10, 20, 30, 40, 50, 60], [1, 2, 2, 3, 4, 5], [1] * 6)
    second = one_group([10, 30, 20, 40, 50, 60], [1, 2, 2, 3, 4, 5], [1] * 6)
    assert first["deprived_areas"] == 1
    for name in NUMBERS:
        assert first[name] == pytest.approx(second[name], abs=1e-12)


def test_a_missing_population_means_equal_weights_for_the_whole_group():
    weighted = one_group([70, 74, 75, 80], [1, 2, 3, 4], [100, 200, 300, 400])
    equal = one_group([70, 74, 75, 80], [1, 2, 3, 4], [100, None, 300, 400])
    same = one_group([70, 74, 75, 80], [1, 2, 3, 4], [7, 7, 7, 7])
    assert equal["weighting"] == "equal"
    # Equal shares: midpoints 0.125 … 0.875, x − x̄ = ±0.375, ±0.125; ȳ = 74.75, so
    # Σ(x − x̄)(y − ȳ) = 0.375·4.75 + 0.125·0.75 + 0.125·0.25 + 0.375·5.25 = 3.875 and
    # Σ(x − x̄)² = 0.3125: SII = 12.4, not the population-weighted 11.8.
    assert weighted["sii"] == pytest.approx(11.8, abs=1e-12)
    assert equal["sii"] == pytest.approx(12.4)
    assert equal["sii"] == pytest.approx(same["sii"], abs=1e-12)


def test_too_few_areas_and_degenerate_groups_say_why():
    few = one_group([70, 74], [1, 2], [100, 100])
    assert few["areas"] == 2 and all(few[n] is None for n in NUMBERS)
    assert "fewer than 3 areas" in few["reason"]
    one_rank = one_group([70, 74, 75], [4, 4, 4], [100, 100, 100])
    assert one_rank["range"] == pytest.approx(5)
    assert one_rank["sii"] is None and one_rank["quintile_gap"] is None
    assert "same deprivation rank" in one_rank["reason"]
    # The most deprived ward holds half the people: its midpoint is 0.25.
    # Shares 0.5, 0.25, 0.25: midpoints 0.25, 0.625, 0.875, x̄ = 0.5, ȳ = 72.25;
    # Σ a(x − x̄)(y − ȳ) = 19/32 and Σ a(x − x̄)² = 9/128, so SII = 76/9.
    big_first = one_group([70, 74, 75], [1, 2, 3], [500, 250, 250])
    assert big_first["quintile_gap"] is None
    assert big_first["sii"] == pytest.approx(76 / 9)
    assert "40%" in big_first["reason"]
    with pytest.raises(ValueError, match="min_areas"):
        one_group([70, 74, 75], [1, 2, 3], [1, 1, 1], min_areas=2)


def test_bad_input_is_refused_with_a_clear_message():
    values, areas = frames(
        [{"indicator": "LE", "area": "W1", "period": "2019", "period_start": date(2019, 1, 1),
          "value": 1.0, "polarity": "up"}] * 2,
        [{"area": "W1", "level": "ward", "deprivation_rank": 1, "population": 5}])
    with pytest.raises(ValueError, match="W1 twice for LE in 2019"):
        area_gaps(values, areas)
    with pytest.raises(ValueError, match="lacks column.*deprivation_rank"):
        area_gaps(values, areas.drop("deprivation_rank"))
    with pytest.raises(ValueError, match="negative population"):
        area_gaps(values.head(1), areas.with_columns(population=pl.lit(-1.0)))


def test_gap_trends_compare_the_latest_with_the_earliest_known_period():
    gaps = pl.DataFrame({
        "indicator": ["LE"] * 4, "level": ["ward"] * 4,
        "period": ["2016", "2017", "2018", "2019"],
        "period_start": [date(y, 1, 1) for y in (2016, 2017, 2018, 2019)],
        "range": [10.0, 12.0, 9.0, 9.5],  # 10 → 9.5: narrowing by 5%
        "iqr_gap": [4.0, 4.0, 4.0, 4.03],  # 4 → 4.03: +0.75%, within 1%
        "quintile_gap": [None, -5.0, -5.2, -5.5],  # from 2017 (first known): |gap| widening
        "sii": [None, None, None, 3.0],  # one period only
    })
    trends = {r["measure"]: r for r in gap_trends(gaps).iter_rows(named=True)}
    assert trends["range"]["narrowing"] == "narrowing"
    assert trends["range"]["change"] == pytest.approx(-0.5)
    assert trends["range"]["relative_change"] == pytest.approx(-0.05)
    assert trends["iqr_gap"]["narrowing"] == "no_change"
    assert trends["quintile_gap"]["baseline_period"] == "2017"
    assert trends["quintile_gap"]["narrowing"] == "widening"
    assert trends["quintile_gap"]["reversed"] is False
    assert trends["sii"]["narrowing"] is None
    assert "only one period (2019)" in trends["sii"]["reason"]
    # A stricter threshold turns the 5% narrowing into no change.
    strict = gap_trends(gaps, min_relative_change=0.1).filter(pl.col("measure") == "range")
    assert strict["narrowing"].to_list() == ["no_change"]
    with pytest.raises(ValueError, match="min_relative_change"):
        gap_trends(gaps, min_relative_change=-0.01)


def test_a_gradient_that_reverses_is_flagged():
    gaps = pl.DataFrame({
        "indicator": ["LE", "LE"], "level": ["ward", "ward"], "period": ["2015", "2019"],
        "period_start": [date(2015, 1, 1), date(2019, 1, 1)],
        "range": [5.0, 5.0], "iqr_gap": [2.0, 2.0], "quintile_gap": [-3.0, 3.0],
        "sii": [6.0, -2.0]})
    trends = {r["measure"]: r for r in gap_trends(gaps).iter_rows(named=True)}
    assert trends["quintile_gap"]["narrowing"] == "no_change"
    assert trends["quintile_gap"]["reversed"] is True
    assert trends["sii"]["narrowing"] == "narrowing" and trends["sii"]["reversed"] is True


# ---------------------------------------------------------------------------------------
# 3. Real data: the demo's Gateshead wards and LSOAs

@pytest.fixture(scope="module")
def real_inputs(demo_sources) -> tuple[list[dict], list[dict]]:
    """Values and areas as the assessment adapter would build them from the demo.

    LSOAs carry their IMD rank; a ward's deprivation rank is the mean IMD rank of its
    LSOAs (their parent). Populations are the mid-2020 estimates (indicator NG 07).
    """
    polarity = {i["code"]: i["polarity"] for i in demo_sources.catalogue["indicator"]}
    population = dict(demo_sources.values.filter(
        (pl.col("indicator") == "NG 07") & (pl.col("period") == "mid-2020")
    ).select("area", "value").iter_rows())
    lsoa_ranks = defaultdict(list)
    for area in demo_sources.areas:
        if area["level"] == "lsoa":
            lsoa_ranks[area["parent"]].append(int(area["imd_rank"]))
    areas = []
    for area in demo_sources.areas:
        if area["level"] == "lsoa":
            rank = float(area["imd_rank"])
        elif area["level"] == "ward":
            rank = sum(lsoa_ranks[area["code"]]) / len(lsoa_ranks[area["code"]])
        else:
            continue
        areas.append({"area": area["code"], "level": area["level"],
                      "deprivation_rank": rank, "population": population.get(area["code"])})
    values = [dict(row, polarity=polarity[row["indicator"]]) for row in demo_sources.values.select(
        "indicator", "area", "period", "period_start", "value").iter_rows(named=True)]
    return values, areas


def test_real_wards_and_lsoas_equal_the_reference(real_inputs):
    values, areas = real_inputs
    gaps = assert_matches_reference(values, areas)
    assert set(gaps["level"]) == {"ward", "lsoa"}
    assert gaps.filter(pl.col("level") == "ward")["areas"].max() == 22


def test_gateshead_wards_most_deprived_tenth_share(real_inputs, demo_sources):
    values, areas = real_inputs
    gaps = area_gaps(*frames(values, areas))
    row = gaps.filter((pl.col("indicator") == "NG 01") & (pl.col("level") == "ward")).row(
        0, named=True)
    wards = {a["code"] for a in demo_sources.areas if a["level"] == "ward"}
    ward_values = demo_sources.values.filter(
        (pl.col("indicator") == "NG 01") & pl.col("area").is_in(wards)
        & (pl.col("period") == row["period"]))["value"]
    assert row["areas"] == len(wards) == 22 and row["weighting"] == "population"
    assert row["range"] == pytest.approx(ward_values.max() - ward_values.min(), abs=1e-12)
    # The wards with most deprived neighbourhoods are, of course, the most deprived.
    assert row["deprived_areas"] == 4
    assert row["deprived_quintile_mean"] == pytest.approx(51.64017918383623)
    assert row["rest_mean"] == pytest.approx(8.742384093467612)
    # Higher where deprivation is higher, so least-deprived-end minus most-deprived-end < 0.
    assert row["sii"] == pytest.approx(-56.28242820706494)
    assert row["reason"] is None


# ---------------------------------------------------------------------------------------
# 4. Narrowing judged by SPC on each gap's size

def spc_reference(rows: list[dict]) -> dict[tuple, dict]:
    """Each series on its own: its points charted alone by assess_spc, the last point's
    variation mapped to narrowing, and numpy's least-squares slope of |gap| on years."""
    import numpy as np

    from joinedup.core.spc import assess_spc

    series: dict[tuple, list[tuple]] = defaultdict(list)
    for row in rows:
        for measure in GAP_MEASURES:
            gap = row[measure]
            if gap is not None and not math.isnan(gap):
                series[(row["indicator"], row["level"], measure)].append(
                    (row["period_start"], row["period"], gap))
    result = {}
    words = {"improvement": "narrowing", "concern": "widening", "common_cause": "no_change"}
    for key, points in series.items():
        points.sort()
        alone = pl.DataFrame({"s": ["x"] * len(points), "period_start": [p[0] for p in points],
                              "period": [p[1] for p in points],
                              "value": [abs(p[2]) for p in points], "polarity": "down"})
        last = assess_spc(alone, keys=("s",), order=("period_start", "period")).row(
            -1, named=True)
        years = np.array([(p[0] - date(1970, 1, 1)).days / 365.25 for p in points])
        sizes = np.array([abs(p[2]) for p in points])
        per_year = None
        if len(points) >= 2 and sizes.mean() > 0:
            per_year = float(np.polyfit(years, sizes, 1)[0] / sizes.mean())
        result[key] = {"periods": len(points), "latest_period": points[-1][1],
                       "variation": last["variation"], "upper": last["spc_upper"],
                       "narrowing": words[last["variation"]] if len(points) >= 2 else None,
                       "widening_per_year": per_year}
    return result


@st.composite
def long_gap_histories(draw):
    rows = []
    gap = st.one_of(st.none(), st.just(0.0), st.floats(-100, 100, allow_nan=False),
                    *[st.sampled_from([4.0, 4.5, 5.0, 5.5, 6.0, 20.0])] * 3)
    for indicator in ("I1", "I2"):
        for level in ("ward", "lsoa"):
            years = draw(st.lists(st.integers(1995, 2024), max_size=16, unique=True))
            for year in years:
                rows.append({"indicator": indicator, "level": level, "period": str(year),
                             "period_start": date(year, 4, 1),
                             **{m: draw(gap) for m in GAP_MEASURES}})
    return rows


@settings(max_examples=100, deadline=None)
@given(long_gap_histories())
def test_gap_spc_trends_equal_each_series_charted_alone(rows):
    from joinedup.core.gaps import gap_spc, gap_spc_trends

    gaps = pl.DataFrame(rows, schema={"indicator": pl.Utf8, "level": pl.Utf8,
                                      "period": pl.Utf8, "period_start": pl.Date,
                                      **{m: pl.Float64 for m in GAP_MEASURES}})
    trends = gap_spc_trends(gap_spc(gaps))
    expected = spc_reference(rows)
    assert trends.height == len(expected)
    for row in trends.iter_rows(named=True):
        want = expected[(row["indicator"], row["level"], row["measure"])]
        assert row["periods"] == want["periods"]
        assert row["latest_period"] == want["latest_period"]
        assert row["variation"] == want["variation"]
        assert row["narrowing"] == want["narrowing"]
        assert close(row["upper"], want["upper"])
        assert (row["widening_per_year"] is None) == (want["widening_per_year"] is None)
        if want["widening_per_year"] is not None:
            assert math.isclose(row["widening_per_year"], want["widening_per_year"],
                                rel_tol=1e-9, abs_tol=1e-12)
        assert (row["reason"] is None) == (want["periods"] >= 2)


def spc_example(sizes: list[float]) -> dict:
    from joinedup.core.gaps import gap_spc, gap_spc_trends

    n = len(sizes)
    gaps = pl.DataFrame({
        "indicator": ["LE"] * n, "level": ["ward"] * n,
        "period": [str(2000 + i) for i in range(n)],
        "period_start": [date(2000 + i, 4, 1) for i in range(n)],
        "range": [None] * n, "iqr_gap": [None] * n, "quintile_gap": [None] * n,
        "sii": sizes}, schema_overrides={m: pl.Float64 for m in GAP_MEASURES})
    trends = gap_spc_trends(gap_spc(gaps))
    return trends.filter(pl.col("measure") == "sii").row(0, named=True)


def test_spc_judges_the_size_of_the_gap():
    # Twelve steady years, then a jump far above the upper limit: widening.
    # Sizes 5, 5.2, 4.8, … : mean of the twelve and the jump = 71/13; moving ranges
    # average 0.3 before the jump, so the limit is far below 9.
    steady = [5.0, 5.2, 4.8, 5.1, 4.9, 5.0, 5.2, 4.8, 5.1, 4.9, 5.0, 5.0]
    jump = spc_example([*steady, 9.0])
    assert (jump["variation"], jump["narrowing"]) == ("concern", "widening")
    assert jump["trial_limits"] is False
    # The same jump below zero, read as a size: −9 is as wide as 9.
    assert spc_example([*steady, -9.0])["narrowing"] == "widening"
    # Seven falling sizes in a row (a trend on the low side): narrowing.
    falling = spc_example([5.0, 5.2, 4.8, 5.1, 4.9, 4.7, 4.5, 4.3, 4.1, 3.9, 3.7])
    assert (falling["variation"], falling["narrowing"]) == ("improvement", "narrowing")
    assert falling["trial_limits"] is True  # 11 points
    # Noise about a level: no change. Its speed is the fitted slope over the mean size:
    # years 0..3 (365.25-day years from 1 April), sizes 5, 5.2, 4.8, 5 → slope −0.04/yr
    # in days' years, mean 5.
    flat = spc_example([5.0, 5.2, 4.8, 5.0])
    assert flat["narrowing"] == "no_change"
    assert flat["widening_per_year"] == pytest.approx(-0.04 / 5, rel=1e-2)
    one = spc_example([5.0])
    assert one["narrowing"] is None and one["reason"] == "only one period (2000) has this gap"
