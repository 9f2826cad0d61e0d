"""The words and marks the pages use for stored assessments.

Each judgement has a short label, a sentence for screen readers and tooltips, and a
colour from the GOV.UK palette. Colour is never the only signal: every icon carries a
letter or arrow and a text alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

# A darker orange than GOV.UK's, so the icons keep a 3:1 contrast with a white page.
BLUE, ORANGE, GREY, PURPLE = "#1d70b8", "#b35900", "#505a5f", "#4c2c92"


@dataclass(frozen=True)
class Mark:
    label: str
    sentence: str
    colour: str
    symbol: str
    tag: str = "grey"  # GOV.UK tag modifier


STATUS = {
    "green": Mark("On target", "On target or better", "#00703c", "✓", "green"),
    "amber": Mark("Near target", "Worse than target, but within the tolerance", "#ffdd00",
                  "~", "yellow"),
    "red": Mark("Off target", "Worse than target by more than the tolerance", "#d4351c", "✗",
                "red"),
    "grey": Mark("No target", "No target or milestone for this period", GREY, "–", "grey"),
}

DIRECTION = {
    "improving": Mark("Improving", "Better than the period before, beyond chance or 1%",
                      BLUE, "↑", "blue"),
    "no_change": Mark("No real change", "No change beyond chance or 1%", GREY, "→", "grey"),
    "worsening": Mark("Worsening", "Worse than the period before, beyond chance or 1%",
                      ORANGE, "↓", "orange"),
    "none": Mark("No comparison", "No earlier figure to compare with", GREY, "·", "grey"),
}

VARIATION = {
    "common_cause": Mark("Common cause", "Common cause variation: no significant change",
                         GREY, "~"),
    "improvement": Mark("Improvement", "Special cause variation: a significant improvement",
                        BLUE, "+"),
    "concern": Mark("Concern", "Special cause variation: a significant concern", ORANGE, "!"),
    "neutral_high": Mark("Higher", "Special cause variation: significantly higher "
                         "(no judgement of better or worse)", PURPLE, "H"),
    "neutral_low": Mark("Lower", "Special cause variation: significantly lower "
                        "(no judgement of better or worse)", PURPLE, "L"),
}

ASSURANCE = {
    "pass": Mark("Will meet", "Assurance: the target will be met consistently, at the current "
                 "level of variation", BLUE, "P"),
    "fail": Mark("Will not meet", "Assurance: the target will not be met without a change in "
                 "the process", ORANGE, "F"),
    "hit_and_miss": Mark("Hit and miss", "Assurance: the target will sometimes be met and "
                         "sometimes missed", GREY, "?"),
    "none": Mark("No assurance", "No assurance: there is no target, or no judgement of better "
                 "or worse", GREY, "–"),
}

SIGNAL = {
    "outside_limits": "outside the process limits",
    "trend": "part of a run of rising or falling points",
    "two_in_three": "two of three points near a process limit",
    "shift": "part of a run on one side of the mean",
    "none": "",
}

POINT_COLOURS = {"common_cause": "#b1b4b6", "improvement": BLUE, "concern": ORANGE,
                 "neutral_high": PURPLE, "neutral_low": PURPLE}
