"""Every parameter of an assessment, in one object stored with each run.

The defaults are those of DESIGN §6. ``AssessmentParameters.to_dict()`` is what a run
records, and ``from_dict`` reads it back, so any stored result can be reproduced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

OUTLIER_METHODS = ("modified_z", "z", "min_max")
BASE_FORECAST_METHODS = ("linear", "damped", "drift", "smoothing")
FORECAST_METHODS = (*BASE_FORECAST_METHODS, "combined")


class ParameterError(ValueError):
    """A parameter is outside what the statistics allow."""


@dataclass(frozen=True)
class StatusParameters:
    """RAG status against milestone or target."""

    default_tolerance: float = 0.05  # amber band: this fraction of the target


@dataclass(frozen=True)
class DirectionParameters:
    """Direction of travel against the previous period and a year earlier."""

    min_relative_change: float = 0.01  # without confidence limits, change beyond 1% counts
    use_confidence_intervals: bool = True


@dataclass(frozen=True)
class SPCParameters:
    """XmR chart, following NHS England's Making Data Count (NHSRplotthedots 0.2.2)."""

    screen_outliers: bool = True
    run_length: int = 7  # for the trend and shift rules; 6 is also in use
    baseline_points: int | None = None  # fix the limits on the first n points
    rebase_periods: tuple[str, ...] = ()  # start new limits at these periods
    trial_points: int = 12  # fewer points than this: trial limits
    limit_multiplier: float = 2.66
    screen_multiplier: float = 3.267


@dataclass(frozen=True)
class OutlierParameters:
    """Data-quality outliers; the tested value is left out of its own baseline."""

    method: str = "modified_z"
    modified_z_threshold: float = 3.5
    z_threshold: float = 3.0
    min_max_margin: float = 0.0  # widen [min, max] of the others by this share of their range
    min_points: int = 5  # a value is tested only against at least min_points - 1 others


@dataclass(frozen=True)
class ForecastParameters:
    """Forecast to the target date, chosen or combined by backtest.

    ``methods`` are the candidates that compete by rolling-origin backtest: any of
    ``linear``, ``damped``, ``drift``, ``smoothing`` and ``combined`` (the four others
    averaged with weights from their backtest errors). ``combined`` alone is the default:
    on held-out real series it beat the naive, drift and linear baselines on every
    target kind (bench/RESULTS.md, "Forecast calibration").
    """

    methods: tuple[str, ...] = ("combined",)
    min_points: int = 4
    backtest_origins: int = 3
    alphas: tuple[float, ...] = (0.2, 0.5, 0.8)
    betas: tuple[float, ...] = (0.05, 0.2)
    phis: tuple[float, ...] = (0.8, 0.9, 0.98)
    levels: tuple[int, ...] = (80, 95)
    calibrate: bool = True  # spread from the model and the series' own backtest misses
    tail_degrees: int = 5  # calibrated law: Student's t on this many degrees of freedom


@dataclass(frozen=True)
class GapParameters:
    """Gaps between areas of one level, and whether they are narrowing."""

    min_areas: int = 3
    min_relative_change: float = 0.01  # a gap narrows or widens by more than 1% of itself


@dataclass(frozen=True)
class FlagParameters:
    """When the assessment raises a flag."""

    p_meet_below: float = 0.5
    worsening_run: int = 3  # say "3 quarters worsening" when at least this many


@dataclass(frozen=True)
class AssessmentParameters:
    status: StatusParameters = field(default_factory=StatusParameters)
    direction: DirectionParameters = field(default_factory=DirectionParameters)
    spc: SPCParameters = field(default_factory=SPCParameters)
    outliers: OutlierParameters = field(default_factory=OutlierParameters)
    forecast: ForecastParameters = field(default_factory=ForecastParameters)
    gaps: GapParameters = field(default_factory=GapParameters)
    flags: FlagParameters = field(default_factory=FlagParameters)

    def __post_init__(self):
        check(self)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AssessmentParameters:
        parts = {}
        for part in fields(cls):
            given = dict(data.get(part.name, {}))
            part_class = part.default_factory
            known = {f.name: f for f in fields(part_class)}
            unknown = set(given) - set(known)
            if unknown:
                raise ParameterError(f"unknown {part.name} parameters: {', '.join(sorted(unknown))}")
            for name, value in given.items():
                if isinstance(value, list):
                    given[name] = tuple(value)
            parts[part.name] = part_class(**given)
        return cls(**parts)

    def with_changes(self, **sections: dict) -> AssessmentParameters:
        """A copy with some parameters changed, e.g. ``with_changes(spc={"run_length": 6})``."""
        return replace(self, **{name: replace(getattr(self, name), **changes)
                                for name, changes in sections.items()})


def check(parameters: AssessmentParameters) -> None:
    spc, outliers, forecast = parameters.spc, parameters.outliers, parameters.forecast
    problems = []
    if spc.run_length < 2:
        problems.append("spc.run_length must be at least 2")
    if spc.baseline_points is not None and spc.baseline_points < 2:
        problems.append("spc.baseline_points must be at least 2 (or not set)")
    if outliers.method not in OUTLIER_METHODS:
        problems.append(f"outliers.method must be one of {', '.join(OUTLIER_METHODS)}")
    if outliers.min_points < 3:
        problems.append("outliers.min_points must be at least 3")
    if not forecast.methods or set(forecast.methods) - set(FORECAST_METHODS):
        problems.append(f"forecast.methods must be drawn from {', '.join(FORECAST_METHODS)}")
    if forecast.tail_degrees < 1:
        problems.append("forecast.tail_degrees must be at least 1")
    if forecast.min_points < 3:
        problems.append("forecast.min_points must be at least 3")
    if any(not 0 < level < 100 for level in forecast.levels):
        problems.append("forecast.levels must be percentages between 0 and 100")
    if parameters.gaps.min_areas < 3:
        problems.append("gaps.min_areas must be at least 3")
    if parameters.gaps.min_relative_change < 0:
        problems.append("gaps.min_relative_change cannot be negative")
    if not 0 <= parameters.status.default_tolerance < 1:
        problems.append("status.default_tolerance must be a fraction between 0 and 1")
    if problems:
        raise ParameterError("; ".join(problems))
