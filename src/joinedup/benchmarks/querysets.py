"""Who sees the comparison figures: exactly who may see their indicator.

Neighbour sets, their variables and weights and the neighbours computed from them are
open data: anyone may read them, and only those who manage the framework (the
partnership officer) may change a weight, as ``RestrictedQuerySet`` says.
"""

from __future__ import annotations

from joinedup.strategy.querysets import IndicatorChildQuerySet


class ComparisonFigureQuerySet(IndicatorChildQuerySet):
    indicator_path = "indicator"
