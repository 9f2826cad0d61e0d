"""Partners' money as the API gives it: funding streams, budget lines, pooled budgets,
allocation scenarios, the resources-against-performance table and financial monitoring.

Every amount of money is a string of pounds and pence with two decimals, such as
``"24633.72"`` (``-`` before a negative amount): the figure as stored, which a JSON number
could not always carry to the penny, and as the spend return's export writes it.
Shares, weights, need and population are numbers.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from joinedup.common.api import Code, Page, PageQuery, text
from joinedup.resources.models import FINANCIAL_YEAR

MONEY_DESCRIPTION = ("Pounds and pence as a string with two decimals, such as "
                     "\"24633.72\".")
Money = Annotated[str, StringConstraints(pattern=r"^-?\d+\.\d{2}$")]


def money(value) -> str | None:
    """An amount (``Decimal`` or a float from a frame) as pounds and pence, or None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    pounds = Decimal(value).quantize(Decimal("0.01"))
    return f"{pounds + 0:.2f}"  # + 0 turns -0.00 into 0.00


def _financial_year(label: str) -> str:
    label = label.strip()
    match = FINANCIAL_YEAR.match(label)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValueError(f"{label!r} is not a financial year: write it as 2021/22")
    return label


#: A financial year written as 2021/22.
FinancialYear = Annotated[text(20, 1), AfterValidator(_financial_year)]
Slug = text(80, 1)
ArrangementName = Literal["single", "aligned", "pooled"]
StreamKind = Literal["mainstream", "area_based_grant", "laa_reward_grant", "specific_grant",
                     "external", "lottery"]


# ---- funding streams ------------------------------------------------------------------

class StreamOut(Schema):
    slug: str
    name: str
    partner: str = Field(description="The slug of the partner whose money it is, or who "
                         "holds it.")
    partner_name: str
    kind: StreamKind
    spend_kind: Literal["revenue", "capital"]
    source: str = Field(description="The publication or decision the amounts come from.")


class StreamPage(Page):
    items: list[StreamOut]


class StreamQuery(PageQuery):
    partner: Slug | None = Field(None, description="A partner's slug, such as "
                                 "'nhs-gateshead'.")
    kind: StreamKind | None = None


def stream_item(stream) -> dict:
    return {"slug": stream.slug, "name": stream.name, "partner": stream.partner.slug,
            "partner_name": stream.partner.name, "kind": stream.kind,
            "spend_kind": stream.spend_kind, "source": stream.source}


# ---- budget lines ---------------------------------------------------------------------

class LineOut(Schema):
    id: int
    partner: str = Field(description="The partner's slug.")
    stream: str = Field(description="The funding stream's slug.")
    theme: str = Field(description="The theme's slug.")
    outcome: str | None = Field(description="The title of the outcome the money serves, "
                                "if the line names one.")
    area: str = Field(description="The area's code.")
    financial_year: str = Field(description="Such as 2021/22.")
    arrangement: ArrangementName = Field(description="Held singly, aligned with partners' "
                                         "money, or pooled.")
    pool: str | None = Field(description="For pooled money: the pool's slug.")
    budget: Money = Field(description=MONEY_DESCRIPTION)
    actual_q1: Money | None = Field(description="Spent in April to June; empty until "
                                    "reported. " + MONEY_DESCRIPTION)
    actual_q2: Money | None = Field(description="July to September.")
    actual_q3: Money | None = Field(description="October to December.")
    actual_q4: Money | None = Field(description="January to March.")
    apportioned_by: str = Field(description="How a larger area's total was spread to this "
                                "area (population, need …); empty when the partner knew "
                                "this area's figure.")
    description: str
    illustrative: bool = Field(description="Invented to show how the system works, not "
                               "published.")
    state: Literal["submitted", "approved"]


class LinePage(Page):
    items: list[LineOut]


class LineQuery(PageQuery):
    year: FinancialYear | None = Field(None, description="A financial year, such as "
                                       "2021/22.")
    partner: Slug | None = Field(None, description="A partner's slug.")
    theme: Slug | None = Field(None, description="A theme's slug.")
    area: Code | None = Field(None, description="An area's code, such as E05001067.")
    arrangement: ArrangementName | None = None


def line_item(line) -> dict:
    return {
        "id": line.pk, "partner": line.partner.slug, "stream": line.stream.slug,
        "theme": line.theme.slug, "outcome": line.outcome.title if line.outcome else None,
        "area": line.area.code, "financial_year": line.financial_year,
        "arrangement": line.arrangement, "pool": line.pool.slug if line.pool else None,
        "budget": money(line.budget),
        **{quarter: money(getattr(line, quarter)) for quarter in line.QUARTERS},
        "apportioned_by": line.apportioned_by, "description": line.description,
        "illustrative": line.illustrative, "state": line.state,
    }


# ---- pooled budgets -------------------------------------------------------------------

class PoolOut(Schema):
    slug: str
    name: str
    host: str = Field(description="The slug of the partner that holds the pool.")
    host_name: str
    legal_basis: str = Field(description="The agreement the pool is held under, such as a "
                             "section 75 agreement.")
    theme: str = Field(description="The theme's slug.")
    outcomes: list[str] = Field(description="The titles of the outcomes the pool serves.")
    illustrative: bool


class ContributionOut(Schema):
    partner: str = Field(description="The contributing partner's slug.")
    partner_name: str
    financial_year: str
    amount: Money = Field(description=MONEY_DESCRIPTION)


class PoolSpendOut(Schema):
    financial_year: str
    lines: int = Field(description="The pooled budget lines of the year that you may see.")
    budget: Money = Field(description="Their budgets added up. " + MONEY_DESCRIPTION)
    actual_q1: Money | None = Field(description="Their actuals for April to June added "
                                    "up; empty when none is reported.")
    actual_q2: Money | None
    actual_q3: Money | None
    actual_q4: Money | None
    actual_to_date: Money = Field(description="Every quarter's actuals added up.")


class PoolDetail(PoolOut):
    contributions: list[ContributionOut] = Field(description="By year, then partner.")
    spend: list[PoolSpendOut] = Field(description="Spend against the pool by year: the "
                                      "pooled lines you may see.")


class PoolPage(Page):
    items: list[PoolOut]


def pool_item(pool) -> dict:
    return {"slug": pool.slug, "name": pool.name, "host": pool.host.slug,
            "host_name": pool.host.name, "legal_basis": pool.legal_basis,
            "theme": pool.theme.slug,
            "outcomes": sorted(outcome.title for outcome in pool.outcomes.all()),
            "illustrative": pool.illustrative}


# ---- allocation scenarios -------------------------------------------------------------

class ScenarioOut(Schema):
    id: int
    name: str
    stream: str = Field(description="The slug of the stream the pot comes from.")
    theme: str = Field(description="The slug of the theme the money serves.")
    financial_year: str
    pot: Money = Field(description="What is split. " + MONEY_DESCRIPTION)
    basis: Literal["equal", "population", "need", "previous", "agreed"]
    need_measure: str = Field(description="What need is, for a split by need.")
    floor: Money | None = Field(description="The least any area gets.")
    ceiling: Money | None = Field(description="The most any area gets.")
    damping: float | None = Field(description="At most this fraction above or below last "
                                  "year.")
    state: Literal["draft", "agreed"]
    note: str
    illustrative: bool
    total: Money = Field(description="The areas' amounts added up.")
    deprived_amount: Money | None = Field(
        description="What goes to the most deprived fifth of the population of the "
                    "scenario's areas (areas taken by need, highest first; the area on the "
                    "line counts in proportion). Empty before amounts are worked out.")
    deprived_share: float | None = Field(description="That amount as a share of the total, "
                                         "from 0 to 1.")


class AmountOut(Schema):
    area: str = Field(description="The area's code.")
    area_name: str
    population: int
    need: float | None
    previous: Money | None = Field(description="Last year's amount, if given.")
    weight: float | None = Field(description="What the area is weighed by: population × "
                                 "need for a split by need, the population, 1 for equal "
                                 "shares, last year's amount.")
    allocation: Money = Field(description=MONEY_DESCRIPTION)
    lower: Money = Field(description="The least the area could have been given.")
    upper: Money | None = Field(description="The most it could have been given; empty "
                                "where there is no cap.")
    bound: str = Field(description="The bound the amount sits on (floor, ceiling or "
                       "damping), or none.")


class ScenarioDetail(ScenarioOut):
    amounts: list[AmountOut] = Field(description="By area code.")


class ScenarioPage(Page):
    items: list[ScenarioOut]


class ScenarioQuery(PageQuery):
    year: FinancialYear | None = None
    stream: Slug | None = Field(None, description="A funding stream's slug.")


# ---- resources against performance ----------------------------------------------------

class TableRowOut(Schema):
    area: str
    area_name: str | None
    theme: str
    theme_name: str | None
    population: int | None
    need: float | None = Field(description="The area's need, 0 to 1 (its deprivation).")
    spend: Money = Field(description="The budgets of the lines you may see. "
                         + MONEY_DESCRIPTION)
    spend_per_head: Money | None
    single: Money | None = Field(description="Of the spend: money held singly.")
    aligned: Money | None
    pooled: Money | None
    by_partner: str = Field(description="Each partner's spend, such as 'NHS Gateshead: "
                            "£24634'.")
    apportioned: str = Field(description="The bases that larger areas' totals were spread "
                             "by; empty when none was.")
    indicators: int = Field(description="The theme's indicators measured in the area.")
    improving: int
    worsening: int
    mean_p_meet_target: float | None
    outcomes: str = Field(description="Each indicator's latest value, direction, gap to "
                          "England and chance of meeting its target.")
    quadrant: str | None = Field(description="'high need, low spend' or 'high spend, not "
                                 "improving', if either.")


class TablePage(Page):
    year: str
    level: Literal["ward", "locality", "district"]
    theme: str | None
    items: list[TableRowOut]


class TableQuery(PageQuery):
    year: FinancialYear | None = Field(None, description="A financial year with budget "
                                       "lines you may see; the latest of them if not given.")
    level: Literal["ward", "locality", "district"] = "ward"
    theme: Slug | None = Field(None, description="A theme's slug; every theme if not given.")


def table_item(row: dict) -> dict:
    finite = {name: (None if isinstance(value, float) and not math.isfinite(value)
                     else value) for name, value in row.items()}
    for name in ("spend", "spend_per_head", "single", "aligned", "pooled"):
        finite[name] = money(row[name])
    finite["spend"] = finite["spend"] or money(0)
    return finite


# ---- financial monitoring -------------------------------------------------------------

class MonitoredOut(Schema):
    key: str = Field(description="The theme's, stream's or pool's slug.")
    name: str
    lines: int
    budget: Money = Field(description=MONEY_DESCRIPTION)
    actual_to_date: Money = Field(description="Spent up to the end of the quarter.")
    profiled_to_date: Money | None = Field(description="The budget expected to be spent by "
                                           "then.")
    variance_to_date: Money | None = Field(description="Actual less profiled: positive is "
                                           "spending ahead of profile.")
    forecast_outturn: Money | None = Field(description="The year's spending if it continues "
                                           "along the profile; empty if a line has none.")
    forecast_variance: Money | None = Field(description="Forecast outturn less budget.")
    variance_pct: float | None = Field(description="The forecast variance as a percentage "
                                       "of the budget.")
    status: Literal["overspend", "underspend", "on budget"] | None
    lines_without_forecast: int


class MonitoringOut(Schema):
    year: str
    as_at: int = Field(description="The latest quarter (1 to 4) for which actuals are "
                       "reported; 0 before any is.")
    tolerance: float = Field(description="A forecast over or under budget by more than this "
                             "share of the budget is an overspend or underspend …")
    absolute_tolerance: float = Field(description="… and by more than this many pounds.")
    by_theme: list[MonitoredOut]
    by_stream: list[MonitoredOut]
    by_pool: list[MonitoredOut]


class MonitoringQuery(Schema):
    year: FinancialYear | None = Field(None, description="A financial year with budget "
                                       "lines you may see; the latest of them if not given.")


def monitored_item(row: dict, key: str, names: dict[str, str]) -> dict:
    figures = ("budget", "actual_to_date", "profiled_to_date", "variance_to_date",
               "forecast_outturn", "forecast_variance")
    pct = row["variance_pct"]
    return {"key": row[key], "name": names.get(row[key], row[key]), "lines": row["lines"],
            **{name: money(row[name]) for name in figures},
            "variance_pct": pct if pct is not None and math.isfinite(pct) else None,
            "status": row["status"], "lines_without_forecast": row["lines_without_forecast"]}
