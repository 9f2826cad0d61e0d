"""``joinedup impact``: the measured impact of an operation on its target areas, from files.

    joinedup impact --counts COUNTS.csv --targets TARGETS.csv --start YYYY-MM --end YYYY-MM
                    [--matches 5] [--pre-months N] [--count COLUMN] [--series SERIES.csv]
                    --out IMPACT.csv|-

COUNTS has ``area, period, count`` (the month as ``YYYY-MM``; rows for the same area and
month add up) and optionally ``deprivation`` (e.g. IMD rank or decile, the same in every row
of an area), which the matching then uses; ``--count`` names another column to count.
TARGETS has ``area``. Either may be .csv or .parquet. The output is one row, as
``joinedup.core.impact.measure_impact`` returns it: ``estimate`` (−0.25 is a quarter fewer),
``lower95``, ``upper95``, ``comparison_areas``, ``pre_fit`` and the rest; ``--series``
also writes the targets against their comparison month by month.

Bad input stops the run before anything is written, with each problem given as
``FILE:LINE:COLUMN: message`` on standard error (the header is line 1; in a parquet file,
``row N``), and exit status 2; so does an impact that cannot be measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from joinedup.common.file_commands import InputError, write_out
from joinedup.common.file_commands import place as _place
from joinedup.common.file_commands import where as _where
from joinedup.core.impact import ImpactError, impact_series, measure_impact, month

MOST_PROBLEMS = 20
USAGE_ERROR = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="joinedup impact",
        description="Measure an operation's impact on a count in its target areas against "
                    "matched comparison areas, as a difference in differences with a 95% "
                    "interval. No database needed.")
    p.add_argument("--counts", required=True, type=Path,
                   help=".csv or .parquet: area, period (YYYY-MM), count [, deprivation]")
    p.add_argument("--targets", required=True, type=Path, help=".csv or .parquet: area")
    p.add_argument("--start", required=True, help="the operation's first month, YYYY-MM")
    p.add_argument("--end", required=True, help="its last month, YYYY-MM")
    p.add_argument("--matches", type=int, default=5,
                   help="comparison areas per target (default 5)")
    p.add_argument("--pre-months", type=int,
                   help="use only this many months before the start (default: all)")
    p.add_argument("--count", default="count", help="the column to count (default count)")
    p.add_argument("--series", help="also write the monthly series to this .csv")
    p.add_argument("--out", required=True, help=".csv or .parquet to write, or -")
    return p


def _read(path: Path, what: str) -> tuple[pl.DataFrame, str]:
    """The file as text columns, and how its rows are named (line or row)."""
    if not path.is_file():
        raise InputError([f"{path}: no such file (the {what})"])
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
            return frame.select(pl.all().cast(pl.String)), "row"
        if suffix != ".csv":
            raise InputError([f"{path}: the {what} must be a .csv or .parquet file"])
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.PolarsError as error:
        raise InputError([f"{path}: cannot be read: {str(error).splitlines()[0]}"]) from None
    return frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns}), "line"


def read_counts(path: Path, count: str) -> pl.DataFrame:
    """The counts file, checked: every problem found is reported together."""
    frame, kind = _read(path, "counts")
    missing = [c for c in ("area", "period", count) if c not in frame.columns]
    if missing:
        raise InputError([f"{path}:{'1' if kind == 'line' else 'header'}:{c}: the counts "
                          f"have no {c} column" for c in missing])
    has_deprivation = "deprivation" in frame.columns
    text = {c: pl.col(c).str.strip_chars() for c in ("area", "period", count)}
    checked = frame.with_row_index("_row").select(
        "_row", area=text["area"], period=text["period"], _count_text=text[count],
        count=text[count].cast(pl.Float64, strict=False),
        month=pl.coalesce(text["period"].str.strptime(pl.Date, "%Y-%m", strict=False),
                          text["period"].str.strptime(pl.Date, "%Y-%m-%d", strict=False)),
        **({"deprivation": pl.col("deprivation").str.strip_chars().cast(
            pl.Float64, strict=False), "_deprivation_text": pl.col("deprivation")}
           if has_deprivation else {}))
    found: list[tuple[int, int, str]] = []

    def add(rows: pl.DataFrame, column: str, order: int, message) -> None:
        for row in rows.head(MOST_PROBLEMS + 1).iter_rows(named=True):
            found.append((row["_row"], order,
                          f"{_where(path, kind, row['_row'], column)}: {message(row)}"))

    blank = pl.col("area").is_null() | (pl.col("area") == "")
    add(checked.filter(blank), "area", 0, lambda row: "no area code")
    add(checked.filter(pl.col("month").is_null()), "period", 1,
        lambda row: f"{row['period']!r} is not a month (YYYY-MM)")
    value = pl.col("count")
    add(checked.filter(value.is_null() | ~value.is_finite()), count, 2,
        lambda row: f"{row['_count_text']!r} is not a number")
    add(checked.filter(value < 0), count, 2,
        lambda row: f"{row['_count_text']} is negative; a count is zero or more")
    add(checked.filter((value >= 0) & value.is_finite() & (value != value.floor())), count, 2,
        lambda row: f"{row['_count_text']} is not a whole number")
    if has_deprivation:
        level = pl.col("deprivation")
        add(checked.filter(level.is_null() | ~level.is_finite()), "deprivation", 3,
            lambda row: f"{row['_deprivation_text']!r} is not a number")
        usable = checked.filter(~blank & level.is_finite().fill_null(False))
        first = usable.group_by("area").agg(pl.all().sort_by("_row").first())
        differ = usable.join(first.select("area", _first=pl.col("deprivation"),
                                          _first_row=pl.col("_row")), on="area").filter(
            pl.col("deprivation") != pl.col("_first"))
        add(differ, "deprivation", 3,
            lambda row: f"{row['_deprivation_text']} differs from the deprivation of "
                        f"{row['area']} on {_place(kind, row['_first_row'])}")
    if found:
        problems = [message for _, _, message in sorted(found)]
        if len(problems) > MOST_PROBLEMS:
            problems = [*problems[:MOST_PROBLEMS], f"{path}: … and more problems"]
        raise InputError(problems)
    return checked.select("area", pl.col("month").alias("period"), "count",
                          *(["deprivation"] if has_deprivation else []))


def read_targets(path: Path, areas: pl.Series) -> list[str]:
    frame, kind = _read(path, "targets")
    if "area" not in frame.columns:
        raise InputError([f"{path}:{'1' if kind == 'line' else 'header'}:area: the targets "
                          "have no area column"])
    codes = frame["area"].str.strip_chars().to_list()
    known = set(areas.to_list())
    problems = [f"{_where(path, kind, i, 'area')}: no area code" if not code else
                f"{_where(path, kind, i, 'area')}: {code} is not in the counts"
                for i, code in enumerate(codes) if not code or code not in known]
    if not codes:
        problems.append(f"{path}: no target areas")
    if problems:
        raise InputError(problems[:MOST_PROBLEMS])
    return list(dict.fromkeys(codes))


def _write(frame: pl.DataFrame, out: str) -> None:
    write_out(frame, out)


def main(argv: list[str]) -> int:
    options = parser().parse_args(argv)
    outputs = [options.out, *([options.series] if options.series else [])]
    for out in outputs:
        if out != "-" and not out.lower().endswith((".csv", ".parquet")):
            sys.stderr.write(f"joinedup impact: the output must end in .csv or .parquet "
                             f"(or be -): {out}\nNothing was written.\n")
            return USAGE_ERROR
    try:
        start, end = (month(options.start, "start"), month(options.end, "end"))
        counts = read_counts(options.counts, options.count)
        targets = read_targets(options.targets, counts["area"])
        settings = {"matches": options.matches, "pre_months": options.pre_months}
        impact = measure_impact(counts, targets, start, end, **settings)
        series = impact_series(counts, targets, start, end, **settings) \
            if options.series else None
    except InputError as error:
        sys.stderr.write("\n".join(error.lines) + "\nNothing was written.\n")
        return USAGE_ERROR
    except ImpactError as error:
        sys.stderr.write(f"joinedup impact: {error}\nNothing was written.\n")
        return USAGE_ERROR
    _write(impact, options.out)
    if series is not None:
        _write(series, options.series)
    return 0
