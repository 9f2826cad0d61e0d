"""The slope and relative indices of inequality, with their confidence intervals.

Both come from one straight line fitted across the areas of a group: value on relative
rank (0 = the most deprived end of the population, 1 = the least deprived end), by
least squares weighted by each area's weight (its population, or 1 each). This is the
fit Public Health England / OHID use (PHE, "Technical Guide: Calculating the slope
index of inequality"; Fingertips methodology; PHEindicatormethods ``phe_sii``), after
Low & Low, "Measuring the gap: quantifying and comparing local health inequalities",
J Public Health 2004;26:388-395. PHE fit y·√a on √a and b·√a (a the population
share, b the relative rank), which is the same weighted fit.

With slope β₁ and intercept β₀, the fitted value at the most deprived end is
Y₀ = β₀ and at the least deprived end Y₁ = β₀ + β₁.

Slope index of inequality (SII)
    SII = Y₁ − Y₀ = β₁, least deprived end minus most deprived end (PHE's sign).

Relative index of inequality (RII)
    RII = Y₁ / Y₀ = (β₀ + SII) / β₀, as PHEindicatormethods defines it ("the ratio of
    the fitted value at x=1, Y1, and the fitted value at x=0, Y0 ... RII = (Y0 +
    SII)/Y0"), with its ordering of the quantiles from most deprived (x = 0) to least
    deprived (x = 1). That is this module's orientation too, so the RII reads with the
    SII: above 1 when the SII is positive (e.g. life expectancy), below 1 when negative.
    Some authors (e.g. Mackenbach & Kunst) put the most deprived end on top; we follow
    PHE because the SII does. There is no RII when Y₀ is zero or as good as zero
    (|Y₀| ≤ 1e-6 × the larger of |Y₀| and |Y₁|): a ratio to a fitted end a millionth the
    size of the other carries the fit's rounding, magnified a million times.

Confidence intervals (95% by default)
    PHE simulate each area's value from its standard error and refit 100,000 times.
    The values here carry no standard errors, so the intervals are those of the
    weighted least-squares regression itself, from the scatter of the areas about the
    line (residual variance s² = Σw·e² / (n − 2), on n − 2 degrees of freedom; e.g.
    Draper & Smith, "Applied Regression Analysis", 3rd ed., ch. 9; the same as
    statsmodels' ``WLS(...).conf_int``). They answer "how sure is the gradient, given how
    far the areas stray from it", not "how sure is each area's figure".

    - SII: β₁ ± t · s / √Sxx, with t the (1 + confidence)/2 quantile of Student's t on
      n − 2 degrees of freedom and Sxx = Σw(x − x̄)² (x̄, ȳ weighted means).
    - RII: Fieller's theorem for the ratio of two correlated estimates (Fieller, "Some
      problems in interval estimation", JRSS B 1954;16:175-185), not the delta method,
      because a ratio's interval is not symmetric and the delta method pretends it is.
      The interval holds every ρ for which (Y₁ − ρY₀)² ≤ t²·Var(Y₁ − ρY₀), where
      Var(Y(x)) = s²(1/W + (x − x̄)²/Sxx), Cov(Y₀, Y₁) = s²(1/W − x̄(1 − x̄)/Sxx) and
      W = Σw. With A = Y₀² − t²V₀₀, B = Y₀Y₁ − t²V₀₁, C = Y₁² − t²V₁₁ the ends are
      (B ∓ √(B² − AC)) / A, where B² − AC = t²(Y₀²V₁₁ − 2Y₀Y₁V₀₁ + Y₁²V₀₀ −
      t²(V₀₀V₁₁ − V₀₁²)) is taken in that form, which is exact where the other cancels. When A ≤ 0, Y₀ is not clearly different from zero and the
      set is unbounded: the RII's interval is then null.

The sums are taken about the weighted means (two passes), which keeps the figures
accurate when values are large and close together.
"""

from __future__ import annotations

import polars as pl
from scipy import special

INDEX_COLUMNS = ["fitted_most_deprived", "fitted_least_deprived", "sii", "sii_lower",
                 "sii_upper", "rii", "rii_lower", "rii_upper"]
ROUNDING = 1e-6  # a fitted end this small beside the other is taken as zero


def regression_indices(ranked: pl.DataFrame, *, confidence: float = 0.95) -> pl.DataFrame:
    """SII and RII, with intervals, of each ``group`` of areas.

    ``ranked``: one row per area with ``group``, ``weight`` (> 0), ``relative_rank``
    (0..1) and ``value``. Returns one row per group: ``bands`` (distinct relative ranks:
    fewer than 2 means no line, and every figure is null), ``areas`` and
    ``INDEX_COLUMNS``. The method is in the module docstring.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    w, x, y, group = pl.col("weight"), pl.col("relative_rank"), pl.col("value"), "group"

    def weighted_mean(expression: pl.Expr) -> pl.Expr:
        return ((w * expression).sum() / w.sum()).over(group)

    centred = ranked.select(
        group, w, x, y,
        dx=x - weighted_mean(x), dy=y - weighted_mean(y), x_bar=weighted_mean(x),
        y_bar=weighted_mean(y),
    ).with_columns(
        slope=((w * pl.col("dx") * pl.col("dy")).sum() / (w * pl.col("dx") ** 2).sum())
        .over(group))
    fits = centred.group_by(group).agg(
        areas=pl.len(),
        bands=x.n_unique(),
        total_weight=w.sum(),
        x_bar=pl.col("x_bar").first(),
        y_bar=pl.col("y_bar").first(),
        slope=pl.col("slope").first(),
        sxx=(w * pl.col("dx") ** 2).sum(),
        # residuals about the fitted line, from the centred figures
        rss=(w * (pl.col("dy") - pl.col("slope") * pl.col("dx")) ** 2).sum(),
    )
    degrees = (fits["areas"] - 2).cast(pl.Float64).to_numpy()
    with_t = fits.with_columns(
        t=pl.Series(special.stdtrit(degrees, (1 + confidence) / 2), nan_to_null=True)
        .fill_nan(None))
    line = pl.col("bands") >= 2
    s2 = pl.col("rss") / (pl.col("areas") - 2)
    x_bar, sxx, total, t = pl.col("x_bar"), pl.col("sxx"), pl.col("total_weight"), pl.col("t")
    y0, y1 = pl.col("fitted_most_deprived"), pl.col("fitted_least_deprived")
    v00 = s2 * (1 / total + x_bar ** 2 / sxx)
    v11 = s2 * (1 / total + (1 - x_bar) ** 2 / sxx)
    v01 = s2 * (1 / total - x_bar * (1 - x_bar) / sxx)
    a = y0 ** 2 - t ** 2 * v00
    b = y0 * y1 - t ** 2 * v01
    # B² − AC with its Y₀²Y₁² terms cancelled by hand: left to floating point they cancel
    # only to rounding, which the square root would magnify
    discriminant = t ** 2 * (y0 ** 2 * v11 - 2 * y0 * y1 * v01 + y1 ** 2 * v00
                             - t ** 2 * (v00 * v11 - v01 ** 2))
    root = discriminant.clip(lower_bound=0).sqrt()  # ≥ 0 when A > 0, but for rounding
    has_ratio = line & (y0.abs() > ROUNDING * pl.max_horizontal(y0.abs(), y1.abs()))
    bounded = has_ratio & (a > 0)
    half_width = t * (s2 / sxx).sqrt()
    return with_t.with_columns(
        fitted_most_deprived=pl.when(line).then(pl.col("y_bar") - pl.col("slope") * x_bar),
        fitted_least_deprived=pl.when(line).then(
            pl.col("y_bar") + pl.col("slope") * (1 - x_bar)),
    ).select(
        group, "areas", "bands",
        "fitted_most_deprived", "fitted_least_deprived",
        sii=pl.when(line).then(pl.col("slope")),
        sii_lower=pl.when(line).then(pl.col("slope") - half_width),
        sii_upper=pl.when(line).then(pl.col("slope") + half_width),
        rii=pl.when(has_ratio).then(y1 / y0),
        rii_lower=pl.when(bounded).then((b - root) / a),
        rii_upper=pl.when(bounded).then((b + root) / a),
    )
