"""Statistical neighbours and benchmarks in the API: the neighbour sets with their
variables and weights, an area's nearest neighbours in a set, and an indicator's
benchmark (rank and quartile, funnel limits, the neighbours' average trend).

The neighbour sets are open data: anyone may read them. An indicator's benchmark follows
the indicator's own rule (``Indicator.objects.visible_to``): for a caller who may not see
the indicator it is a 404, exactly as if it did not exist.
"""

from __future__ import annotations

from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from joinedup.benchmarks.documents import benchmark_document
from joinedup.benchmarks.figures import benchmark_for, with_figures
from joinedup.benchmarks.models import ComparisonFigure, Member, NeighbourSet
from joinedup.common.api import DETAIL_ERRORS, READ_ERRORS, Code
from joinedup.partnership.api_auth import OPTIONAL_TOKEN, READ
from joinedup.strategy.api import indicator_or_404, visible_indicators

router = Router(auth=READ)


class VariableOut(Schema):
    name: str
    definition: str
    source: str
    date: str
    weight: float = Field(description="Multiplies the standardised variable; 0 leaves it out.")


class SetOut(Schema):
    slug: str
    name: str
    areas: int = Field(description="How many areas the set compares.")
    k: int = Field(description="How many nearest neighbours are listed for each area.")
    computed_at: str | None
    url: str


class SetDetail(SetOut):
    description: str
    variables: list[VariableOut]


class NeighbourOut(Schema):
    rank: int
    code: str
    name: str
    distance: float = Field(description="Rebased so the farthest pair of areas in the set "
                                        "is 1.")


class AreaNeighbours(Schema):
    neighbour_set: str
    area: str
    name: str
    neighbours: list[NeighbourOut]


class BenchmarkedIndicator(Schema):
    code: str
    title: str
    neighbour_set: str
    url: str


class RankOut(Schema):
    comparison: str = Field(description="neighbours (its neighbours and itself) or england "
                                        "(every area of the set).")
    period: str
    value: float
    rank: int = Field(description="1 is the best, by the indicator's polarity.")
    group_size: int
    quartile: int | None = Field(description="1 is the best quarter; none below 4 areas.")
    ranked: str


class FunnelPointOut(Schema):
    area: str
    name: str
    numerator: float
    denominator: float
    value: float
    lower_99_8: float
    lower_95: float
    upper_95: float
    upper_99_8: float
    band: str


class FunnelOut(Schema):
    period: str
    measure: str = Field(description="proportion or rate.")
    multiplier: float
    benchmark: float
    benchmark_source: str
    method: str = Field(description="exact binomial (proportions) or Poisson (rates).")
    method_detail: str
    points: list[FunnelPointOut]


class TrendOut(Schema):
    period: str
    period_start: str
    value: float | None
    neighbours_mean: float | None
    neighbours_with_value: int
    neighbours_listed: int | None
    england: float | None


class SlopesOut(Schema):
    window_start: str
    window_end: str
    own_slope: float | None = Field(description="Least-squares change a year.")
    neighbours_slope: float | None
    slope_difference: float | None


class BenchmarkOut(Schema):
    indicator: str
    title: str
    unit: str
    polarity: str
    neighbour_set: str
    area: str | None
    area_name: str
    neighbours: list[NeighbourOut]
    ranks: list[RankOut]
    funnel: FunnelOut | None
    funnel_reason: str
    trend: list[TrendOut]
    slopes: SlopesOut | None


def _set_or_404(slug: str) -> NeighbourSet:
    found = NeighbourSet.objects.filter(slug=slug.strip().lower()).first()
    if found is None:
        raise HttpError(404, f"There is no neighbour set {slug!r}; the sets are "
                             f"{', '.join(NeighbourSet.objects.values_list('slug', flat=True))}.")
    return found


def _set_item(found: NeighbourSet) -> dict:
    return {"slug": found.slug, "name": found.name, "areas": found.members.count(),
            "k": found.k, "url": found.get_absolute_url(),
            "computed_at": found.computed_at.isoformat() if found.computed_at else None}


@router.get("/sets", response={200: list[SetOut], **READ_ERRORS},
            summary="List the neighbour sets", openapi_extra=OPTIONAL_TOKEN)
def list_sets(request):
    """The kinds of area compared with each other, such as every English district."""
    return [_set_item(found) for found in NeighbourSet.objects.all()]


@router.get("/sets/{slug}", response={200: SetDetail, **DETAIL_ERRORS},
            summary="One neighbour set with its variables and weights",
            openapi_extra=OPTIONAL_TOKEN)
def get_set(request, slug: Code):
    """Every variable with its definition, source and weight."""
    found = _set_or_404(slug)
    return {**_set_item(found), "description": found.description,
            "variables": [{"name": v.name, "definition": v.definition, "source": v.source,
                           "date": v.date, "weight": v.weight}
                          for v in found.variables.all()]}


@router.get("/sets/{slug}/neighbours/{code}", response={200: AreaNeighbours, **DETAIL_ERRORS},
            summary="An area's nearest neighbours in a set", openapi_extra=OPTIONAL_TOKEN)
def area_neighbours(request, slug: Code, code: Code):
    """The area's neighbours, nearest first, by their rebased distance."""
    found = _set_or_404(slug)
    member = Member.objects.filter(neighbour_set=found, code__iexact=code.strip()).first()
    if member is None:
        raise HttpError(404, f"The area {code!r} is not one of the {found.name}.")
    names = dict(found.members.values_list("code", "name"))
    return {"neighbour_set": found.slug, "area": member.code, "name": member.name,
            "neighbours": [{"rank": n.rank, "code": n.neighbour, "distance": n.distance,
                            "name": names.get(n.neighbour, n.neighbour)}
                           for n in found.neighbours.filter(area=member.code)
                           .order_by("rank")]}


@router.get("/indicators", response={200: list[BenchmarkedIndicator], **READ_ERRORS},
            summary="List the indicators with comparison figures", openapi_extra=OPTIONAL_TOKEN)
def list_benchmarked(request):
    """The indicators you may see that have published figures for other areas."""
    indicators = with_figures(visible_indicators(request.auth))
    sets = dict(ComparisonFigure.objects.filter(indicator__in=indicators)
                .values_list("indicator_id", "neighbour_set__slug").distinct())
    return [{"code": i.code, "title": i.title, "neighbour_set": sets[i.pk],
             "url": reverse("benchmarks:indicator", args=[i.slug])} for i in indicators]


@router.get("/indicators/{code}", response={200: BenchmarkOut, **DETAIL_ERRORS},
            summary="An indicator's benchmark", openapi_extra=OPTIONAL_TOKEN)
def get_benchmark(request, code: Code):
    """Rank and quartile of the partnership's area among its neighbours and every area of
    the set, the funnel plot's limits where numerators and denominators are published,
    and its trend against the neighbours' average, by code ("HW 02") or slug."""
    indicator = indicator_or_404(request.auth, code)
    benchmark = benchmark_for(indicator)
    if benchmark is None:
        raise HttpError(404, f"{indicator.code} has no published figures to compare with.")
    return benchmark_document(benchmark)
