"""Likelihoods proposed from the forecasts, after every stored assessment run.

A risk linked to the target it threatens (``Risk.driving_target``) reads its likelihood
from the engine's probability of meeting that target, through the partnership's bounds of
P(miss) (``core.risk.proposals``). The engine forecasts each series towards its applicable
target (the first whose period ends after the latest figure), so a risk's P(meet) is the
latest assessment's for the target's indicator and area when the forecast aims at this
target (its period and value), as ``resources.reward`` reads it. A special-cause signal
is an open "special-cause concern" flag on the same indicator and area.

A proposal that differs from the recorded likelihood is raised for the risk's owner (its
body's layer), superseding any still open; one the forecast no longer supports (it now
reads the recorded likelihood) is closed as superseded. Nothing else about the risk
changes until its owner decides (``scoring.decide``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Q

from joinedup.assessment.models import Assessment, Flag
from joinedup.core.risk import likelihood_from_p_miss, proposals
from joinedup.history.recording import recorded_as
from joinedup.risks.models import Likelihood, Proposal, Risk

SCHEMA = {"risk": pl.Int64, "recorded": pl.Int64, "target": pl.Int64, "indicator": pl.Int64,
          "area": pl.Int64, "period": pl.String, "value": pl.Float64, "code": pl.String}


def bounds() -> pl.DataFrame:
    """The partnership's P(miss) bounds, one row per likelihood level."""
    return pl.DataFrame(list(Likelihood.objects.order_by("level").values_list(
        "level", "p_miss_from")), schema={"likelihood": pl.Int64, "p_miss_from": pl.Float64},
        orient="row")


def driven_risks(indicator_ids=None) -> pl.DataFrame:
    """Every risk a target drives, with what the forecast and the last proposal say."""
    risks = Risk.objects.filter(driving_target__isnull=False)
    if indicator_ids is not None:
        risks = risks.filter(driving_target__indicator_id__in=list(indicator_ids))
    frame = pl.DataFrame(list(risks.values_list(
        "pk", "likelihood", "driving_target_id", "driving_target__indicator_id",
        "driving_target__area_id", "driving_target__period", "driving_target__value",
        "driving_target__indicator__code")),
        schema=SCHEMA, orient="row")
    if frame.is_empty():
        return frame
    pairs = Q()
    for indicator, area in frame.select("indicator", "area").unique().iter_rows():
        pairs |= Q(indicator_id=indicator, area_id=area)
    forecast = pl.DataFrame(list(Assessment.objects.filter(pairs, is_latest=True).values_list(
        "indicator_id", "area_id", "forecast_period", "target", "p_meet_target")),
        schema={"indicator": pl.Int64, "area": pl.Int64, "period": pl.String,
                "value": pl.Float64, "p_meet": pl.Float64}, orient="row")
    signalled = pl.DataFrame(list(Flag.objects.filter(
        pairs, kind=Flag.Kind.CONCERN, cleared_at__isnull=True).values_list(
        "indicator_id", "area_id").distinct()),
        schema={"indicator": pl.Int64, "area": pl.Int64}, orient="row")
    last = pl.DataFrame(list(Proposal.objects.filter(risk_id__in=frame["risk"].to_list())
                             .order_by("risk_id", "-raised_at", "-pk")
                             .values_list("risk_id", "proposed_likelihood", "p_miss", "signal")),
                        schema={"risk": pl.Int64, "last_proposed": pl.Int64,
                                "last_p_miss": pl.Float64, "last_signal": pl.Boolean},
                        orient="row").unique("risk", keep="first")
    return (frame.join(forecast, on=["indicator", "area", "period", "value"], how="left")
            .join(signalled.with_columns(signal=pl.lit(True)), on=["indicator", "area"],
                  how="left")
            .with_columns(pl.col("signal").fill_null(False))
            .join(last, on="risk", how="left"))


def repropose(indicator_ids=None, *, now: dt.datetime) -> dict[str, int]:
    """Raise the proposals the latest forecasts call for; counts raised and closed."""
    frame = driven_risks(indicator_ids)
    counts = {"raised": 0, "closed": 0}
    if frame.is_empty():
        return counts
    scale = bounds()
    wanted = proposals(frame, scale)
    read = frame.with_columns(reads=likelihood_from_p_miss(1 - frame["p_meet"], scale)).join(
        wanted.select("risk", "proposed"), on="risk", how="left")
    with recorded_as(actor="risk forecasts",
                     reason="Likelihoods read again from the forecasts of their targets"):
        # Open proposals the forecast no longer supports, or that a new one replaces.
        moot = read.filter(pl.col("proposed").is_not_null()
                           | (pl.col("reads") == pl.col("recorded")))["risk"].to_list()
        for proposal in Proposal.objects.filter(risk_id__in=moot, state=Proposal.State.OPEN):
            proposal.state = Proposal.State.SUPERSEDED
            proposal.save()
            counts["closed"] += 1
        rows = wanted.join(frame, on="risk").iter_rows(named=True)
        for row in rows:
            Proposal.objects.create(
                risk_id=row["risk"], target_id=row["target"],
                recorded_likelihood=row["recorded"], proposed_likelihood=row["proposed"],
                p_miss=round(row["p_miss"], 4), signal=row["signal"],
                source=f"P(miss) {row['p_miss']:.2f} for {row['code']} target {row['period']}",
                reason=row["reason"], raised_at=now)
            counts["raised"] += 1
    return counts

