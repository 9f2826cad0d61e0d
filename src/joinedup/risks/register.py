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
from joinedup.resources.reward import rewards_at_stake
from joinedup.risks.models import Band, Category, Proposal, Risk, Score
from joinedup.risks.scoring import quarter_of
from joinedup.strategy.models import PathwayAction

#: The register's columns, in order: the API gives them all, the command line a choice.
COLUMNS = ["id", "title", "category", "body", "body_name", "owner", "owner_name", "likelihood", "impact", "score",
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


def links(risk: Risk) -> list[tuple[str, str, str]]:
    """What the risk threatens: (kind, code, name) for each outcome, indicator, target and
    pooled budget it is linked to."""
    return [*(("outcome", f"outcome:{o.pk}", o.title) for o in risk.outcomes.all()),
            *(("indicator", i.code, i.title) for i in risk.indicators.all()),
            *(("target", f"{t.indicator.code} target {t.period}",
               f"{t.indicator.title}: {t.value:g} by {t.period}") for t in risk.targets.all()),
            *(("pooled budget", f"pool:{p.slug}", p.name) for p in risk.pools.all())]


def _links(risk: Risk) -> str:
    return "; ".join(code for _, code, _ in links(risk))


def band_name(score: int) -> str:
    return matrix.band_of(pl.Series([score]), bands())[0]


def money_at_stake(risk: Risk) -> list:
    """The reward grants of the targets the risk threatens, each with what the forecast
    puts at risk (``resources.reward``)."""
    linked = {t.pk for t in risk.targets.all()} | (
        {risk.driving_target_id} if risk.driving_target_id else set())
    return [r for r in rewards_at_stake(risk.owner) if r.target.pk in linked]


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
    proposed = {p.risk_id: p for p in Proposal.objects.filter(   # the newest open one
        risk_id__in=ids, state=Proposal.State.OPEN).order_by("raised_at", "pk")}
    rows = [{
        "id": r.pk, "title": r.title, "category": r.category.name, "body": r.body.slug,
        "body_name": r.body.name, "owner": r.owner.get_username(),
        "owner_name": r.owner.get_full_name() or r.owner.get_username(), "likelihood": r.likelihood, "impact": r.impact,
        "appetite": r.category.appetite, "inherent_score": r.inherent_score,
        "target_score": r.target_score, "previous_score": before.get(r.pk),
        "review_date": r.review_date,
        "proposed_likelihood": getattr(proposed.get(r.pk), "proposed_likelihood", None),
        "p_miss": getattr(proposed.get(r.pk), "p_miss", None),
        "proposal_source": getattr(proposed.get(r.pk), "source", ""),
        "links": _links(r)} for r in found]
    schema = {"id": pl.Int64, "title": pl.String, "category": pl.String, "body": pl.String,
              "body_name": pl.String, "owner": pl.String, "owner_name": pl.String, "likelihood": pl.Int64, "impact": pl.Int64,
              "appetite": pl.Int64, "inherent_score": pl.Int64, "target_score": pl.Int64,
              "previous_score": pl.Int64, "review_date": pl.Date,
              "proposed_likelihood": pl.Int64, "p_miss": pl.Float64,
              "proposal_source": pl.String, "links": pl.String}
    frame = pl.DataFrame(rows, schema=schema).with_columns(
        matrix.score(pl.col("likelihood"), pl.col("impact")))
    frame = frame.with_columns(
        matrix.movement(pl.col("score"), pl.col("previous_score")),
        band=matrix.band_of(frame["score"], bands()),
        above_appetite=pl.col("score") > pl.col("appetite"))
    return frame.select(COLUMNS).sort(["score", "title"], descending=[True, False])


def heat_map(table: pl.DataFrame) -> pl.DataFrame:
    """The register's 25 cells, each with its count, movements and band."""
    grid = matrix.heat_map(table.select("likelihood", "impact", "previous_score"))
    known = bands()
    return grid.with_columns(band=matrix.band_of(grid["score"], known)).join(
        known.select("band", "colour"), on="band", how="left", maintain_order="left")


def for_the_board(user, *, today: dt.date | None = None, body=None,
                  unrestricted: bool = False) -> dict:
    """The risk item of a report or pack: risks above appetite, risks that moved since the
    last quarter, and the forecast proposals still awaiting their owners; of ``body``'s
    register when given. ``unrestricted``: leave restricted risks out (a pack goes to
    every partner), counting them in ``left_out``."""
    table = register(user, body=body, today=today)
    left_out = 0
    if unrestricted:
        restricted = set(risks(user, body=body).filter(restricted=True)
                         .values_list("pk", flat=True))
        left_out = len(restricted)
        table = table.filter(~pl.col("id").is_in(list(restricted)))
    awaiting = (Proposal.objects.visible_to(user).filter(
        state=Proposal.State.OPEN, risk_id__in=table["id"].to_list())
        .select_related("risk", "risk__owner", "risk__body").order_by("risk__title"))
    return {"table": table, "above_appetite": table.filter(pl.col("above_appetite")),
            "moved": table.filter(pl.col("movement").is_in(["up", "down"])),
            "awaiting": list(awaiting), "held": table.height, "left_out": left_out}


def overdue_actions(day: dt.date, *, body=None, user=None):
    """Actions past their due date and not complete or dropped, for ``body``'s layer when
    given: the theme partnership of the action's outcome, the body of the risk whose
    control it delivers, or the lead of the delivery plan it belongs to. Given ``user``, an action towards no outcome is shown only if it
    delivers a control of a risk they may see."""
    overdue = (PathwayAction.objects.filter(due__lt=day)
               .exclude(status__in=PathwayAction.FINISHED)
               .select_related("outcome__theme__body", "lead", "owner"))
    if user is not None:
        overdue = overdue.filter(Q(outcome__isnull=False)
                                 | Q(controls__risk__in=Risk.objects.visible_to(user)))
    if body is not None:
        overdue = overdue.filter(Q(outcome__theme__body=body) | Q(controls__risk__body=body)
                                 | Q(delivery_plans__lead=body))
    return overdue.distinct().order_by("due", "title")


def categories() -> list[Category]:
    return list(Category.objects.all())
