"""The register as a table, and what the layers ask of it: each question answered once,
here, for the pages, the packs, the command line and the API alike.

Everything starts from ``Risk.objects.visible_to(user)``, so a restricted risk reaches no
one outside its body.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Q
from django.utils import timezone

from joinedup.core import risk as matrix
from joinedup.risks.models import Band, Category, Proposal, Risk, Score
from joinedup.risks.scoring import quarter_of
from joinedup.strategy.models import PathwayAction

#: The register's columns, in order, as the command line and the API give them.
COLUMNS = ["id", "title", "category", "body", "owner", "likelihood", "impact", "score",
           "band", "appetite", "above_appetite", "inherent_score", "target_score",
           "previous_score", "movement", "review_date", "proposed_likelihood", "p_miss",
           "proposal_source", "links"]


def bands() -> pl.DataFrame:
    return pl.DataFrame(list(Band.objects.values_list("name", "lowest", "highest", "colour")),
                        schema={"band": pl.String, "lowest": pl.Int64, "highest": pl.Int64,
                                "colour": pl.String}, orient="row")


def previous_quarter(day: dt.date) -> str:
    """The quarter before the one ``day`` falls in (quarters start in January, April, July
    and October)."""
    first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return quarter_of(first - dt.timedelta(days=1))


def risks(user, *, body=None):
    found = Risk.objects.visible_to(user)
    if body is not None:
        found = found.filter(body=body)
    return found


def _links(risk: Risk) -> str:
    codes = [*(f"outcome:{o.pk}" for o in risk.outcomes.all()),
             *(i.code for i in risk.indicators.all()),
             *(f"{t.indicator.code} target {t.period}" for t in risk.targets.all()),
             *(f"pool:{p.slug}" for p in risk.pools.all())]
    return "; ".join(codes)


def register(user, *, body=None, today: dt.date | None = None) -> pl.DataFrame:
    """One row per risk ``user`` may see (of ``body``, if given): ``COLUMNS``."""
    today = today or timezone.localdate()
    found = list(risks(user, body=body).select_related("category", "body", "owner")
                 .prefetch_related("outcomes", "indicators", "targets__indicator", "pools"))
    ids = [r.pk for r in found]
    last_quarter = previous_quarter(today)
    before = {}
    for risk_id, likelihood, impact, quarter in Score.objects.filter(
            risk_id__in=ids).order_by("risk_id", "recorded_at", "pk").values_list(
            "risk_id", "likelihood", "impact", "quarter"):
        if quarter <= last_quarter:
            before[risk_id] = likelihood * impact
    proposed = {p.risk_id: p for p in Proposal.objects.filter(
        risk_id__in=ids, state=Proposal.State.OPEN)}
    rows = [{
        "id": r.pk, "title": r.title, "category": r.category.name, "body": r.body.slug,
        "owner": r.owner.get_username(), "likelihood": r.likelihood, "impact": r.impact,
        "appetite": r.category.appetite, "inherent_score": r.inherent_score,
        "target_score": r.target_score, "previous_score": before.get(r.pk),
        "review_date": r.review_date,
        "proposed_likelihood": getattr(proposed.get(r.pk), "proposed_likelihood", None),
        "p_miss": getattr(proposed.get(r.pk), "p_miss", None),
        "proposal_source": getattr(proposed.get(r.pk), "source", ""),
        "links": _links(r)} for r in found]
    schema = {"id": pl.Int64, "title": pl.String, "category": pl.String, "body": pl.String,
              "owner": pl.String, "likelihood": pl.Int64, "impact": pl.Int64,
              "appetite": pl.Int64, "inherent_score": pl.Int64, "target_score": pl.Int64,
              "previous_score": pl.Int64, "review_date": pl.Date,
              "proposed_likelihood": pl.Int64, "p_miss": pl.Float64,
              "proposal_source": pl.String, "links": pl.String}
    frame = pl.DataFrame(rows, schema=schema).with_columns(
        matrix.score(pl.col("likelihood"), pl.col("impact")))
    frame = frame.with_columns(
        band=matrix.band_of(frame["score"], bands()),
        above_appetite=pl.col("score") > pl.col("appetite"),
        movement=pl.when(pl.col("previous_score").is_null()).then(pl.lit("new"))
        .when(pl.col("score") > pl.col("previous_score")).then(pl.lit("up"))
        .when(pl.col("score") < pl.col("previous_score")).then(pl.lit("down"))
        .otherwise(pl.lit("same")))
    return frame.select(COLUMNS).sort(["score", "title"], descending=[True, False])


def heat_map(table: pl.DataFrame) -> pl.DataFrame:
    """The register's 25 cells, each with its count, movements and band."""
    grid = matrix.heat_map(table.select("likelihood", "impact", "previous_score"))
    known = bands()
    return grid.with_columns(band=matrix.band_of(grid["score"], known)).join(
        known.select("band", "colour"), on="band", how="left", maintain_order="left")


def for_the_board(user, *, today: dt.date | None = None) -> dict:
    """The Board pack's risk slot: risks above appetite, risks that moved since the last
    quarter, and the forecast proposals still awaiting their owners."""
    table = register(user, today=today)
    awaiting = (Proposal.objects.visible_to(user).filter(state=Proposal.State.OPEN)
                .select_related("risk", "risk__owner", "risk__body"))
    return {"above_appetite": table.filter(pl.col("above_appetite")),
            "moved": table.filter(pl.col("movement").is_in(["up", "down"])),
            "awaiting": list(awaiting), "held": table.height}


def overdue_actions(day: dt.date, *, body=None):
    """Actions past their due date and not complete or dropped, for ``body``'s layer when
    given: the theme partnership of the action's outcome, or the body of the risk whose
    control it delivers."""
    overdue = (PathwayAction.objects.filter(due__lt=day)
               .exclude(status__in=PathwayAction.FINISHED)
               .select_related("outcome__theme__body", "lead", "owner"))
    if body is not None:
        overdue = overdue.filter(Q(outcome__theme__body=body) | Q(controls__risk__body=body))
    return overdue.distinct().order_by("due", "title")


def categories() -> list[Category]:
    return list(Category.objects.all())
