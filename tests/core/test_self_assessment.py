"""The 7S results: checked against a slow row-by-row version written as the module's
docstring states the method, and against figures worked by hand."""

from __future__ import annotations

import math
import statistics

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.core import self_assessment as sa

SECTORS = ("Public sector", "Private sector", "Voluntary and community sector")


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=list(sa.SCORE_SCHEMA), orient="row")


def slow_member_scores(rows):
    """{(element, member): (sector, mean of their answers)}"""
    answers: dict = {}
    for element, _question, member, sector, score in rows:
        answers.setdefault((element, member), (sector, []))[1].append(score)
    return {key: (sector, sum(values) / len(values)) for key, (sector, values) in answers.items()}


def slow_elements(rows, previous_rows=()):
    members = slow_member_scores(rows)
    before = slow_member_scores(previous_rows)
    result = {}
    for element in sorted({e for e, _ in members}):
        mine = [(s, v) for (e, _), (s, v) in members.items() if e == element]
        values = [v for _, v in mine]
        by_sector: dict = {}
        for sector, value in mine:
            by_sector.setdefault(sector, []).append(value)
        sector_mean = {s: sum(v) / len(v) for s, v in by_sector.items()}
        low = min(sorted(sector_mean), key=lambda s: sector_mean[s])
        high = max(sorted(sector_mean), key=lambda s: sector_mean[s])
        earlier = [v for (e, _), (_, v) in before.items() if e == element]
        mean = sum(values) / len(values)
        previous = sum(earlier) / len(earlier) if earlier else None
        result[element] = {
            "members": len(values),
            "answers": sum(1 for r in rows if r[0] == element),
            "mean": mean, "lowest": min(values), "highest": max(values),
            "sd": statistics.stdev(values) if len(values) > 1 else None,
            "sector_lowest": low, "sector_highest": high,
            "sector_gap": sector_mean[high] - sector_mean[low],
            "previous_mean": previous,
            "change": None if previous is None else mean - previous,
        }
    return result


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def rows_strategy():
    """Random rounds: up to 8 members, 3 elements of up to 3 questions, some unanswered."""
    answer = st.tuples(st.sampled_from(["goals", "style", "systems"]), st.integers(1, 3),
                       st.integers(1, 8), st.integers(1, 5))

    def build(answers):
        seen, rows = set(), []
        for element, number, member, score in answers:
            question = f"{element}-{number}"
            if (question, member) in seen:
                continue
            seen.add((question, member))
            rows.append((element, question, member, SECTORS[member % 3], score))
        return rows

    return st.lists(answer, min_size=1, max_size=60).map(build)


@settings(max_examples=150, deadline=None)
@given(rows_strategy(), rows_strategy())
def test_element_results_match_the_row_by_row_version(rows, previous_rows):
    got = sa.element_results(frame(rows), frame(previous_rows))
    expected = slow_elements(rows, previous_rows)
    assert got["element"].to_list() == sorted(expected)
    for row in got.iter_rows(named=True):
        want = expected[row["element"]]
        for column, value in want.items():
            assert close(row[column], value), (row["element"], column, row[column], value)


@settings(max_examples=100, deadline=None)
@given(rows_strategy())
def test_question_results_match_the_row_by_row_version(rows):
    got = {r["question"]: r for r in sa.question_results(frame(rows)).iter_rows(named=True)}
    assert sorted(got) == sorted({r[1] for r in rows})
    for question, row in got.items():
        values = [r[4] for r in rows if r[1] == question]
        assert row["answers"] == len(values)
        assert close(row["mean"], sum(values) / len(values))
        assert close(row["lowest"], min(values)) and close(row["highest"], max(values))
        assert close(row["sd"], statistics.stdev(values) if len(values) > 1 else None)
        assert [row[f"score_{s}"] for s in sa.SCORES] == [values.count(s) for s in sa.SCORES]


# Worked by hand. Goals: member 1 (public) answers 4 and 2, mean 3; member 2 (public)
# answers 5 only; member 3 (voluntary) answers 1 and 2, mean 1.5. Member means 3, 5, 1.5:
# mean 9.5 / 3 = 3.1666…, range 1.5–5, sd sqrt(((3−19/6)² + (5−19/6)² + (1.5−19/6)²)/2)
# = sqrt(37/12) ≈ 1.7559. Public 4, voluntary 1.5: the gap is 2.5. Last round's goals
# mean was 2, so the change is 7/6.
HAND = [("goals", "goals-1", 1, "Public sector", 4), ("goals", "goals-2", 1, "Public sector", 2),
        ("goals", "goals-1", 2, "Public sector", 5),
        ("goals", "goals-1", 3, "Voluntary and community sector", 1),
        ("goals", "goals-2", 3, "Voluntary and community sector", 2),
        ("style", "style-1", 1, "Public sector", 3)]
HAND_BEFORE = [("goals", "goals-1", 1, "Public sector", 2),
               ("goals", "goals-1", 2, "Public sector", 2)]


def test_a_round_worked_by_hand():
    goals, style = sa.element_results(frame(HAND), frame(HAND_BEFORE)).iter_rows(named=True)
    assert goals["members"] == 3 and goals["answers"] == 5
    assert goals["mean"] == pytest.approx(19 / 6, abs=1e-12)
    assert (goals["lowest"], goals["highest"]) == (1.5, 5.0)
    assert goals["sd"] == pytest.approx(math.sqrt(37 / 12), abs=1e-12)
    assert (goals["sector_lowest"], goals["sector_highest"]) == (
        "Voluntary and community sector", "Public sector")
    assert goals["sector_gap"] == 2.5
    assert goals["previous_mean"] == 2.0
    assert goals["change"] == pytest.approx(7 / 6, abs=1e-12)
    # One member: no sample sd; one sector: no gap; nothing last round: no change.
    assert (style["members"], style["mean"], style["sd"], style["sector_gap"],
            style["previous_mean"], style["change"]) == (1, 3.0, None, 0.0, None, None)


def test_sector_means_are_the_means_of_member_scores():
    got = sa.sector_means(frame(HAND)).filter(pl.col("element") == "goals")
    assert got.rows() == [("goals", "Public sector", 2, 4.0),
                          ("goals", "Voluntary and community sector", 1, 1.5)]


def test_no_previous_round_leaves_the_change_empty():
    got = sa.element_results(frame(HAND))
    assert got["change"].to_list() == [None, None]


@pytest.mark.parametrize("rows, message", [
    ([("goals", "goals-1", 1, "Public sector", 6)], "from 1 to 5, not 6"),
    ([("goals", "goals-1", 1, "Public sector", 0)], "from 1 to 5, not 0"),
    ([("goals", "goals-1", 1, "Public sector", 3), ("goals", "goals-1", 1, "Public sector", 4)],
     "member 1 answers question 'goals-1' more than once"),
])
def test_impossible_scores_are_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        sa.element_results(frame(rows))
