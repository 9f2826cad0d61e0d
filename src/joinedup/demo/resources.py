"""The demonstration partnership's money, from published figures and ``resources.toml``.

Each partner's published spend by theme (``finance_sources``) becomes one Gateshead line
per partner, stream, theme and year, spread over the wards by a stated base through the
spend return itself, so the demo's lines take the same checked path as a partner's
upload. Pools, aligned budgets, resources in kind and allocation scenarios come from
``resources.toml``. Building twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import tomllib
from decimal import Decimal
from importlib import resources as package_files

import polars as pl

from joinedup.demo.build import set_many, upsert
from joinedup.demo.finance_sources import spend_by_theme
from joinedup.partnership.models import Organisation, Person
from joinedup.places.models import Area
from joinedup.resources import allocating
from joinedup.resources.models import (
    AllocationScenario,
    BudgetLine,
    FundingStream,
    InKindResource,
    PoolContribution,
    PooledBudget,
)
from joinedup.resources.spend_import import approve_lines, import_spend_table
from joinedup.strategy.models import Outcome, Theme

HOME = "E08000037"
STREAMS = {  # published (organisation, spend kind) → the demo's stream
    ("gateshead-council", "revenue"): "gateshead-council-revenue",
    ("gateshead-council", "capital"): "gateshead-council-capital",
    ("nhs-gateshead", "revenue"): "nhs-gateshead-allocation",
    ("northumbria-police", "revenue"): "northumbria-police-revenue",
    ("tyne-and-wear-fire", "revenue"): "tyne-and-wear-fire-revenue",
}


def _data(name: str):
    return package_files.files("joinedup.demo") / "data" / name


def catalogue() -> dict:
    return tomllib.loads(_data("resources.toml").read_text(encoding="utf-8"))


def build_resources(officer: Person) -> dict[str, int]:
    """Streams, pools, spend lines, resources in kind and scenarios; counts of each."""
    spec = catalogue()
    organisations = {o.slug: o for o in Organisation.objects.all()}
    streams = {item["slug"]: upsert(FundingStream, {"slug": item["slug"]}, {
        "name": item["name"], "partner": organisations[item["partner"]], "kind": item["kind"],
        "spend_kind": item["spend_kind"], "source": item["source"]})
        for item in spec["stream"]}
    pools = _pools(spec, organisations)
    rows = [*_published_rows(spec), *_pool_rows(spec), *_aligned_rows(spec),
            *_event_rows(spec), *_area_fund_rows(spec)]
    table = pl.DataFrame(rows, schema={c: pl.String for c in rows[0]}).with_row_index(
        "row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    result = import_spend_table(table, source="the demonstration partnership's spend",
                                user=officer)
    if result.errors:
        raise RuntimeError("The demo's spend does not pass its own checks: "
                           + "; ".join(str(p) for p in result.errors[:5]))
    approve_lines(BudgetLine.objects.all(), person=officer)
    in_kind = _in_kind(spec, organisations)
    scenarios = _scenarios(spec, organisations, streams, officer)
    return {"streams": len(streams), "pools": len(pools), "lines": BudgetLine.objects.count(),
            "in_kind": in_kind, "scenarios": scenarios}


def _line(partner, stream, theme, year, budget, actuals, *, area=HOME, outcome="",
          arrangement="single", pool="", basis="population", description="",
          illustrative=True) -> dict:
    cells = {"partner": partner, "stream": stream, "theme": theme, "outcome": outcome,
             "area": area, "financial_year": year, "arrangement": arrangement, "pool": pool,
             "budget": f"{budget:.2f}"}
    for quarter in range(4):
        cells[f"actual_q{quarter + 1}"] = (f"{actuals[quarter]:.2f}"
                                           if quarter < len(actuals) else "")
    cells.update({"apportioned_by": basis, "description": description,
                  "illustrative": "yes" if illustrative else "no"})
    return cells


def _phased(total: float, spec: dict, year: str) -> list[float]:
    """The outturn spread over the quarters reported (pence rounding kept in the last)."""
    quarters = (spec["quarters_reported_in_latest_year"] if year == spec["years"][-1] else 4)
    parts = [round(total * share, 2) for share in spec["phasing"]]
    parts[-1] = round(total - sum(parts[:-1]), 2)
    return parts[:quarters]


def _published_rows(spec: dict) -> list[dict]:
    spend = spend_by_theme().filter(pl.col("financial_year").is_in(spec["years"]))
    wide = (spend.group_by("organisation", "financial_year", "theme", "spend_kind", "measure")
            .agg(pl.col("amount_pounds").sum())
            .pivot(on="measure", index=["organisation", "financial_year", "theme",
                                        "spend_kind"], values="amount_pounds"))
    for measure in ("budget", "outturn", "allocation"):
        if measure not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Int64).alias(measure))
    shares = spec["gateshead_share"]
    rows = []
    for item in wide.sort("organisation", "financial_year", "theme", "spend_kind") \
            .iter_rows(named=True):
        stream = STREAMS.get((item["organisation"], item["spend_kind"]))
        if stream is None:
            continue
        share = shares.get(item["organisation"])
        scale = share["gateshead"] / share["whole"] if share else 1.0
        budget = item["budget"] or item["allocation"] or item["outturn"]
        outturn = item["outturn"]
        if not budget:
            continue
        budget = round(budget * scale, 2)
        actuals = _phased(outturn * scale, spec, item["financial_year"]) if outturn else []
        how = (f"; Gateshead's share of {share['of']} by population" if share else "")
        rows.append(_line(
            item["organisation"], stream, item["theme"], item["financial_year"], budget,
            actuals, basis="need" if item["theme"] in spec["need_themes"] else "population",
            illustrative=False,
            description=f"Published {item['spend_kind']} spending mapped to the theme{how}"))
    return rows


def _pools(spec: dict, organisations: dict) -> dict[str, PooledBudget]:
    built = {}
    for item in spec["pool"]:
        theme = Theme.objects.get(slug=item["theme"])
        pool = upsert(PooledBudget, {"slug": item["slug"]}, {
            "name": item["name"], "host": organisations[item["host"]],
            "legal_basis": item["legal_basis"], "theme": theme, "illustrative": True})
        set_many(pool.outcomes, list(Outcome.objects.filter(theme=theme,
                                                            title__in=item["outcomes"])))
        for year in item["years"]:
            for partner, amount in item["contributions"].items():
                upsert(PoolContribution, {"pool": pool, "partner": organisations[partner],
                                          "financial_year": year}, {"amount": Decimal(amount)})
        built[item["slug"]] = pool
    return built


def _pool_rows(spec: dict) -> list[dict]:
    rows = []
    streams = {"gateshead-council": "gateshead-council-revenue",
               "nhs-gateshead": "nhs-gateshead-allocation"}
    for item in spec["pool"]:
        for year in item["years"]:
            for partner, amount in item["contributions"].items():
                rows.append(_line(partner, streams[partner], item["theme"], year, amount,
                                  _phased(amount * item["spend"][year], spec, year),
                                  outcome=item["outcomes"][0], arrangement="pooled",
                                  pool=item["slug"], basis="need",
                                  description=f"Contribution to the {item['name'].lower()}"))
    return rows


def _aligned_rows(spec: dict) -> list[dict]:
    return [_line(item["partner"], item["stream"], item["theme"], year, item["amount"],
                  _phased(item["amount"], spec, year), outcome=item.get("outcome", ""),
                  arrangement="aligned", description=item["description"])
            for item in spec["aligned"] for year in item["years"]]


def _event_rows(spec: dict) -> list[dict]:
    return [_line(item["partner"], item["stream"], item["theme"], item["year"],
                  item["amount"], _phased(item["amount"], spec, item["year"]),
                  outcome=item.get("outcome", ""), arrangement=item["arrangement"],
                  area=item["area"], basis="need", description=item["description"])
            for item in spec["event"]]


def _localities() -> list[Area]:
    return list(Area.objects.filter(level="locality", parent__code=HOME).order_by("code"))


def _area_fund_rows(spec: dict) -> list[dict]:
    return [_line(item["partner"], item["stream"], item["theme"], year, item["amount"],
                  _phased(item["amount"], spec, year), area=locality.code,
                  outcome=item.get("outcome", ""), arrangement="aligned", basis="",
                  description=item["description"])
            for item in spec["area_fund"] for year in item["years"] for locality in _localities()]


def _in_kind(spec: dict, organisations: dict) -> int:
    count = 0
    for item in spec["in_kind"]:
        theme = Theme.objects.get(slug=item["theme"])
        for year in item["years"]:
            for locality in _localities():
                upsert(InKindResource, {"partner": organisations[item["partner"]],
                                        "theme": theme, "area": locality,
                                        "financial_year": year,
                                        "description": item["description"]},
                       {"unit": item["unit"], "quantity": Decimal(item["quantity"]),
                        "rate": Decimal(item["rate"]), "illustrative": True,
                        "shared_with_partners": True})
                count += 1
    return count


def _scenarios(spec: dict, organisations: dict, streams: dict, officer) -> int:
    count = 0
    for item in spec["warwickshire"]:
        count += _warwickshire(item, organisations)
    for item in spec["neighbourhood_fund"]:
        wards = allocating.areas_at("ward", HOME)
        theme = Theme.objects.get(slug=item["theme"])
        previous = _equal_shares(item["previous_pot"], [w.code for w in wards])
        damped = f"By need, within {item['damping']:.0%} of last year"
        for basis, label, damping in (
                ("equal", "Equal shares", None), ("population", "By population", None),
                ("need", AllocationScenario.Basis.NEED.label, None),
                ("previous", "As last year", None), ("need", damped, item["damping"])):
            scenario = upsert(AllocationScenario, {"name": f"{item['name']}: {label}"}, {
                "stream": streams[item["stream"]], "theme": theme,
                "financial_year": item["year"], "pot": Decimal(item["pot"]), "basis": basis,
                "need_measure": item["need_measure"] if basis == "need" else "",
                "floor": Decimal(item["floor"]), "damping": damping, "illustrative": True})
            if not scenario.amounts.exists():
                allocating.work_out(scenario, wards, previous=previous)
            count += 1
    return count


def _equal_shares(pot: int, codes: list[str]) -> dict[str, int]:
    """Last year's fund in equal whole-pound shares, the odd pounds to the first codes."""
    share, odd = divmod(pot, len(codes))
    return {code: share + (1 if i < odd else 0) for i, code in enumerate(sorted(codes))}


def _warwickshire(item: dict, organisations: dict) -> int:
    county = item["county"]
    england = Area.objects.get(code=county["parent"])
    parent = upsert(Area, {"code": county["code"]}, {"name": county["name"],
                                                      "level": "county", "parent": england})
    with _data("warwickshire_districts.csv").open(encoding="utf-8") as handle:
        districts = list(csv.DictReader(handle))
    areas = [upsert(Area, {"code": d["area"]}, {"name": d["name"], "level": "district",
                                                 "parent": parent,
                                                 "population": int(d["population"])})
             for d in districts]
    need = {d["area"]: float(d["need"]) for d in districts}
    spec = item["organisation"]
    organisation = organisations.get(spec["slug"]) or upsert(
        Organisation, {"slug": spec["slug"]}, {"name": spec["name"], "sector": spec["sector"]})
    stream = upsert(FundingStream, {"slug": item["stream"]["slug"]}, {
        "name": item["stream"]["name"], "partner": organisation, "kind": "area_based_grant",
        "spend_kind": "revenue", "source": "Warwickshire case study, paragraph 13"})
    theme = Theme.objects.get(slug=item["theme"])
    common = {"stream": stream, "theme": theme, "financial_year": item["year"],
              "pot": Decimal(item["pot"]), "illustrative": False}
    by_need = upsert(AllocationScenario, {"name": "Warwickshire 2008/09: by need"}, {
        **common, "basis": "need", "need_measure": item["need_measure"],
        "floor": Decimal(item["floor"]),
        "note": "Population × the IoD 2019 average score of each district, with a floor of "
                "£100,000 for every district: the split the need-based formula gives."})
    agreed = upsert(AllocationScenario, {"name": "Warwickshire 2008/09: as the PSB agreed"}, {
        **common, "basis": "agreed",
        "note": "The split Warwickshire's Public Service Board agreed: £400,000 to Nuneaton "
                "and Bedworth, its most deprived district, and £100,000 to each of the "
                "other four."})
    if not by_need.amounts.exists():
        allocating.work_out(by_need, areas, need=need)
    if not agreed.amounts.exists():
        allocating.work_out(agreed, areas, need=need, agreed=item["agreed"])
    return 2
