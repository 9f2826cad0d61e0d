"""A round's results, to the exact figure, on a small round worked by hand (see
``rounds.scored_rounds``)."""

from __future__ import annotations

import math

import pytest
from .rounds import scored_rounds

from joinedup.reviews.results import round_results

pytestmark = pytest.mark.django_db
PUBLIC, VOLUNTARY = "Public sector", "Voluntary and community sector"


@pytest.fixture
def results(person):
    _, later = scored_rounds()
    return round_results(later, person("officer"))


def test_only_submitted_scores_count(results):
    assert results.submitted == 3
    assert results.previous.title == "Test round 2100"
    # The Board and the Steering Group have 12 members between them.
    assert results.eligible == 12


def test_goals_by_hand(results):
    goals = results.elements[0]
    # Three goals questions each. Members 2, 3 and 5: mean 10/3, sample sd sqrt(7/3); public (2 + 3) / 2 = 2.5 against
    # voluntary 5; the earlier round's 3 makes the change 1/3.
    assert (goals["element"], goals["name"], goals["members"], goals["answers"]) == (
        "goals", "Super-ordinate goals", 3, 3 * 3)
    assert goals["mean"] == pytest.approx(10 / 3, abs=1e-12)
    assert (goals["lowest"], goals["highest"]) == (2.0, 5.0)
    assert goals["sd"] == pytest.approx(math.sqrt(7 / 3), abs=1e-12)
    assert [(c["sector"], c["members"], c["mean"]) for c in goals["by_sector"]] == [
        (PUBLIC, 2, 2.5), (VOLUNTARY, 1, 5.0)]
    assert (goals["sector_lowest"], goals["sector_highest"], goals["sector_gap"]) == (
        PUBLIC, VOLUNTARY, 2.5)
    assert goals["previous_mean"] == 3.0
    assert goals["change"] == pytest.approx(1 / 3, abs=1e-12)


def test_style_by_hand(results):
    style = next(row for row in results.elements if row["element"] == "style")
    # Members 4, 3 and 2: mean 3, sd 1; public 3.5, voluntary 2; no change from 3.
    assert (style["members"], style["mean"], style["lowest"], style["highest"],
            style["sd"]) == (3, 3.0, 2.0, 4.0, 1.0)
    assert (style["sector_lowest"], style["sector_highest"], style["sector_gap"]) == (
        VOLUNTARY, PUBLIC, 1.5)
    assert (style["previous_mean"], style["change"]) == (3.0, 0.0)


def test_the_elements_come_in_the_models_order(results):
    assert [row["element"] for row in results.elements] == [
        "goals", "staff-and-skills", "style", "synergies", "standards", "steering", "systems"]
    assert results.sectors == [PUBLIC, VOLUNTARY]


def test_each_question(results):
    goals_1 = next(q for q in results.questions if q["code"] == "goals-1")
    assert (goals_1["answers"], goals_1["lowest"], goals_1["highest"]) == (3, 2.0, 5.0)
    assert goals_1["mean"] == pytest.approx(10 / 3, abs=1e-12)
    assert [goals_1[f"score_{s}"] for s in range(1, 6)] == [0, 1, 1, 0, 1]
