"""Setting a target on a gap: an indicator that tracks the gap between areas.

"Narrow the gap" targets (Warwickshire's vision of "narrowing gaps across the county")
are set on the size of the gap between the most deprived fifth of an indicator's wards
or LSOAs and the rest, or on its slope index of inequality. The gap becomes an indicator
of its own, owned and shared as its source is, with polarity "lower is better"; its
figures are computed by the assessment from the source's approved figures
(``assessment.services.tracked_gap_values``), never entered. Its targets are ordinary
targets, so status, forecasts and flags treat them as any other.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from joinedup.core.periods import PeriodError, parse_period
from joinedup.history.recording import recorded_as
from joinedup.strategy.models import GAP_LEVELS, GAP_MEASURES, Indicator, Polarity, Target

SHORT = {"quintile_gap": "gap", "sii": "SII"}
ONE = {"locality": "locality", "ward": "ward", "lsoa": "LSOA"}


def tracking_indicator(source: Indicator, level: str, measure: str) -> Indicator | None:
    return Indicator.objects.filter(gap_of=source, gap_level=level,
                                    gap_measure=measure).first()


def track_gap(source: Indicator, *, level: str, measure: str, value: float, period: str,
              person) -> tuple[Indicator, Target]:
    """Make (or find) the indicator tracking ``source``'s gap at ``level`` by ``measure``,
    and set its target for ``period`` in the source's strategy area. Raises
    ``ValidationError`` naming the field at fault; nothing is saved then."""
    levels, measures = dict(GAP_LEVELS), dict(GAP_MEASURES)
    problems = {}
    if source.tracks_gap:
        problems["indicator"] = "This indicator already measures a gap."
    if level not in levels:
        problems["level"] = f"Choose one of: {', '.join(levels.values())}."
    if measure not in measures:
        problems["measure"] = f"Choose one of: {', '.join(measures.values())}."
    if value is None or value != value or value < 0:
        problems["value"] = "Enter the size of the gap to reach, zero or more."
    try:
        target_period = parse_period(period)
    except (PeriodError, ValueError, OverflowError) as error:
        problems["period"] = str(error)
    if problems:
        raise ValidationError(problems)
    area = source.outcome.theme.strategy.area
    with recorded_as(person, reason=f"Target set on the gap in {source.code}"):
        tracker = tracking_indicator(source, level, measure)
        if tracker is None:
            tracker = _new_tracker(source, level, measure, levels[level], measures[measure])
            tracker.area_levels = [area.level]
            tracker.full_clean()
            tracker.save()
        target = Target.objects.filter(
            indicator=tracker, area=area, period_start=target_period.start,
            period_end=target_period.end).first() or Target(
            indicator=tracker, area=area, period_start=target_period.start,
            period_end=target_period.end)
        target.period, target.value = target_period.label, value
        target.save()
    return tracker, target


def _new_tracker(source: Indicator, level: str, measure: str, level_name: str,
                 measure_name: str) -> Indicator:
    code = f"{source.code} {SHORT[measure]} ({level_name[0].upper()}{level_name[1:]})"
    return Indicator(
        gap_of=source, gap_level=level, gap_measure=measure, outcome=source.outcome,
        code=code[:30], slug=slugify(code)[:40],
        title=f"Gap in {source.title[:150]}: {measure_name.lower()}, between {level_name}",
        definition=(f"The size of the gap in {source.code} between {level_name}: "
                    f"{measure_name.lower()}, computed at each assessment from the approved "
                    f"{ONE[level]} figures of {source.code} and each area's IMD 2019 "
                    "rank. A smaller gap is better."),
        unit=source.unit, decimals=max(source.decimals, 1), polarity=Polarity.DOWN,
        frequency=source.frequency, kind=Indicator.Kind.LOCAL,
        source=f"Computed by JoinedUp from {source.code}", owner=source.owner,
        lead_body=source.lead_body, visibility=source.visibility)
