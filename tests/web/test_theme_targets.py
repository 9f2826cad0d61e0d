"""One rule picks the target a figure is judged against: the assessment engine's.

The theme table once chose its own target (the first whose period ended on or after the
latest figure's), while the engine forecast to the first ending after it. Where a target
ends on the same day as the latest figure and another lies ahead, the row showed one
target beside the chance of meeting the other.
"""

from __future__ import annotations

import re

import pytest

from joinedup.assessment.models import Assessment
from joinedup.assessment.services import run_assessment
from joinedup.places.models import Area
from joinedup.strategy.models import Indicator, Target


pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_theme_table_shows_the_target_the_chance_refers_to(client_as):
    indicator = Indicator.objects.get(code="HW 11")
    gateshead = Area.objects.get(code="E08000037")
    # The latest figure is for 2022; a target for 2022 ends the same day, 2024's lies ahead.
    Target.objects.create(indicator=indicator, area=gateshead, period="2022", value=99.0)
    run_assessment(indicator=indicator)
    assessed = Assessment.objects.get(indicator=indicator, area=gateshead, is_latest=True)
    assert (assessed.period, assessed.target, assessed.forecast_period) == ("2022", 54.2, "2024")
    page = text(client_as("officer").get("/themes/active-and-healthy-gateshead/"))
    row = re.search(r"HW 11 (.*?) HW 12 ", page).group(1)
    assert "54.2 by 2024" in row
    assert "by 2022" not in row
    assert f"{round(100 * assessed.p_meet_target)}%" in row
