"""The demo's figures: real values, and invented (illustrative) targets and milestones.

Values are written with bulk operations and their history recorded in bulk, in the same
transaction. Targets follow one rule per indicator so that rebuilding gives the same
result: from a baseline three periods before the latest figure, improve by between 2% and
8% of the baseline (fixed by the indicator's code) by a target two periods after the
latest figure. Quarterly milestones mark the straight-line trajectory.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

import polars as pl

from joinedup.core.periods import Period, financial_quarter, parse_period
from joinedup.history.recording import record_bulk
from joinedup.places.models import Level
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator, Milestone, Target

VALUE_FIELDS = ["value", "numerator", "denominator", "lower_ci", "upper_ci", "period", "state"]


def _clean(value):
    return None if value is None or value != value else value  # NaN → None


def build_values(values: pl.DataFrame, indicators: dict[str, Indicator], areas) -> dict:
    """Upsert every value; return counts of rows created, changed and left alone."""
    existing = {
        (v.indicator_id, v.area_id, v.period_start, v.period_end): v
        for v in DataValue.objects.filter(indicator__in=indicators.values())
    }
    to_create, to_update, unchanged = [], [], 0
    for row in values.iter_rows(named=True):
        indicator, area = indicators[row["indicator"]], areas[row["area"]]
        wanted = {
            "value": row["value"],
            "numerator": _clean(row["numerator"]),
            "denominator": _clean(row["denominator"]),
            "lower_ci": _clean(row["lower_ci"]),
            "upper_ci": _clean(row["upper_ci"]),
            "period": row["period"],
            "state": DataValue.State.APPROVED,
        }
        key = (indicator.pk, area.pk, row["period_start"], row["period_end"])
        current = existing.get(key)
        if current is None:
            to_create.append(DataValue(
                indicator=indicator, area=area, period_start=row["period_start"],
                period_end=row["period_end"], **wanted,
            ))
            continue
        if all(getattr(current, name) == wanted[name] for name in VALUE_FIELDS):
            unchanged += 1
            continue
        before = current.snapshot()
        for name, value in wanted.items():
            setattr(current, name, value)
        current.version += 1
        current.indicator, current.area = indicator, area
        to_update.append((before, current))
    DataValue.objects.bulk_create(to_create, batch_size=1000)
    DataValue.objects.bulk_update(
        [obj for _, obj in to_update], [*VALUE_FIELDS, "version"], batch_size=1000
    )
    record_bulk(created=to_create, updated=to_update)
    return {"created": len(to_create), "changed": len(to_update), "unchanged": unchanged}


def record_area_levels(values: pl.DataFrame, indicators: dict[str, Indicator], areas) -> None:
    """Set each indicator's ``area_levels`` to the levels its figures are published for."""
    levels: dict[str, set[str]] = {}
    for code, area in values.select("indicator", "area").unique().iter_rows():
        levels.setdefault(code, set()).add(areas[area].level)
    order = [level.value for level in Level]
    for code, indicator in indicators.items():
        wanted = sorted(levels.get(code, ()), key=order.index)
        if indicator.area_levels != wanted:
            indicator.area_levels = wanted
            indicator.save(update_fields=["area_levels"])


def improvement_rate(code: str) -> float:
    """A steady improvement of 1% to 4% of the baseline a period, fixed by the code."""
    return 0.01 + (zlib.crc32(code.encode()) % 31) / 1000


def build_targets(values: pl.DataFrame, indicators: dict[str, Indicator], areas,
                  catalogue: dict) -> int:
    """Upsert one illustrative target (with quarterly milestones) per judged indicator."""
    also = catalogue["partnership"].get("also_targeted", [])
    count = 0
    for item in catalogue["indicator"]:
        indicator = indicators[item["code"]]
        if indicator.polarity == "none":
            continue
        home_codes = [indicator.outcome.theme.strategy.area.code, *also]
        series = (
            values.filter(pl.col("indicator") == item["code"], pl.col("area").is_in(home_codes))
            .sort("period_start", "period_end")
        )
        if series.height < 2:
            continue
        area = areas[series["area"][0]]
        latest = parse_period(series["period"][-1])
        base = series.row(max(0, series.height - 4), named=True)
        try:
            target_period = latest.shift(2)
        except ValueError:
            continue
        direction = 1 if indicator.polarity == "up" else -1
        improvement = 2 * improvement_rate(item["code"])
        target_value = round(base["value"] * (1 + direction * improvement), indicator.decimals)
        # A stretch target that carries reward grant, as LAA targets did (illustrative).
        stretch = item.get("stretch_reward")
        target = _upsert_target(
            indicator, area, target_period, target_value, base,
            kind=Target.Kind.REWARD if stretch else Target.Kind.LOCAL,
            grant=Decimal(stretch) if stretch else None)
        _upsert_milestones(target, parse_period(base["period"]), base["value"], target_period,
                           target_value, indicator.decimals)
        count += 1
        reward = item.get("reward_target")
        if reward:
            base_row = series.filter(
                pl.col("period") == parse_period(reward["baseline_period"]).label
            ).row(0, named=True)
            period = parse_period(reward["period"])
            target = _upsert_target(indicator, area, period, reward["value"], base_row,
                                    kind=Target.Kind.REWARD, grant=Decimal(reward["grant"]))
            _upsert_milestones(target, parse_period(base_row["period"]), base_row["value"],
                               period, reward["value"], indicator.decimals)
            count += 1
    return count


def _upsert_target(indicator, area, period: Period, value, base, *, kind, grant) -> Target:
    target = Target.objects.filter(
        indicator=indicator, area=area, period_start=period.start, period_end=period.end
    ).first()
    wanted = {
        "period": period.label, "value": value, "kind": kind,
        "baseline_period": base["period"], "baseline_value": base["value"],
        "reward_grant": grant, "illustrative": True, "tolerance": None,
    }
    if target is None:
        target = Target(indicator=indicator, area=area, period_start=period.start,
                        period_end=period.end, **wanted)
        target.save()
    elif any(getattr(target, k) != v for k, v in wanted.items()):
        for name, setting in wanted.items():
            setattr(target, name, setting)
        target.save()
    return target


def quarters_between(after: Period, until: Period) -> list[Period]:
    """Financial quarters ending after ``after`` ends, up to the one ``until`` ends in."""
    first = financial_quarter(after.last_day).shift(1)
    last = financial_quarter(until.last_day)
    quarters, quarter = [], first
    while quarter.start <= last.start:
        quarters.append(quarter)
        quarter = quarter.shift(1)
    return quarters


def _upsert_milestones(target: Target, base_period: Period, base_value: float,
                       target_period: Period, target_value: float, decimals: int) -> None:
    quarters = quarters_between(base_period, target_period)
    span = (target_period.last_day - base_period.last_day).days or 1
    existing = {(m.period_start, m.period_end): m for m in target.milestones.all()}
    keep = set()
    for quarter in quarters:
        progress = min(1.0, max(0.0, (quarter.last_day - base_period.last_day).days / span))
        value = round(base_value + (target_value - base_value) * progress, decimals + 1)
        key = (quarter.start, quarter.end)
        keep.add(key)
        milestone = existing.get(key)
        if milestone is None:
            Milestone(target=target, period=quarter.label, period_start=quarter.start,
                      period_end=quarter.end, value=value).save()
        elif milestone.value != value or milestone.period != quarter.label:
            milestone.value, milestone.period = value, quarter.label
            milestone.save()
    for key, milestone in existing.items():
        if key not in keep:
            milestone.delete()
