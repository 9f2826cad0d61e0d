"""Narrowing the gap: an indicator's gaps between wards or LSOAs, and the partnership's
ranking of where gaps are widening fastest. The figures come from
``assessment.gaps``; this module only lays them out."""

from __future__ import annotations

from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from joinedup.assessment import gaps as gap_figures
from joinedup.assessment.services import reassess_indicator
from joinedup.common import charts
from joinedup.places.models import Level
from joinedup.common.querysets import manages_framework
from joinedup.strategy.models import Indicator
from joinedup.strategy.tracked_gaps import track_gap
from joinedup.web.forms import GapTargetForm

MEASURE_NAMES = {
    "quintile_gap": "Most deprived fifth − the rest",
    "sii": "Slope index of inequality",
    "range": "Range (highest − lowest)",
    "iqr_gap": "Inter-quartile gap",
}
CHARTED_MEASURE = "sii"


def indicator_gap(request, slug):
    indicator = get_object_or_404(
        Indicator.objects.visible_to(request.user).select_related("outcome__theme"), slug=slug)
    levels = gap_figures.levels_with_values(indicator)
    level = request.GET.get("level") or (levels[0] if levels else "ward")
    if level not in gap_figures.PAGE_LEVELS:
        raise Http404("No such level")
    may_set = manages_framework(request.user) and not indicator.tracks_gap
    form = GapTargetForm(request.POST or None)
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied("Only those who manage the framework set targets.")
        if form.is_valid():
            try:
                tracker, _ = track_gap(indicator, level=level, person=request.user,
                                       **form.cleaned_data)
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, problems)
            else:
                reassess_indicator(tracker, person=request.user)
                django_messages.success(
                    request, f"The gap is tracked as {tracker.code}, with its target.")
                return redirect(tracker.get_absolute_url())
    figures = gap_figures.level_gaps(indicator, level)
    level_name = Level(level).label
    context = {
        "indicator": indicator,
        "level": level,
        "level_name": level_name,
        "other_levels": [(other, Level(other).label) for other in levels if other != level],
        "figures": figures,
        "latest": figures.latest,
        "trends": [{"measure": measure, "name": name, "trend": figures.trends[measure]}
                   for measure, name in MEASURE_NAMES.items() if measure in figures.trends],
        "chart": _chart(indicator, level_name, figures.points.get(CHARTED_MEASURE, [])),
        "tracked": list(Indicator.objects.visible_to(request.user).filter(
            gap_of=indicator, gap_level=level).prefetch_related("targets")),
        "may_set": may_set,
        "form": form,
    }
    return render(request, "strategy/gap.html", context)


def widening_gaps(request):
    rows = gap_figures.widening_ranking(Indicator.objects.visible_to(request.user))
    for row in rows:
        row["level_name"] = Level(row["level"]).label
    return render(request, "strategy/gaps.html", {"rows": rows})


def _chart(indicator, level_name: str, points: list[dict]):
    if len(points) < 2:
        return None
    spec = charts.spc_chart(
        [{"start": p["period_start"].isoformat(), "period": p["period"], "value": p["size"],
          "variation": p["variation"], "outlier": False, "mean": p["spc_mean"],
          "lower": p["spc_lower"], "upper": p["spc_upper"],
          "lower_2sigma": p["spc_lower_2sigma"], "upper_2sigma": p["spc_upper_2sigma"]}
         for p in points],
        unit=f"Size of the SII ({indicator.unit})")
    specials = sum(1 for p in points if p["variation"] != "common_cause")
    label = (f"Statistical process control chart of the size of the slope index of "
             f"inequality of {indicator.title} between {level_name.lower()}s: "
             f"{len(points)} periods, the mean and process limits; {specials} "
             f"point{'s' if specials != 1 else ''} show special cause variation. "
             "The figures are in the table below.")
    return charts.render_svg(spec, label=label)
