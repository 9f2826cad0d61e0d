"""The steps the import benchmark times, each run in a process of its own.

``bench/import_values.py`` runs them (``--step NAME``) on fresh copies of the demo
partnership and reports their medians; see its docstring for what each one measures.
Every step returns a dict, printed as JSON for the orchestrating process.
"""

from __future__ import annotations

import csv
import math
import os
import re
import resource
import time
from pathlib import Path

PEER_ROWS = 100_000
PEER_BATCH = 1_000
SENDER = "officer"


def _measures(**extra) -> dict:
    """What every step reports: its peak memory, and how busy the machine was."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mib": peak, "load": os.getloadavg()[0], **extra}


# --- the file ---------------------------------------------------------------------------------

def _range(median: float | None, mad: float | None, unit: str, decimals: int,
           allows_negative: bool) -> tuple[float, float, int]:
    """Centre, half-width and decimal places of a series' new figures.

    The centre is the series' median; the half-width 1.5 × its median absolute deviation
    (MAD) when it has figures, else 10% of the centre. Spread evenly within that, the new
    figures' own MAD is about half the half-width, so with or without the stored ones none
    scores much above 0.6745 × 2 ≈ 1.35 on the outlier test (flagged above 3.5). Beside
    stored figures, new ones keep six places as those do, lest rounding to the
    indicator's places set them apart from a tight series.
    """
    low = -math.inf if allows_negative else 0.0
    out_of = re.search(r"out of (\d+)", unit)
    high = (float(out_of.group(1)) if out_of else
            100.0 if unit.startswith("%") and "expected" not in unit else math.inf)
    centre = median if median is not None else (high / 2 if high < math.inf else 100.0)
    half = 1.5 * mad if mad is not None else max(0.1 * abs(centre), 10 * 10.0 ** -decimals)
    if high < math.inf:
        half = min(half, (high - max(low, 0.0)) / 4)
    places = decimals if mad is None else max(decimals, 6)
    return min(max(centre, low + half), high - half), half, places


def generate_step(task: dict) -> dict:
    """Write the seeded file of figures, and its rows already parsed, for the peers."""
    import numpy as np
    import polars as pl

    from joinedup.core.periods import parse_period
    from joinedup.places.models import Area
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    rows, rng = task["rows"], np.random.default_rng(task["seed"])
    indicators = list(Indicator.objects.order_by("code")
                      .values_list("code", "unit", "decimals", "allows_negative"))
    areas = list(Area.objects.order_by("code").values_list("code", flat=True))
    stored = pl.DataFrame(
        list(DataValue.objects.values_list("indicator__code", "area__code", "value")),
        schema=["indicator", "area", "value"], orient="row")
    by_series = {(i, a): (m, d) for i, a, m, d in stored.group_by("indicator", "area").agg(
        pl.col("value").median(),
        (pl.col("value") - pl.col("value").median()).abs().median().alias("mad")).iter_rows()}
    by_indicator = dict(stored.group_by("indicator").agg(pl.col("value").median()).iter_rows())
    spans = [_range(*by_series.get((code, area), (by_indicator.get(code), None)), unit,
                    decimals, negative)
             for code, unit, decimals, negative in indicators for area in areas]
    centre, half, places = (np.array(column) for column in zip(*spans, strict=True))
    # A template per month, concatenated: by period, then indicator, then area.
    series, month = np.arange(rows) % len(spans), np.arange(rows) // len(spans)
    # Spread evenly however few months there are: a golden-ratio sequence from a random
    # start, with a little jitter, so that no short series looks lopsided.
    spread = np.mod(rng.random(len(spans))[series] + month * 0.6180339887
                    + rng.uniform(0, 0.05, rows), 1.0)
    value, decimals = centre[series] + half[series] * (2 * spread - 1), places[series]
    for kept in np.unique(decimals):
        value[decimals == kept] = np.round(value[decimals == kept], kept)
    percent = np.array([unit == "%" for _, unit, _, _ in indicators])
    counted = percent[series // len(areas)] & (rng.random(rows) < 0.3)
    denominator = rng.integers(200, 150_000, rows)
    numerator = np.round(value / 100 * denominator)
    if task["order"] == "series":  # as an export is ordered: indicator, area, period
        order = np.lexsort((month, series))
        series, month, value, decimals, counted, numerator, denominator = (
            c[order] for c in (series, month, value, decimals, counted, numerator, denominator))
    labels = [f"{1900 + m // 12}-{m % 12 + 1:02d}" for m in range(int(month.max()) + 1)]
    quirks = rng.random((rows, 4)).tolist()
    path = Path(task["path"])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(["indicator", "area", "period", "value", "numerator", "denominator"])
        for s, m, figure, kept, has_counts, num, den, quirk in zip(
                series.tolist(), month.tolist(), value.tolist(), decimals.tolist(),
                counted.tolist(), numerator.tolist(), denominator.tolist(), quirks, strict=True):
            code = indicators[s // len(areas)][0]
            typed = code.replace(" ", "").lower() if quirk[0] < 0.03 else code
            shown = (f"{figure:,.{kept}f}" if quirk[1] < 0.5 and abs(figure) >= 1000
                     else f"{figure:.{kept}f}")
            shown = f" {shown} " if quirk[2] < 0.02 else shown
            counts = ([f"{num:.0f}", f"{den:,}" if quirk[3] < 0.5 else str(den)]
                      if has_counts else ["", ""])
            out.writerow([typed, areas[s % len(areas)], labels[m], shown, *counts])
    periods = [parse_period(label) for label in labels]
    by_month = pl.DataFrame({"month": range(len(labels)), "period": labels,
                             "period_start": [p.start for p in periods],
                             "period_end": [p.end for p in periods]})
    codes = np.array([code for code, *_ in indicators])
    pl.DataFrame({
        "indicator": codes[series // len(areas)], "area": np.array(areas)[series % len(areas)],
        "month": month, "value": value,
        "numerator": np.where(counted, numerator, np.nan),
        "denominator": np.where(counted, denominator, np.nan),
    }).join(by_month, on="month", how="left", maintain_order="left").select(
        "indicator", "area", "period", "period_start", "period_end", "value",
        pl.col("numerator", "denominator").fill_nan(None),
    ).write_parquet(task["parsed"])
    return {"bytes": path.stat().st_size, "indicators": len(indicators), "areas": len(areas),
            "periods": len(labels), "counted": int(counted.sum())}


# --- the steps timed --------------------------------------------------------------------------

def phase_timer(phases: dict[str, float]):
    """``timed(module, name, key)``: wrap ``module.name`` so that every call adds its time
    to ``phases[key]`` (the step runs in a process of its own, so nothing is unwrapped)."""
    def timed(module, name: str, key: str) -> None:
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[key] = phases.get(key, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    return timed


def import_step(task: dict) -> dict:
    """The validated import of the file, timed whole and by phase; checks what it saved.

    Reading the file runs beside keeping it, and checking (``parts.check_part``, a part
    at a time, or ``validation.check`` for a table of one part) beside writing: those
    phases overlap. The
    writing is timed as the thread that holds the transaction spends it (``writing.Writer``
    ``add`` and ``finish``), and so is the import's commit (the connection's last).
    """
    from django.db import connection

    from joinedup.history.models import Change
    from joinedup.partnership.models import Person
    from joinedup.returns import files, importing, parts, reference, validation, writing

    phases: dict[str, float] = {}
    timed = phase_timer(phases)

    for module, name, key in (
        (importing, "receive_file", "keep"), (files, "read_table", "read"),
        (importing, "import_table", "table"), (reference, "load", "reference"),
        (reference, "stored", "stored"), (reference, "figures_of", "stored"),
        (validation, "check", "check"), (parts, "check_part", "check"),
        (writing.Writer, "add", "write"),
        (writing.Writer, "finish", "write"), (writing, "_create", "send"),
        (writing.Writer, "_insert", "send"),
        (writing, "record_run", "record"),
    ):
        timed(module, name, key)
    commit = connection.commit

    def last_commit() -> None:  # the import's transaction commits last
        started = time.perf_counter()
        try:
            commit()
        finally:
            phases["commit"] = time.perf_counter() - started

    connection.commit = last_commit
    user = Person.objects.get(username=SENDER)
    changes_before = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    path = Path(task["path"])
    before = _measures()["peak_mib"]
    started = time.perf_counter()
    result = importing.import_file(path.read_bytes(), path.name, user=user)
    took = time.perf_counter() - started
    if result.problems or not result.saved:
        shown = "; ".join(str(p) for p in result.problems[:5])
        raise SystemExit(f"the import did not save: {len(result.problems)} problems: {shown}")
    expected = (task["rows"], 0, 0) if task["first"] else (0, 0, task["rows"])
    if (result.created, result.changed, result.unchanged) != expected:
        raise SystemExit(f"expected created/changed/unchanged {expected}, got "
                         f"{(result.created, result.changed, result.unchanged)}")
    recorded = Change.objects.filter(pk__gt=changes_before)
    if result.created:
        covered = sum(c.run_size for c in recorded.filter(action="create"))
        if covered != result.created:
            raise SystemExit(f"{result.created} figures created but {covered} recorded")
    elif recorded.exists():
        raise SystemExit("nothing changed, but changes were recorded")
    return _measures(seconds=took, phases=phases, before_mib=before)


def peer_step(task: dict) -> dict:
    """Django's own way: the sample's parsed rows as model objects, then ``bulk_create``."""
    import polars as pl
    from django.db import transaction

    from joinedup.places.models import Area
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    indicators = dict(Indicator.objects.values_list("code", "pk"))
    areas = dict(Area.objects.values_list("code", "pk"))
    rows = pl.read_parquet(task["parsed"])
    sample = rows.sample(n=min(PEER_ROWS, rows.height), seed=task["seed"])
    parsed = [(indicators[i], areas[a], *rest) for i, a, *rest in sample.iter_rows()]
    before = DataValue.objects.count()
    started = time.perf_counter()
    objects = [DataValue(indicator_id=i, area_id=a, period=label, period_start=start,
                         period_end=end, value=value, numerator=numerator,
                         denominator=denominator)
               for i, a, label, start, end, value, numerator, denominator in parsed]
    with transaction.atomic():
        DataValue.objects.bulk_create(objects, batch_size=PEER_BATCH)
    took = time.perf_counter() - started
    if DataValue.objects.count() - before != len(parsed):
        raise SystemExit("bulk_create did not save every row")
    return _measures(seconds=took, rows=len(parsed))


def floor_step(task: dict) -> dict:
    """The database's own fastest load of every row, already parsed and resolved to ids,
    into the figures table: no checks, no history, no file kept. PostgreSQL: one ``COPY``
    of CSV; SQLite: multi-row ``INSERT`` statements of 500 rows. One transaction."""
    import polars as pl
    from django.db import connection

    from joinedup.places.models import Area
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    indicators = pl.DataFrame(list(Indicator.objects.values_list("code", "pk")),
                              schema=["indicator", "indicator_id"], orient="row")
    areas = pl.DataFrame(list(Area.objects.values_list("code", "pk")),
                         schema=["area", "area_id"], orient="row")
    first = (DataValue.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    rows = (pl.read_parquet(task["parsed"]).join(indicators, on="indicator")
            .join(areas, on="area").sort("indicator_id", "area_id", "period_start")
            .select(pl.int_range(first, first + pl.len()).alias("id"), "indicator_id",
                    "area_id", "period", pl.col("period_start", "period_end").cast(pl.String),
                    "value", "numerator", "denominator"))
    fixed = {"note": "''", "state": "'draft'", "returned_reason": "''", "version": "1",
             "updated_at": "'2026-01-01 00:00:00'"}
    names = ", ".join([*rows.columns, *fixed])
    before = DataValue.objects.count()
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        text = rows.with_columns(pl.lit(v.strip("'")).alias(k) for k, v in fixed.items())
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY returns_datavalue ({names}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(text.write_csv(include_header=False))
        raw.commit()
    else:
        per = 500
        one = f"({', '.join('?' * rows.width)}, {', '.join(fixed.values())})"
        cells = [None] * (rows.height * rows.width)  # row after row, built column-wise
        for index, name in enumerate(rows.columns):
            cells[index::rows.width] = rows[name].to_list()
        step_size = per * rows.width
        whole = len(cells) // step_size * step_size
        raw.execute("BEGIN IMMEDIATE")
        insert = f"INSERT INTO returns_datavalue ({names}) VALUES "
        raw.executemany(insert + ", ".join([one] * per),
                        (cells[i:i + step_size] for i in range(0, whole, step_size)))
        if whole < len(cells):
            raw.execute(insert + ", ".join([one] * ((len(cells) - whole) // rows.width)),
                        cells[whole:])
        raw.execute("COMMIT")
    took = time.perf_counter() - started
    if DataValue.objects.count() - before != rows.height:
        raise SystemExit("the floor did not load every row")
    return _measures(seconds=took, rows=rows.height)


STEPS = {"generate": generate_step, "import": import_step, "peer": peer_step,
         "floor": floor_step}
