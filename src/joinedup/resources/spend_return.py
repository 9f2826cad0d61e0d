"""The spend return: partners' budget lines as a table, checked every row at once.

The resource-mapping exercise collects what each partner spends, by theme and area, the
way a collection round collects figures, through the same reader (``returns.files``, so a
CSV or a workbook, and ``PATH:ROW:COLUMN: message`` for anything wrong) and the same
rule: every row is checked before anything is written, and one bad row writes nothing.

A row whose area is above ward level and that names a base in ``apportioned_by``
(population, need, or ``caseload: CODE``) is spread over the area's wards by that base,
to the penny (``core.apportion``); the ward lines keep the base, so every page that shows
them says how they were made. A row for a ward that names a base was spread already, and
is kept as sent, so an export re-imports unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from joinedup.resources.models import LINE_KEY, Arrangement, BudgetLine
from joinedup.returns.columns import Layout
from joinedup.returns.problems import Problem
from joinedup.returns.validation import code_lookup, read_numbers

REQUIRED = ("partner", "stream", "theme", "area", "financial_year", "budget")
QUARTERS = ("actual_q1", "actual_q2", "actual_q3", "actual_q4")
MONEY = ("budget", *QUARTERS)
OPTIONAL = ("outcome", "arrangement", "pool", *QUARTERS, "apportioned_by", "description",
            "illustrative")
INFORMATION = ("partner_name", "theme_name", "area_name", "stream_name")
#: Column order of an export and of a template; an export re-imports unchanged.
EXPORT = ("partner", "stream", "theme", "outcome", "area", "financial_year", "arrangement",
          "pool", "budget", *QUARTERS, "apportioned_by", "description", "illustrative")
#: A line's key as the columns of its row, in the order of the key's index.
KEY = tuple(BudgetLine._meta.get_field(name).attname for name in LINE_KEY)
COMPARED = ("pool_id", *MONEY, "apportioned_by", "description", "illustrative")

SPEND_RETURN = Layout(accepted=(*REQUIRED, *OPTIONAL, *INFORMATION),
                      example="partner, stream, theme, area, financial_year, budget …",
                      sheets=("spend", "budget lines"))
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


@dataclass
class SpendReference:
    """What spend rows are checked against, as frames keyed by ``code_key`` of the code:
    ``partners`` (partner_id, editable), ``streams`` (stream_id, stream_partner_id),
    ``themes`` (theme_id), ``outcomes`` (theme_id, outcome_id; keyed by title), ``pools``
    (pool_id), ``areas`` (area_id, level); ``spread(rows)`` turns rows to apportion into
    ward rows (see ``spend_reference``); ``stored(keys)`` the lines already held."""

    partners: pl.DataFrame
    streams: pl.DataFrame
    themes: pl.DataFrame
    outcomes: pl.DataFrame
    pools: pl.DataFrame
    areas: pl.DataFrame
    spread: object
    stored: object
    own_partner: str = ""


@dataclass
class CheckedSpend:
    rows: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _text(table: pl.DataFrame) -> pl.DataFrame:
    wanted = (*REQUIRED, *OPTIONAL)
    present = [pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c)
               for c in wanted if c in table.columns]
    absent = [pl.lit(None, pl.String).alias(c) for c in wanted if c not in table.columns]
    return table.select(pl.col("row").cast(pl.Int64), *present, *absent)


def _lookup(rows: pl.DataFrame, column: str, known: pl.DataFrame,
            by: tuple[str, ...] = ()) -> pl.DataFrame:
    """``known``'s columns for each row's code, each distinct code normalised once."""
    return rows.join(code_lookup(rows[column], known), on=[column, *by], how="left",
                     nulls_equal=False, maintain_order="left")


def check_spend(table: pl.DataFrame, reference: SpendReference, *, file: str) -> CheckedSpend:
    """Every row read into ids and pence, apportioned where asked, and judged."""
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        return CheckedSpend(pl.DataFrame(), [Problem(
            file, 1, name, f"the column {name} is missing: the header row must name it "
            "(the template has every column)") for name in missing])
    rows = _text(table).filter(~pl.all_horizontal(
        pl.col(c).is_null() for c in (*MONEY, "description")))
    rows = _lookup(rows, "partner", reference.partners)
    rows = _lookup(rows, "stream", reference.streams)
    rows = _lookup(rows, "theme", reference.themes)
    rows = _lookup(rows, "outcome", reference.outcomes, by=("theme_id",))
    rows = _lookup(rows, "pool", reference.pools)
    rows = _lookup(rows, "area", reference.areas)
    rows = rows.with_columns(
        *(pl.Series(c, read_numbers(rows[c])) for c in MONEY),
        *(pl.col(c).alias(_sent(c)) for c in MONEY),
        pl.col("arrangement").str.to_lowercase().fill_null(Arrangement.SINGLE.value),
        pl.col("illustrative").str.to_lowercase().fill_null(""),
        pl.col("description").fill_null(""), pl.col("apportioned_by").fill_null(""))
    problems = _cell_problems(rows, file)
    bad_rows = {p.row for p in problems}
    good = rows.filter(~pl.col("row").is_in(list(bad_rows))).drop(_sent(c) for c in MONEY)
    spread, spread_problems = reference.spread(good, file)
    problems += spread_problems
    problems += _duplicates(spread, file)
    problems.sort(key=lambda p: (p.row, p.column))
    if problems:
        return CheckedSpend(pl.DataFrame(), problems)
    compared = _compare(spread, reference)
    refused = _refused(compared, file, reference)
    if refused:
        # one problem per row sent, however many ward lines it was spread to
        seen: dict[int, Problem] = {}
        for problem in refused:
            seen.setdefault(problem.row, problem)
        return CheckedSpend(pl.DataFrame(), sorted(seen.values(), key=lambda p: p.row))
    return CheckedSpend(compared, [])


def _found(rows: pl.DataFrame, condition: pl.Expr, file: str, column: str,
           message: pl.Expr) -> list[Problem]:
    hit = rows.filter(condition).select("row", message.alias("m"))
    return [Problem(file, row, column, text) for row, text in hit.iter_rows()]


def _sent(column: str) -> str:
    """The column holding an amount's cell as sent, beside the amount read from it."""
    return f"_{column}_sent"


def _cell_problems(rows: pl.DataFrame, file: str) -> list[Problem]:
    """Every single cell's problem, the checks run over the rows in one pass and only
    those that find something run again to word it."""
    checks: list[tuple[str, pl.Expr, pl.Expr]] = []  # column, condition, message
    for name in REQUIRED:
        sent = pl.col(_sent(name) if name in MONEY else name)
        checks.append((name, sent.is_null(), pl.lit(
            f"{name} is missing; leave the whole row empty to send nothing for it")))
    for name, label in (("partner", "partner"), ("stream", "funding stream"),
                        ("theme", "theme"), ("pool", "pooled budget"), ("area", "area")):
        checks.append((name, pl.col(name).is_not_null() & pl.col(f"{name}_id").is_null(),
                       pl.format(f"unknown {label} '{{}}'", pl.col(name))))
    checks.append(("outcome", pl.col("outcome").is_not_null()
                   & pl.col("theme_id").is_not_null() & pl.col("outcome_id").is_null(),
                   pl.format("'{}' is not an outcome of the theme '{}'", pl.col("outcome"),
                             pl.col("theme"))))
    checks.append(("financial_year", pl.col("financial_year").is_not_null()
                   & ~_is_financial_year(pl.col("financial_year")),
                   pl.format("'{}' is not a financial year: write it as 2009/10",
                             pl.col("financial_year"))))
    for name in MONEY:
        amount = pl.col(name)
        checks += [
            (name, pl.col(_sent(name)).is_not_null() & amount.is_null(),
             pl.format("'{}' is not an amount in pounds", pl.col(_sent(name)))),
            (name, amount < 0, pl.format(
                "{} is below zero: send spending as a positive amount (income is not a "
                "budget line)", amount)),
            (name, (amount * 100 - (amount * 100).round(0)).abs() > 1e-6, pl.format(
                "{} has parts of a penny: give pounds and pence, at most two decimal "
                "places", amount))]
    checks += [
        ("arrangement", ~pl.col("arrangement").is_in([a.value for a in Arrangement]),
         pl.format("'{}' is not an arrangement: write single, aligned or pooled",
                   pl.col("arrangement"))),
        ("pool", (pl.col("arrangement") == "pooled") & pl.col("pool").is_null(),
         pl.lit("a pooled line names the pooled budget it is spent from")),
        ("pool", (pl.col("arrangement") != "pooled") & pl.col("pool").is_not_null(),
         pl.lit("only a pooled line names a pooled budget: set arrangement to pooled, or "
                "clear the pool")),
        ("illustrative", ~pl.col("illustrative").is_in(list(YES | NO)),
         pl.format("'{}' is not yes or no", pl.col("illustrative")))]
    counts = rows.select(condition.fill_null(False).sum().alias(str(i))
                         for i, (_, condition, _) in enumerate(checks)).row(0)
    found: list[Problem] = []
    for (column, condition, message), count in zip(checks, counts):
        if count:
            found += _found(rows, condition, file, column, message)
    return found


def _refused(rows: pl.DataFrame, file: str, reference: SpendReference) -> list[Problem]:
    """Lines that would create or change another partner's spend. A line that changes
    nothing is let through, so that an export the sender may see re-imports unchanged."""
    return _found(rows, (pl.col("action") != "unchanged") & ~pl.col("editable"), file,
                  "partner", pl.format("you may send spend lines only for your own "
                                       f"organisation{reference.own_partner}, not for '{{}}'",
                                       pl.col("partner")))


def _is_financial_year(text: pl.Expr) -> pl.Expr:
    first = text.str.slice(0, 4).cast(pl.Int64, strict=False)
    second = text.str.slice(5, 2).cast(pl.Int64, strict=False)
    return (text.str.contains(r"^\d{4}/\d{2}$") & ((first + 1) % 100 == second)).fill_null(False)


def _duplicates(rows: pl.DataFrame, file: str) -> list[Problem]:
    if rows.is_empty() or not rows.select(pl.struct(KEY).is_duplicated().any()).item():
        return []
    first = rows.group_by(KEY, maintain_order=True).agg(pl.col("row").min().alias("first"))
    again = rows.join(first, on=KEY, nulls_equal=True).filter(pl.col("row") != pl.col("first"))
    again = again.unique("row", keep="first", maintain_order=True)
    return [Problem(file, row, "", f"this line repeats row {first_row} (the same partner, "
                    "stream, theme, outcome, area, year and arrangement): send it once")
            for row, first_row in again.select("row", "first").iter_rows()]


def _compare(rows: pl.DataFrame, reference: SpendReference) -> pl.DataFrame:
    """Each line with what it would do: ``create``, ``update`` or ``unchanged``."""
    rows = rows.with_columns(
        illustrative=pl.col("illustrative").is_in(list(YES)),
        **{c: (pl.col(c) * 100).round(0).cast(pl.Int64) for c in MONEY})
    stored = reference.stored(rows.select(KEY).unique())
    rows = rows.join(stored, on=list(KEY), how="left", nulls_equal=True)
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"old_{c}")) for c in COMPARED)
    return rows.with_columns(action=pl.when(pl.col("line_id").is_null()).then(pl.lit("create"))
                             .when(same).then(pl.lit("unchanged"))
                             .otherwise(pl.lit("update")))
