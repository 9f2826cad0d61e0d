"""An operation's measured impact, for its page: the monthly counts of the indicator it is
measured on, read for every LSOA the reader may see, handed to ``core.impact`` with the
operation's target areas and dates, and said in words with the method beside it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Impact:
    reason: str = ""
    estimate: float | None = None
    lower95: float | None = None
    upper95: float | None = None
    comparison_areas: int = 0
    pre_fit: float | None = None
    sentence: str = ""
    method: str = ""
    caption: str = ""
    table_caption: str = ""
    chart: str = ""
    rows: list[dict] = field(default_factory=list)


def measured(operation, user) -> Impact:
    if operation.measured_by_id is None:
        return Impact(reason="The operation's impact is not measured: no indicator is named "
                             "to measure it on.")
    return Impact(reason=f"The impact on {operation.measured_by.title.lower()} is not "
                         "measured yet.")
