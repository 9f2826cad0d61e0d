"""Run the analytics core over the database and store what it finds.

The one place where querysets become frames and frames become rows again. A run covers
the whole partnership, or one indicator when one of its figures changes (the incremental
path). Only approved figures are assessed: drafts are their owners' working copies.

A run also flags the returns its indicators still owe: an expected return not received
(in the returns app's sense) by its round's deadline. "Today" is decided here, at the
edge, and passed to the core and to anyone told that the run was stored.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from joinedup.assessment.events import assessment_stored
from joinedup.assessment.models import Assessment, AssessmentRun, Flag, Gap, GapTrend
from joinedup.core.engine import assess
from joinedup.core.flags import missing_returns, raise_flags
from joinedup.core.gaps import area_gaps, gap_figures, gap_trends
from joinedup.core.parameters import AssessmentParameters
from joinedup.core.periods import parse_period, parse_periods
from joinedup.places.models import Area
from joinedup.returns.models import DataValue, ExpectedReturn
from joinedup.returns.rounds import received_value
from joinedup.strategy.models import Indicator, Milestone, Target

FLAG_SCHEMA = {"indicator": pl.String, "area": pl.String, "period": pl.String,
               "kind": pl.String, "reason": pl.String}
RESULT_FIELDS = [
    "value", "status", "status_target", "status_target_period", "status_target_kind",
    "direction",
    "direction_previous", "direction_year", "worsening_run", "spc_mean", "spc_lower",
    "spc_upper", "spc_lower_2sigma", "spc_upper_2sigma", "spc_signal", "spc_side",
    "variation", "assurance", "spc_trial_limits", "outlier", "outlier_score",
    "outlier_reason", "target", "forecast_period", "forecast", "forecast_lower80",
    "forecast_upper80", "forecast_lower95", "forecast_upper95", "p_meet_target",
    "forecast_method", "forecast_reason",
]
TEXT_FIELDS = {"status_target_period", "status_target_kind", "outlier_reason", "forecast_period", "forecast_method",
               "forecast_reason", "spc_signal", "spc_side", "variation", "assurance"}


def _with_periods(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``period_kind`` and ``period_label`` from the stored (canonical) labels."""
    read = parse_periods(frame["period"])
    return frame.with_columns(period_kind=read["kind"].cast(pl.String), period_label=read["label"])


VALUE_SCHEMA = {"indicator": pl.String, "area": pl.String, "period": pl.String,
                "period_start": pl.Date, "period_end": pl.Date, "value": pl.Float64,
                "lower_ci": pl.Float64, "upper_ci": pl.Float64, "numerator": pl.Float64,
                "denominator": pl.Float64}


def _approved_values(indicators, as_at_end=None, levels=None) -> pl.DataFrame:
    values = DataValue.objects.filter(indicator__in=indicators,
                                      state=DataValue.State.APPROVED)
    if as_at_end is not None:
        values = values.filter(period_end__lte=as_at_end)
    if levels is not None:
        values = values.filter(area__level__in=levels)
    value_rows = values.order_by("indicator__code", "area__code", "period_start").values_list(
        "indicator__code", "area__code", "period", "period_start", "period_end", "value",
        "lower_ci", "upper_ci", "numerator", "denominator")
    return pl.DataFrame(list(value_rows), orient="row", schema=VALUE_SCHEMA)


def tracked_gap_values(indicators, as_at_end=None) -> pl.DataFrame:
    """The figures of the indicators among ``indicators`` that track a gap: the size of
    their source indicator's gap between areas (``core.gaps.gap_figures``), period by
    period, within their strategy's area, from the source's approved figures."""
    tracking = list(indicators.filter(gap_of__isnull=False).select_related(
        "gap_of", "outcome__theme__strategy__area"))
    if not tracking:
        return pl.DataFrame(schema=VALUE_SCHEMA)
    sources = Indicator.objects.filter(pk__in={i.gap_of_id for i in tracking})
    values = _approved_values(sources, as_at_end, levels=GAP_LEVELS)
    areas = deprivation_frame()
    polarity = pl.DataFrame(list(sources.values_list("code", "polarity")), orient="row",
                            schema={"indicator": pl.String, "polarity": pl.String})
    gaps = (area_gaps(values.select("indicator", "area", "period", "period_start", "value")
                      .join(polarity, on="indicator", how="left"), areas)
            if values.height else pl.DataFrame())
    tracked = pl.DataFrame(
        [(i.code, i.gap_of.code, i.gap_level, i.gap_measure,
          i.outcome.theme.strategy.area.code) for i in tracking], orient="row",
        schema={"indicator": pl.String, "source": pl.String, "level": pl.String,
                "measure": pl.String, "area": pl.String})
    figures = gap_figures(gaps, tracked)
    ends = values.select("period", "period_start", "period_end").unique(
        ["period", "period_start"])
    return (figures.join(ends, on=["period", "period_start"], how="left")
            .with_columns(*(pl.lit(None, dtype=pl.Float64).alias(c) for c in
                            ("lower_ci", "upper_ci", "numerator", "denominator")))
            .select(list(VALUE_SCHEMA)))


def frames_for(indicators, as_at_end=None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Values, polarity and targets (with milestones) of ``indicators`` as core frames.

    An indicator that tracks a gap has no figures of its own: its values are the size of
    its source's gap, computed here (``tracked_gap_values``)."""
    value_frame = pl.concat([_approved_values(indicators, as_at_end),
                             tracked_gap_values(indicators, as_at_end)])
    if value_frame.height:
        value_frame = _with_periods(value_frame)
    polarity = pl.DataFrame(list(indicators.values_list("code", "polarity")), orient="row",
                            schema={"indicator": pl.String, "polarity": pl.String})
    target_schema = {"indicator": pl.String, "area": pl.String, "period": pl.String,
                     "period_start": pl.Date, "period_end": pl.Date, "target": pl.Float64,
                     "tolerance": pl.Float64, "target_kind": pl.String}
    target_rows = [
        (*row, "target") for row in Target.objects.filter(indicator__in=indicators).values_list(
            "indicator__code", "area__code", "period", "period_start", "period_end", "value",
            "tolerance")
    ] + [
        (*row, "milestone") for row in Milestone.objects.filter(
            target__indicator__in=indicators).values_list(
            "target__indicator__code", "target__area__code", "period", "period_start",
            "period_end", "value", "target__tolerance")
    ]
    targets = pl.DataFrame(target_rows, orient="row", schema=target_schema)
    if targets.height:
        targets = _with_periods(targets)
    return value_frame, polarity, targets


@dataclass(frozen=True)
class _Ids:
    """Primary keys by code, looked up once per stored run."""

    indicators: dict[str, int]
    areas: dict[str, int]


def _covered(indicator: Indicator | None):
    """What one run assesses: everything, or one indicator with the gaps tracked on it
    (their figures change with its figures)."""
    if indicator is None:
        return Indicator.objects.all()
    return Indicator.objects.filter(Q(pk=indicator.pk) | Q(gap_of=indicator))


def run_assessment(*, indicator: Indicator | None = None, as_at_period: str | None = None,
                   person=None, actor: str | None = None,
                   parameters: AssessmentParameters | None = None,
                   store: bool = True, today: dt.date | None = None,
                   progress: Callable[[int, int], None] | None = None):
    """Assess the partnership (or one indicator) and store the results; return the run and
    the result frame. ``today`` (the partnership's today by default) decides which returns
    are late."""
    parameters = parameters or AssessmentParameters()
    today = timezone.localdate() if today is None else today
    started = time.monotonic()
    indicators = _covered(indicator)
    as_at_end = parse_period(as_at_period).end if as_at_period else None
    run = AssessmentRun(
        started_at=timezone.now(),
        scope=AssessmentRun.Scope.INDICATOR if indicator else AssessmentRun.Scope.PARTNERSHIP,
        indicator=indicator, as_at_period=parse_period(as_at_period).label if as_at_period else "",
        parameters=parameters.to_dict(), person=person if getattr(person, "pk", None) else None,
        actor=actor or (person.get_username() if person is not None else "system"),
    )
    if not store:
        return run, _assessed(indicators, as_at_end, parameters, progress)[-1]
    with transaction.atomic():
        # The indicators are locked before their figures are read, so that two runs over
        # the same indicator (two of its figures approved at once, through two servers)
        # take turns: the second reads the first's figures, and neither stores over the
        # other's results half way.
        list(Indicator.objects.filter(pk__in=indicators.values("pk")).order_by("pk")
             .select_for_update().values_list("pk", flat=True))
        values, polarity, results = _assessed(indicators, as_at_end, parameters, progress)
        run.save()
        ids = _Ids(indicators=dict(Indicator.objects.values_list("code", "pk")),
                   areas=dict(Area.objects.values_list("code", "pk")))
        _store(run, indicators, results, ids)
        flags = _store_flags(run, indicators, results, parameters, today, ids)
        _store_gaps(run, indicators, values, polarity, parameters, ids)
        run.state = AssessmentRun.State.DONE
        run.rows = results.height
        run.flags_raised = flags
        run.finished_at = timezone.now()
        run.seconds = time.monotonic() - started
        run.save()
        assessment_stored.send(
            sender=AssessmentRun, run=run,
            indicator_ids=list(indicators.order_by("pk").values_list("pk", flat=True)),
            today=today)
    return run, results


def _assessed(indicators, as_at_end, parameters, progress):
    """The covered indicators' figures and the core's assessment of them."""
    values, polarity, targets = frames_for(indicators, as_at_end)
    total = values.height
    results = (assess(values, polarity, targets, parameters,
                      progress=(lambda done: progress(done, total)) if progress else None)
               if total else pl.DataFrame())
    return values, polarity, results


def reproduce(period: str, indicator: Indicator | None = None) -> pl.DataFrame:
    """The stored assessment of every figure for ``period``, worked out again; stores nothing.

    Each indicator's approved figures are assessed with the parameters of the run that
    stored its results, cut where that run was cut (its as-at period), and the rows whose
    period is ``period`` (the same dates, however written) are returned, in indicator and
    area order. An indicator with no stored results has nothing to reproduce.
    """
    chosen = parse_period(period)
    indicators = _covered(indicator)
    stored_by = dict(Assessment.objects.filter(indicator__in=indicators).order_by()
                     .values_list("indicator_id", "run_id").distinct())
    groups: dict[tuple, list[int]] = {}
    for run in AssessmentRun.objects.filter(pk__in=set(stored_by.values())):
        key = (AssessmentParameters.from_dict(run.parameters), run.as_at_period)
        groups.setdefault(key, []).extend(
            pk for pk, run_id in stored_by.items() if run_id == run.pk)
    pieces = []
    for (parameters, as_at), ids in groups.items():
        values, polarity, targets = frames_for(
            Indicator.objects.filter(pk__in=ids), parse_period(as_at).end if as_at else None)
        if values.height == 0:
            continue
        results = assess(values, polarity, targets, parameters)
        pieces.append(results.filter(pl.col("period_start") == chosen.start,
                                     pl.col("period_end") == chosen.end))
    if not pieces:
        return pl.DataFrame()
    return pl.concat(pieces).sort("indicator", "area")


def _store(run: AssessmentRun, indicators, results: pl.DataFrame, ids: _Ids) -> None:
    Assessment.objects.filter(indicator__in=indicators).delete()
    if results.height == 0:
        return
    indicator_ids, area_ids = ids.indicators, ids.areas
    rows = []
    for record in results.iter_rows(named=True):
        fields = {name: record[name] for name in RESULT_FIELDS}
        for name in TEXT_FIELDS:
            fields[name] = fields[name] or ""
        rows.append(Assessment(
            run=run, indicator_id=indicator_ids[record["indicator"]],
            area_id=area_ids[record["area"]], period=record["period"],
            period_start=record["period_start"], period_end=record["period_end"],
            is_latest=record["is_latest"], **{k: _plain(v) for k, v in fields.items()},
        ))
    Assessment.objects.bulk_create(rows, batch_size=2000)


def _plain(value):
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _figure_flags(indicators, results: pl.DataFrame,
                  parameters: AssessmentParameters) -> pl.DataFrame:
    """Flags on each series' latest assessed figure."""
    if results.height == 0:
        return pl.DataFrame(schema=FLAG_SCHEMA)
    latest = results.filter(pl.col("is_latest"))
    context = pl.DataFrame(
        list(indicators.values_list("code", "title", "unit", "decimals")), orient="row",
        schema={"indicator": pl.String, "title": pl.String, "unit": pl.String,
                "decimals": pl.Int32})
    names = pl.DataFrame(list(Area.objects.values_list("code", "name")), orient="row",
                         schema={"area": pl.String, "area_name": pl.String})
    latest = latest.join(context, on="indicator", how="left").join(names, on="area", how="left")
    latest = latest.with_columns(period_kind=parse_periods(latest["period"])["kind"]
                                 .cast(pl.String))
    return raise_flags(latest.with_columns(
        pl.col("status", "spc_signal", "variation", "assurance").cast(pl.String)),
        parameters.flags)


def _missing_flags(indicators, today: dt.date) -> pl.DataFrame:
    """Flags for the indicators' expected returns not received by their deadline."""
    rows = ExpectedReturn.objects.filter(indicator__in=indicators).annotate(
        received_value=Subquery(received_value().values("value")[:1])).values_list(
        "indicator__code", "area__code", "period", "period_start", "period_end",
        "collection_round__deadline", "indicator__title", "area__name", "owner__name",
        "received_value")
    expected = pl.DataFrame(list(rows), orient="row", schema={
        "indicator": pl.String, "area": pl.String, "period": pl.String,
        "period_start": pl.Date, "period_end": pl.Date, "deadline": pl.Date,
        "title": pl.String, "area_name": pl.String, "owner": pl.String, "value": pl.Float64})
    if expected.height == 0:
        return pl.DataFrame(schema=FLAG_SCHEMA)
    figure = ["indicator", "area", "period_start", "period_end"]
    # A figure asked for in more than one round has been owed since the earliest deadline.
    expected = expected.sort("deadline").unique(figure, keep="first", maintain_order=True)
    values = expected.filter(pl.col("value").is_not_null()).select(*figure, "value")
    return missing_returns(expected.drop("value"), values, today)


def _store_flags(run, indicators, results: pl.DataFrame, parameters: AssessmentParameters,
                 today: dt.date, ids: _Ids) -> int:
    """Raise this run's flags, keep those still raised open, clear the rest."""
    raised = pl.concat([_figure_flags(indicators, results, parameters),
                        _missing_flags(indicators, today)], how="vertical_relaxed")
    indicator_ids, area_ids = ids.indicators, ids.areas
    now = timezone.now()
    existing = {
        (f.indicator_id, f.area_id, f.period, f.kind): f
        for f in Flag.objects.filter(indicator__in=indicators)
    }
    keep, create, update = set(), [], []
    for code, area, period, kind, reason in raised.select(list(FLAG_SCHEMA)).iter_rows():
        key = (indicator_ids[code], area_ids[area], period, kind)
        keep.add(key)
        flag = existing.get(key)
        if flag is None:
            period_obj = parse_period(period)
            create.append(Flag(indicator_id=key[0], area_id=key[1], period=period,
                               period_start=period_obj.start, period_end=period_obj.end,
                               kind=kind, reason=reason, first_run=run, last_run=run,
                               raised_at=now))
        else:
            flag.reason, flag.last_run, flag.cleared_at = reason, run, None
            update.append(flag)
    Flag.objects.bulk_create(create, batch_size=1000)
    Flag.objects.bulk_update(update, ["reason", "last_run", "cleared_at"], batch_size=1000)
    gone = [f for key, f in existing.items() if key not in keep and f.cleared_at is None]
    for flag in gone:
        flag.cleared_at = now
        flag.last_run = run
    Flag.objects.bulk_update(gone, ["cleared_at", "last_run"], batch_size=1000)
    return len(keep)


GAP_LEVELS = ("locality", "ward", "lsoa")
GAP_FIELDS = {"minimum": "min", "maximum": "max", "range": "range", "iqr_gap": "iqr_gap",
              "deprived_quintile_mean": "deprived_quintile_mean", "rest_mean": "rest_mean",
              "quintile_gap": "quintile_gap", "sii": "sii"}


def deprivation_frame() -> pl.DataFrame:
    """Areas below district level with a deprivation rank and a population.

    An LSOA has its IMD 2019 rank; a ward or locality takes the mean rank of the LSOAs
    within it (so 1 is still the most deprived end).
    """
    areas = list(Area.objects.filter(level__in=GAP_LEVELS).values_list(
        "pk", "code", "level", "parent_id", "population", "imd_rank"))
    by_pk = {pk: (code, level, parent) for pk, code, level, parent, _, _ in areas}
    ranks: dict[str, list[int]] = {}
    for pk, code, level, parent, _, rank in areas:
        if level != "lsoa" or rank is None:
            continue
        node = pk
        while node in by_pk:
            ranks.setdefault(by_pk[node][0], []).append(rank)
            node = by_pk[node][2]
    rows = [(code, level, (sum(ranks[code]) / len(ranks[code])) if code in ranks else None,
             population) for _, code, level, _, population, _ in areas]
    return pl.DataFrame(rows, orient="row", schema={
        "area": pl.String, "level": pl.String, "deprivation_rank": pl.Float64,
        "population": pl.Float64})


def _store_gaps(run, indicators, values: pl.DataFrame, polarity: pl.DataFrame,
                parameters: AssessmentParameters, ids: _Ids) -> None:
    Gap.objects.filter(indicator__in=indicators).delete()
    GapTrend.objects.filter(indicator__in=indicators).delete()
    areas = deprivation_frame()
    local = values.filter(pl.col("area").is_in(areas["area"].implode()))
    if local.height == 0:
        return
    gaps = area_gaps(local.join(polarity, on="indicator", how="left"), areas,
                     min_areas=parameters.gaps.min_areas)
    ends = dict(zip(values["period"], values["period_end"], strict=True))
    Gap.objects.bulk_create([
        Gap(run=run, indicator_id=ids.indicators[row["indicator"]], level=row["level"],
            period=row["period"], period_start=row["period_start"],
            period_end=ends[row["period"]], areas=row["areas"],
            weighting=row["weighting"] or "", reason=row["reason"] or "",
            **{field: _plain(row[column]) for field, column in GAP_FIELDS.items()})
        for row in gaps.iter_rows(named=True)
    ])
    trends = gap_trends(gaps, min_relative_change=parameters.gaps.min_relative_change)
    GapTrend.objects.bulk_create([
        GapTrend(run=run, indicator_id=ids.indicators[row["indicator"]], level=row["level"],
                 measure=str(row["measure"]), baseline_period=row["baseline_period"] or "",
                 baseline_gap=_plain(row["baseline_gap"]),
                 latest_period=row["latest_period"] or "", latest_gap=_plain(row["latest_gap"]),
                 narrowing=str(row["narrowing"] or ""), reason=row["reason"] or "")
        for row in trends.iter_rows(named=True)
    ])


def reassess_indicator(indicator: Indicator, person=None) -> AssessmentRun:
    """The incremental path: re-assess one indicator after one of its figures changed."""
    run, _ = run_assessment(indicator=indicator, person=person,
                            actor=person.get_username() if person else "system")
    return run
