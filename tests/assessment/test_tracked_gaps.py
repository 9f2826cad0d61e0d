"""A target on a gap flows into status, forecasts and flags like any other target.

The gap tracked is the demo's real one: police.uk anti-social behaviour incidents (SC 04)
between Gateshead's most deprived fifth of LSOAs and the rest, month by month.
"""

from __future__ import annotations

import pytest

from joinedup.assessment.gaps import level_gaps
from joinedup.assessment.models import Assessment, Flag
from joinedup.history.models import Change
from joinedup.strategy.models import Indicator, Target

pytestmark = pytest.mark.django_db

PAGE = "/indicators/sc-04/gap/?level=lsoa"


@pytest.fixture
def gap():
    """The demo's SC 04 gaps between LSOAs, as the gap page computes them."""
    return level_gaps(Indicator.objects.get(code="SC 04"), "lsoa")


def test_an_officer_sets_a_target_on_a_gap_and_it_is_judged_at_once(client_as, gap):
    latest = abs(gap.latest["quintile_gap"])
    target = round(latest / 2, 2)
    # A target for the latest month judges its figure; one for 2019/20 is forecast.
    client = client_as("officer")
    response = client.post(PAGE, {"measure": "quintile_gap", "value": str(target),
                                  "period": gap.latest["period"]})
    tracker = Indicator.objects.get(gap_of__code="SC 04")
    assert response.status_code == 302 and response.url == "/indicators/sc-04-gap-lsoas/"
    assert (tracker.code, tracker.gap_level, tracker.gap_measure, tracker.polarity,
            tracker.unit, tracker.decimals, tracker.owner.slug, tracker.visibility) == (
        "SC 04 gap (LSOAs)", "lsoa", "quintile_gap", "down", "incidents", 1,
        "northumbria-police", "public")
    assert list(Target.objects.filter(indicator=tracker).values_list(
        "area__code", "period", "value")) == [("E08000037", "2019-02", target)]

    rows = list(Assessment.objects.filter(indicator=tracker).order_by("period_start"))
    periods = [p for p in gap.periods if p["quintile_gap"] is not None]
    assert [(r.area.code, r.period) for r in rows] == [("E08000037", p["period"])
                                                       for p in periods]
    assert [r.value for r in rows] == pytest.approx([abs(p["quintile_gap"]) for p in periods],
                                                    abs=1e-12)
    last = rows[-1]
    # Twice the target is well beyond the default tolerance (5% of the target): red.
    assert (last.is_latest, last.status, last.status_target, last.status_target_kind) == (
        True, "red", target, "target")
    assert Flag.objects.filter(indicator=tracker, kind=Flag.Kind.RED, period=last.period,
                               cleared_at__isnull=True).count() == 1

    client.post(PAGE, {"measure": "quintile_gap", "value": "2", "period": "2019/20"})
    last = Assessment.objects.get(indicator=tracker, is_latest=True)
    assert (last.target, last.forecast_period) == (2.0, "2019/20")
    missing = round(100 * (1 - last.p_meet_target))
    assert Flag.objects.get(indicator=tracker, kind=Flag.Kind.LIKELY_TO_MISS,
                            cleared_at__isnull=True).reason.endswith(
        f"{missing}% chance of missing the 2019/20 target of 2.0 incidents.")
    changed = Change.objects.filter(person__username="officer",
                                    reason="Target set on the gap in SC 04")
    assert sorted(changed.values_list("content_type__model", flat=True)) == [
        "indicator", "target", "target"]


def test_the_page_of_a_tracked_gap_names_its_target_and_its_source(client_as, gap):
    client = client_as("officer")
    client.post(PAGE, {"measure": "sii", "value": "3", "period": "2019/20"})
    page = client.get(PAGE).content.decode()
    assert ('<a class="govuk-link" href="/indicators/sc-04-sii-lsoas/">SC 04 SII (LSOAs) Gap in '
            "Anti-social behaviour incidents recorded by the police: slope index of "
            "inequality, between LSOAs</a>: no more than 3.0 by 2019/20</li>") in page
    tracker_page = client.get("/indicators/sc-04-sii-lsoas/").content.decode()
    assert 'data-testid="tracks-gap"' in tracker_page
    latest = Assessment.objects.get(indicator__code="SC 04 SII (LSOAs)", is_latest=True)
    assert latest.value == pytest.approx(abs(gap.latest["sii"]), abs=1e-12)


def test_a_second_target_on_the_same_gap_uses_the_same_indicator(client_as):
    client = client_as("officer")
    for value, period in (("2", "2019/20"), ("1.5", "2020/21")):
        client.post(PAGE, {"measure": "quintile_gap", "value": value, "period": period})
    tracker = Indicator.objects.get(gap_of__code="SC 04")
    assert list(tracker.targets.order_by("period_start").values_list("period", "value")) == [
        ("2019/20", 2.0), ("2020/21", 1.5)]


def test_bad_input_says_what_is_wrong_and_saves_nothing(client_as):
    before = (Indicator.objects.count(), Target.objects.count())
    response = client_as("officer").post(PAGE, {"measure": "quintile_gap", "value": "-1",
                                                "period": "next spring"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the size of the gap to reach, zero or more." in page
    assert "Cannot read &#x27;next spring&#x27; as a period" not in page  # value failed first
    assert (Indicator.objects.count(), Target.objects.count()) == before
    response = client_as("officer").post(PAGE, {"measure": "quintile_gap", "value": "2",
                                                "period": "next spring"})
    assert "Cannot read &#x27;next spring&#x27; as a period" in response.content.decode()
    assert (Indicator.objects.count(), Target.objects.count()) == before


def test_only_framework_managers_see_the_form_or_may_post_it(client_as):
    assert 'data-testid="gap-target-form"' not in client_as("pct").get(PAGE).content.decode()
    assert 'data-testid="gap-target-form"' not in client_as(None).get(PAGE).content.decode()
    assert 'data-testid="gap-target-form"' in client_as("officer").get(PAGE).content.decode()
    refused = client_as("pct").post(PAGE, {"measure": "sii", "value": "1", "period": "2019/20"})
    assert refused.status_code == 403
    assert not Indicator.objects.filter(gap_of__code="SC 04").exists()


def test_a_new_figure_for_the_source_reassesses_the_gap(client_as, gap):
    from joinedup.assessment.services import reassess_indicator

    client_as("officer").post(PAGE, {"measure": "quintile_gap", "value": "2",
                                     "period": "2019/20"})
    tracker = Indicator.objects.get(gap_of__code="SC 04")
    Assessment.objects.filter(indicator=tracker).delete()
    reassess_indicator(Indicator.objects.get(code="SC 04"))
    assert Assessment.objects.filter(indicator=tracker).count() == len(
        [p for p in gap.periods if p["quintile_gap"] is not None])
