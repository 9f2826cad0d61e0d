"""Splitting a pot across areas: scenarios worked out, compared, and one agreed.

Warwickshire's Public Service Board sent more of its Area Based Grant to its most
deprived district; getting partners to agree to that geographical variation was the
hardest part. So a pot's split is worked out several ways side by side (equal shares, by
population, by need, as last year), with what each sends to the most deprived fifth of
the population, and the one the partnership agrees becomes budget lines. The arithmetic
is ``core.allocation``'s; this module feeds it the areas and keeps the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.utils import timezone

from joinedup.core.allocation import AllocationError, allocate, most_deprived_fifth
from joinedup.places.models import Area
from joinedup.resources import bases, events
from joinedup.resources.models import AllocationScenario, Arrangement, BudgetLine, ScenarioAmount

__all__ = ["AllocationError", "Comparison", "agree", "compare", "needs_frame", "work_out"]


def needs_frame(areas, *, need: dict[str, float] | None = None,
                previous: dict[str, int] | None = None) -> pl.DataFrame:
    """``area`` (code), ``population``, ``need`` and ``previous`` for ``areas``.

    Need is ``bases``' deprivation measure unless ``need`` gives it by area code (an IMD
    score, say); ``previous`` gives last year's amounts by code.
    """
    known = bases.areas_frame().select("code", "population", "need")
    codes = [a.code for a in areas]
    frame = pl.DataFrame({"area": codes}).join(known, left_on="area", right_on="code",
                                               how="left")
    if need is not None:
        frame = frame.with_columns(need=pl.col("area").replace_strict(need, default=None,
                                                                       return_dtype=pl.Float64))
    previous = previous or {}
    return frame.with_columns(previous=pl.col("area").replace_strict(
        previous, default=None, return_dtype=pl.Float64))


@transaction.atomic
def work_out(scenario: AllocationScenario, areas, *, need: dict[str, float] | None = None,
             previous: dict[str, int] | None = None,
             agreed: dict[str, int] | None = None) -> list[ScenarioAmount]:
    """Work out ``scenario``'s amounts over ``areas`` and keep them (replacing any).

    For a scenario on the basis "agreed", ``agreed`` gives the amounts by area code, as
    the partnership decided them; they must add up to the pot.
    """
    frame = needs_frame(areas, need=need, previous=previous)
    missing = frame.filter(pl.col("population").is_null() | pl.col("need").is_null())
    if missing.height and scenario.basis in ("population", "need"):
        raise AllocationError("These areas have no population or need to weigh them by: "
                              + ", ".join(missing["area"].to_list()) + ".")
    pot = int(scenario.pot)
    if scenario.basis == AllocationScenario.Basis.AGREED:
        result = _as_agreed(frame, pot, agreed or {})
    else:
        result = allocate(frame.with_columns(pl.col("population").fill_null(0),
                                             pl.col("need").fill_null(0.0)),
                          pot, basis=scenario.basis,
                          floor=_pounds(scenario.floor), ceiling=_pounds(scenario.ceiling),
                          damping=scenario.damping)
    by_code = {a.code: a for a in areas}
    inputs = {r["area"]: r for r in frame.iter_rows(named=True)}
    scenario.amounts.all().delete()
    made = [ScenarioAmount(
        scenario=scenario, area=by_code[r["area"]],
        population=inputs[r["area"]]["population"] or 0,
        need=inputs[r["area"]]["need"] or 0.0,
        previous=_whole(inputs[r["area"]]["previous"]), weight=r["weight"],
        allocation=Decimal(r["allocation"]), lower=Decimal(round(r["lower"])),
        upper=_whole(r["upper"]), bound=str(r["bound"]))
        for r in result.iter_rows(named=True)]
    for amount in made:
        amount.save()
    return made


def _as_agreed(frame: pl.DataFrame, pot: int, agreed: dict[str, int]) -> pl.DataFrame:
    amounts = [int(agreed.get(code, 0)) for code in frame["area"]]
    if sum(amounts) != pot:
        raise AllocationError(f"The agreed amounts add up to £{sum(amounts):,}, not the pot "
                              f"of £{pot:,}.")
    return frame.select("area", weight=pl.lit(1.0), allocation=pl.Series(amounts),
                        lower=pl.lit(0.0), upper=pl.lit(None, pl.Float64),
                        bound=pl.lit("none"))


def _pounds(value) -> float | None:
    return None if value is None else float(value)


def _whole(value) -> Decimal | None:
    return None if value is None else Decimal(round(value))


@dataclass
class Comparison:
    """Scenarios side by side: one row per area, a column of amounts per scenario."""

    scenarios: list[AllocationScenario]
    rows: list[dict]
    deprived: dict[int, float]
    deprived_share: dict[int, float]
    totals: dict[int, int]

    @property
    def has_previous(self) -> bool:
        return any(row["previous"] is not None for row in self.rows)


def compare(scenarios: list[AllocationScenario]) -> Comparison:
    amounts = ScenarioAmount.objects.filter(scenario__in=scenarios).select_related("area")
    by_area: dict[str, dict] = {}
    long = []
    for amount in amounts:
        row = by_area.setdefault(amount.area.code, {
            "area": amount.area, "population": amount.population, "need": amount.need,
            "previous": amount.previous, "amounts": {}, "bounds": {}})
        row["amounts"][amount.scenario_id] = int(amount.allocation)
        row["bounds"][amount.scenario_id] = amount.bound
        long.append((amount.scenario_id, amount.area.code, int(amount.allocation),
                     amount.population, amount.need))
    frame = pl.DataFrame(long, orient="row", schema={
        "scenario": pl.Int64, "area": pl.String, "allocation": pl.Int64,
        "population": pl.Int64, "need": pl.Float64})
    deprived, share, totals = {}, {}, {}
    # each scenario's most deprived fifth is of its own areas' people
    for (scenario,), own in frame.group_by(["scenario"]):
        fifth = most_deprived_fifth(own.select("area", "allocation"),
                                    own.select("area", "population", "need"))
        deprived[scenario] = fifth["deprived_amount"][0]
        share[scenario] = fifth["deprived_share"][0]
        totals[scenario] = int(own["allocation"].sum())
    rows = sorted(by_area.values(), key=lambda r: (-r["need"], r["area"].code))
    return Comparison(scenarios, rows, deprived, share, totals)


@transaction.atomic
def agree(scenario: AllocationScenario, *, person, partner=None) -> int:
    """Agree ``scenario``: its amounts become aligned budget lines of its stream, theme
    and year (replacing the stream's lines there), and every other scenario for the same
    stream and year goes back to draft. Returns the number of lines."""
    others = AllocationScenario.objects.filter(
        stream=scenario.stream, financial_year=scenario.financial_year,
        state=AllocationScenario.State.AGREED).exclude(pk=scenario.pk)
    for other in others:
        other.state, other.agreed_by, other.agreed_at = "draft", None, None
        other.save()
    scenario.state = AllocationScenario.State.AGREED
    scenario.agreed_by, scenario.agreed_at = person, timezone.now()
    scenario.save()
    partner = partner or scenario.stream.partner
    amounts = list(scenario.amounts.select_related("area"))
    BudgetLine.objects.filter(stream=scenario.stream, financial_year=scenario.financial_year,
                              theme=scenario.theme,
                              area__in=[a.area for a in amounts]).delete()
    for amount in amounts:
        BudgetLine.objects.create(
            partner=partner, stream=scenario.stream, theme=scenario.theme, area=amount.area,
            financial_year=scenario.financial_year, arrangement=Arrangement.ALIGNED,
            budget=amount.allocation, description=f"Allocated: {scenario.name}",
            illustrative=scenario.illustrative, shared_with_partners=True,
            state=BudgetLine.State.APPROVED, submitted_by=person, approved_by=person)
    events.announce([scenario.financial_year])
    return len(amounts)


def areas_at(level: str, within: str):
    """The areas of ``level`` inside the area coded ``within``."""
    frame = bases.areas_frame()
    parent = frame.filter(pl.col("code") == within)
    if parent.is_empty():
        return []
    pairs = bases.wards_within(frame) if level == "ward" else None
    if pairs is not None:
        ids = pairs.filter(pl.col("within_id") == parent["area_id"][0])["area_id"].to_list()
    else:
        ids = frame.filter(pl.col("parent_id") == parent["area_id"][0])["area_id"].to_list()
    return list(Area.objects.filter(pk__in=ids).order_by("code"))
