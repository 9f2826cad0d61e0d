"""The demo partners' real published spending, and its mapping to the partnership's themes.

``data/finance/published_spend.csv`` holds the published lines (revenue and capital
outturn, budgets, NHS allocations) for Gateshead Council, NHS Gateshead, Northumbria
Police and Tyne and Wear Fire, in whole pounds; ``data/finance/service_themes.toml`` says
which theme each line serves and in what share. Both are checked when read: every
published service is mapped or explicitly excluded, shares add up to exactly 1, and the
themes, organisations, kinds and financial years are ones the product knows.

Pure Python and Polars: no Django, no database.
"""

from __future__ import annotations

import math
import tomllib
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import polars as pl

from joinedup.core.periods import PeriodError, parse_period
from joinedup.demo.sources import DATA_DIR, DemoDataError

FINANCE_DIR = DATA_DIR / "finance"
SPEND_FILE = "published_spend.csv"
THEMES_FILE = "service_themes.toml"

SPEND_KINDS = ("revenue", "capital")
STREAM_KINDS = ("mainstream", "area_based_grant", "laa_reward_grant", "specific_grant",
                "external")
MEASURES = ("outturn", "budget", "allocation")
EXCLUDED_KINDS = ("total", "funding", "overhead", "unattributed", "no_theme")

SPEND_SCHEMA = {
    "organisation": pl.String, "financial_year": pl.String, "source": pl.String,
    "service": pl.String, "spend_kind": pl.String, "stream_kind": pl.String,
    "measure": pl.String, "amount_pounds": pl.Int64, "source_ref": pl.String,
}
THEME_SCHEMA = {"service": pl.String, "theme": pl.String, "share": pl.Float64,
                "reason": pl.String}
EXCLUDED_SCHEMA = {"service": pl.String, "kind": pl.String, "reason": pl.String}
LINE_KEY = ["organisation", "financial_year", "source", "service", "spend_kind", "measure"]
THEME_KEY = ["organisation", "financial_year", "theme", "spend_kind", "stream_kind", "measure"]


class FinanceDataError(DemoDataError):
    """The shipped finance extract or its theme mapping is inconsistent."""


def published_spend(directory: Path = FINANCE_DIR) -> pl.DataFrame:
    """Every published line, one row each, amounts in whole pounds.

    Columns: organisation, financial_year (``2010/11``), source, service (the published
    name), spend_kind, stream_kind, measure, amount_pounds, source_ref.
    """
    return _load(Path(directory))["spend"]


def service_themes(directory: Path = FINANCE_DIR) -> pl.DataFrame:
    """The mapping of published services to themes: service, theme, share, reason."""
    return _load(Path(directory))["themes"].drop("fraction")


def excluded_services(directory: Path = FINANCE_DIR) -> pl.DataFrame:
    """The published lines that serve no theme: service, kind, reason."""
    return _load(Path(directory))["excluded"]


def allocated_lines(year: str | None = None, directory: Path = FINANCE_DIR) -> pl.DataFrame:
    """Each mapped published line divided between its themes, in whole pounds.

    Shares are applied to the line's amount and rounded by largest remainder, so the
    parts of each line add up to the published amount exactly. Columns: organisation,
    financial_year, source, service, theme, spend_kind, stream_kind, measure,
    amount_pounds.
    """
    lines = _load(Path(directory))["allocated"]
    if year is not None:
        lines = lines.filter(pl.col("financial_year") == _year_label(year))
    return lines


def spend_by_theme(year: str | None = None, directory: Path = FINANCE_DIR) -> pl.DataFrame:
    """Published spending summed by organisation, financial year and theme.

    Only mapped lines count: totals, funding lines and overheads listed as excluded in
    ``service_themes.toml`` do not. ``year`` is a financial year such as ``2010/11``
    (``2010-11`` also reads as that); None gives every year. Columns: organisation,
    financial_year, theme, spend_kind, stream_kind, measure, amount_pounds.
    """
    return (
        allocated_lines(year, directory)
        .group_by(THEME_KEY)
        .agg(pl.col("amount_pounds").sum())
        .sort(THEME_KEY)
    )


# --- reading and checking -------------------------------------------------------------

def _year_label(text: str) -> str:
    try:
        period = parse_period(text, prefer="year_range")
    except PeriodError as error:
        raise ValueError(f"{text!r} is not a financial year such as 2010/11") from error
    if period.kind != "financial_year":
        raise ValueError(f"{text!r} is a {period.kind.replace('_', ' ')}, not a financial "
                         "year such as 2010/11")
    return period.label


@lru_cache(maxsize=4)
def _load(directory: Path) -> dict[str, pl.DataFrame]:
    catalogue = tomllib.loads((DATA_DIR / "catalogue.toml").read_text())
    themes, excluded = _read_mapping(directory / THEMES_FILE, catalogue)
    spend = _read_spend(directory / SPEND_FILE, catalogue)
    _check_coverage(spend, themes, excluded)
    return {"spend": spend, "themes": themes, "excluded": excluded,
            "allocated": _allocate(spend, themes)}


def _read_spend(path: Path, catalogue: dict) -> pl.DataFrame:
    spend = pl.read_csv(path, schema=SPEND_SCHEMA)
    problems = []
    if spend.select(pl.all().is_null().any()).row(0) != (False,) * spend.width:
        problems.append("a value is missing")
    known = {
        "organisation": {o["slug"] for o in catalogue["organisation"]},
        "spend_kind": set(SPEND_KINDS), "stream_kind": set(STREAM_KINDS),
        "measure": set(MEASURES),
    }
    for column, allowed in known.items():
        unknown = sorted(set(spend[column].drop_nulls()) - allowed)
        if unknown:
            problems.append(f"unknown {column} {', '.join(unknown)}")
    for label in sorted(set(spend["financial_year"].drop_nulls())):
        try:
            if _year_label(label) != label:
                problems.append(f"financial year {label!r} is not written as {_year_label(label)}")
        except ValueError as error:
            problems.append(str(error))
    repeated = spend.filter(pl.struct(LINE_KEY).is_duplicated())
    if repeated.height:
        problems.append(f"lines repeated: {repeated.select(LINE_KEY).head(3).to_dicts()}")
    if problems:
        raise FinanceDataError(f"{path.name}: " + "; ".join(problems))
    return spend


def _read_mapping(path: Path, catalogue: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    with path.open("rb") as handle:
        mapping = tomllib.load(handle)
    theme_slugs = {t["slug"] for t in catalogue["theme"]}
    rows, excluded, problems, seen = [], [], [], set()
    for entry in mapping.get("service", []):
        name = entry.get("name", "")
        if name in seen:
            problems.append(f"{name!r} is listed twice")
        seen.add(name)
        if ("theme" in entry) == ("split" in entry):
            problems.append(f"{name!r} needs either a theme or a split")
            continue
        parts = entry["split"] if "split" in entry else [
            {"theme": entry["theme"], "share": 1, "reason": entry.get("reason", "")}]
        total = Fraction(0)
        for part in parts:
            share = Fraction(Decimal(str(part.get("share", 0))))
            total += share
            if part.get("theme") not in theme_slugs:
                problems.append(f"{name!r}: unknown theme {part.get('theme')!r}")
            if share <= 0:
                problems.append(f"{name!r}: the share for {part.get('theme')} is not positive")
            if not str(part.get("reason", "")).strip():
                problems.append(f"{name!r}: no reason given for {part.get('theme')}")
            rows.append({"service": name, "theme": part.get("theme"),
                         "share": float(share), "reason": part.get("reason", ""),
                         "fraction": share})
        if total != 1:
            problems.append(f"{name!r}: shares add up to {float(total):g}, not 1")
        if len({p.get("theme") for p in parts}) != len(parts):
            problems.append(f"{name!r}: a theme appears twice in its split")
    for entry in mapping.get("excluded", []):
        name = entry.get("name", "")
        if name in seen:
            problems.append(f"{name!r} is listed twice")
        seen.add(name)
        if entry.get("kind") not in EXCLUDED_KINDS:
            problems.append(f"{name!r}: unknown excluded kind {entry.get('kind')!r}")
        if not str(entry.get("reason", "")).strip():
            problems.append(f"{name!r}: no reason given for excluding it")
        excluded.append({"service": name, "kind": entry.get("kind"),
                         "reason": entry.get("reason", "")})
    if problems:
        raise FinanceDataError(f"{path.name}: " + "; ".join(problems))
    themes = pl.DataFrame(rows, schema={**THEME_SCHEMA, "fraction": pl.Object})
    return themes, pl.DataFrame(excluded, schema=EXCLUDED_SCHEMA)


def _check_coverage(spend: pl.DataFrame, themes: pl.DataFrame,
                    excluded: pl.DataFrame) -> None:
    """Every published service is mapped or excluded; mapped lines never overlap."""
    listed = set(themes["service"]) | set(excluded["service"])
    unmapped = spend.filter(~pl.col("service").is_in(sorted(listed)))
    if unmapped.height:
        named = unmapped.group_by("service", maintain_order=True).agg(pl.col("source").first())
        raise FinanceDataError(
            f"{THEMES_FILE} does not map these services of {SPEND_FILE}; add each under "
            "[[service]] or [[excluded]]: "
            + "; ".join(f"{s!r} (in {src})" for s, src in named.iter_rows()))
    mapped = spend.filter(pl.col("service").is_in(sorted(set(themes["service"]))))
    sources = mapped.group_by(THEME_KEY[:2] + THEME_KEY[3:]).agg(pl.col("source").n_unique())
    clash = sources.filter(pl.col("source") > 1)
    if clash.height:
        raise FinanceDataError(f"{SPEND_FILE}: two publications give the same spending, "
                               f"which would be counted twice: {clash.head(3).to_dicts()}")


def _largest_remainder(amount: int, shares: list[Fraction]) -> list[int]:
    """Whole-pound parts of ``amount`` in proportion to ``shares`` (which add up to 1)."""
    exact = [amount * share for share in shares]
    parts = [math.floor(x) for x in exact]
    left = amount - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _allocate(spend: pl.DataFrame, themes: pl.DataFrame) -> pl.DataFrame:
    splits: dict[str, list[tuple[str, Fraction]]] = {}
    for service, theme, fraction in themes.select("service", "theme", "fraction").iter_rows():
        splits.setdefault(service, []).append((theme, fraction))
    out = []
    for line in spend.iter_rows(named=True):
        split = splits.get(line["service"])
        if not split:
            continue
        amounts = _largest_remainder(line["amount_pounds"], [s for _t, s in split])
        for (theme, _share), amount in zip(split, amounts, strict=True):
            out.append({**{k: line[k] for k in LINE_KEY}, "theme": theme,
                        "stream_kind": line["stream_kind"], "amount_pounds": amount})
    schema = {k: pl.String for k in LINE_KEY} | {"theme": pl.String,
                                                 "stream_kind": pl.String,
                                                 "amount_pounds": pl.Int64}
    columns = ["organisation", "financial_year", "source", "service", "theme", "spend_kind",
               "stream_kind", "measure", "amount_pounds"]
    return pl.DataFrame(out, schema=schema).select(columns)
