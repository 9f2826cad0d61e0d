"""Allocating a pot over every LSOA in England (32,844 areas), against bisection peers.

The areas are real: every lower layer super output area (2011) in MHCLG's English Indices
of Deprivation 2019, with its mid-2015 population (IoD 2019 File 6 denominators). The
shared data carries IMD ranks, not scores, so need is derived from the rank by the IoD's
own exponential transformation (IoD 2019 Technical Report, §3.6; the one used to combine
domains): with r = (N + 1 − rank) / N, so that r = 1 for the most deprived LSOA,
need = −23 ln(1 − r (1 − e^(−100/23))), from about 0 for the least deprived to 100 for the
most deprived. Last year's amounts are a per-head split of last year's pot (£475m) — a
made-up but plausible history, for damping to act on.

The allocation: £500,000,000 by population × need, floor £4,500, ceiling £80,000, damping
±50% of last year's amount (wide, so that every kind of bound binds somewhere). Timed,
round by round, side by side:

- **``joinedup allocate``**, end to end through its file path (``filecli.main``, in
  process): read and check the needs CSV, allocate, round, write the allocation CSV;
- the same as **its own process** (``python -m joinedup.cli allocate``): as above plus
  starting Python and importing Polars and NumPy;
- **yardstick: starting Python and importing Polars and NumPy**, and nothing else: the
  part of the process row that is not the command's own work;
- **the core alone** (``core.allocation.allocate``): bounds, feasibility checks, the exact
  λ, bound labels and the rounding to whole pounds, on a frame already in memory;
- **peer, bisection in NumPy**: λ by bisection on its value, each step a vectorised
  clamp-and-sum over every area, until the sum is within a penny of the pot (or 200
  steps), the last pence shared over the free areas, then rounded to whole pounds by the
  same largest-remainder rule;
- **peer, bisection in plain Python**: the same bisection with a Python loop over the
  areas at each step (fewer rounds: it is slow).

The process rows depend on the packages carrying their bytecode: ``make`` installs them
compiled, and the report says whether they were. Every result is checked to add up to the
pot exactly, to the pound. Goal: end to end at
most 1 s. Medians go to bench/RESULTS.md.

    python bench/allocate.py [--rounds 7] [--data path/to/shared/data]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section  # noqa: E402

from joinedup.core.allocation import allocate  # noqa: E402
from joinedup.core.apportion import largest_remainder  # noqa: E402
from joinedup.resources.filecli import main as allocate_file  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 1.0
POT = 500_000_000
LAST_YEAR = 475_000_000
FLOOR, CEILING, DAMPING = 4_500, 80_000, 0.50
RANKS = "deprivation/imd2019_lsoa_domain_ranks_deciles.csv"
POPULATIONS = "deprivation/iod2019_lsoa_population_denominators_mid2015.csv"


def needs(data: Path) -> pl.DataFrame:
    """Every LSOA: area, population, need (from its IMD rank) and last year's amount."""
    ranks = pl.read_csv(data / RANKS, columns=[0, 4])
    ranks = ranks.rename(dict(zip(ranks.columns, ["area", "rank"])))
    people = pl.read_csv(data / POPULATIONS, columns=[0, 4])
    people = people.rename(dict(zip(people.columns, ["area", "population"])))
    frame = ranks.join(people, on="area", how="inner").sort("area")
    n = frame.height
    r = (n + 1 - frame["rank"].to_numpy()) / n
    need = -23 * np.log(1 - r * (1 - math.exp(-100 / 23)))
    population = frame["population"].to_numpy()
    previous = np.round(LAST_YEAR * population / population.sum(), 2)
    return frame.select("area", "population").with_columns(need=need, previous=previous)


def bisection_numpy(weight, lower, upper, pot, tiebreak):
    """The peer: λ by bisection on its value, every step vectorised."""
    low, high = 0.0, 1.0
    while np.clip(high * weight, lower, upper).sum() < pot:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        amounts = np.clip(middle * weight, lower, upper)
        total = amounts.sum()
        if abs(total - pot) < 0.01:
            break
        low, high = (middle, high) if total < pot else (low, middle)
    # Within a penny; the pence are trimmed from the free areas before rounding.
    free = (amounts > lower) & (amounts < upper)
    amounts[free] += (pot - amounts.sum()) * weight[free] / weight[free].sum()
    return largest_remainder(amounts, np.array([pot]), np.zeros(len(amounts), np.int64),
                             tiebreak)


def bisection_python(weight, lower, upper, pot):
    """The same bisection with a plain Python loop over the areas at each step."""
    weight, lower, upper = weight.tolist(), lower.tolist(), upper.tolist()

    def total(multiplier):
        return sum(min(max(multiplier * w, lo), up) for w, lo, up in zip(weight, lower, upper))

    low, high = 0.0, 1.0
    while total(high) < pot:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        value = total(middle)
        if abs(value - pot) < 0.01:
            break
        low, high = (middle, high) if value < pot else (low, middle)
    amounts = [min(max(middle * w, lo), up) for w, lo, up in zip(weight, lower, upper)]
    pounds = [math.floor(a) for a in amounts]
    order = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - pounds[i]), i))
    for i in order[:pot - sum(pounds)]:
        pounds[i] += 1
    return np.array(pounds)


def bytecode_compiled() -> bool:
    """Whether the installed packages carry their bytecode, as ``make`` installs them."""
    import importlib.util

    import polars.dataframe.frame

    return Path(importlib.util.cache_from_source(polars.dataframe.frame.__file__)).exists()


def timed(work, rounds: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    options = parser.parse_args()
    if not (options.data / RANKS).exists():
        raise SystemExit(f"no deprivation data under {options.data}: pass --data, the path "
                         "of the shared public data")
    frame = needs(options.data)
    folder = Path(tempfile.mkdtemp(prefix="allocate-bench-"))
    needs_csv, out_csv = folder / "needs.csv", folder / "allocation.csv"
    frame.write_csv(needs_csv)
    arguments = ["--needs", str(needs_csv), "--pot", f"£{POT:,}", "--floor", str(FLOOR),
                 "--ceiling", str(CEILING), "--damping", f"{DAMPING:.0%}", "--out", str(out_csv)]
    bounds = {"floor": FLOOR, "ceiling": CEILING, "damping": DAMPING}

    ours = allocate(frame, POT, **bounds)
    weight = ours["weight"].to_numpy()
    lower, upper = ours["lower"].to_numpy(), ours["upper"].to_numpy()
    tiebreak = frame["area"].rank("ordinal").to_numpy().astype(np.int64)
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    process = [sys.executable, "-m", "joinedup.cli", "allocate", *arguments]

    start_only = [sys.executable, "-c", "import numpy, polars"]
    rows = {"file": [], "process": [], "imports": [], "core": [], "numpy": []}
    results = {}
    for _ in range(options.rounds):  # side by side, so a noisy moment hits every side
        for name, work in (
                ("file", lambda: allocate_file(arguments)),
                ("process", lambda: subprocess.run(process, env=environment, check=True)),
                ("imports", lambda: subprocess.run(start_only, env=environment, check=True)),
                ("core", lambda: allocate(frame, POT, **bounds)),
                ("numpy", lambda: bisection_numpy(weight, lower, upper, POT, tiebreak))):
            times, results[name] = timed(work, 1)
            rows[name] += times
    python_rounds = max(1, options.rounds // 3)
    rows["python"], results["python"] = timed(
        lambda: bisection_python(weight, lower, upper, POT), python_rounds)

    written = pl.read_csv(out_csv)
    sums = {"file": int(written["allocation"].sum()),
            "core": int(results["core"]["allocation"].sum()),
            "numpy": int(results["numpy"].sum()), "python": int(results["python"].sum())}
    core_pounds = results["core"]["allocation"].to_numpy()
    differ = {name: int((results[name] != core_pounds).sum()) for name in ("numpy", "python")}
    biggest = {name: int(np.abs(results[name] - core_pounds).max())
               for name in ("numpy", "python")}
    assert written["allocation"].to_list() == core_pounds.tolist()
    assert all(total == POT for total in sums.values()), sums
    bound_counts = dict(results["core"]["bound"].cast(pl.String).value_counts().iter_rows())

    median = {name: statistics.median(times) for name, times in rows.items()}
    slowest = {name: max(times) for name, times in rows.items()}
    core = median["core"]

    def line(label, name, check):
        return (f"| {label} | {median[name] * 1000:,.1f} | {slowest[name] * 1000:,.1f} | "
                f"{median[name] / core:,.1f} | {check} |")

    def agreement(name):
        if not differ[name]:
            return f"{sums[name]:,}; the same pounds as the core in every area"
        return (f"{sums[name]:,}; {differ[name]:,} areas differ from the core, by at most "
                f"£{biggest[name]}")

    met = "**met**" if median["file"] <= GOAL_S else "**not met**"
    met_process = "**met**" if median["process"] <= GOAL_S else "**not met**"
    load = os.getloadavg()[0]
    text = "\n".join([
        f"Measured {dt.date.today():%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} "
        f"cores; {options.rounds} rounds side by side, medians (the plain Python peer "
        f"{python_rounds} rounds). {frame.height:,} LSOAs (every LSOA in England in the IoD "
        "2019), mid-2015 populations, need from the IMD rank by the IoD's exponential "
        f"transformation (the shared data has ranks, not scores); £{POT:,} with a floor of "
        f"£{FLOOR:,}, a ceiling of £{CEILING:,} and damping of ±{DAMPING:.0%} on a per-head "
        f"split of £{LAST_YEAR:,} last year. Bounds binding: "
        + ", ".join(f"{name} {bound_counts.get(name, 0):,}"
                    for name in ("floor", "ceiling", "damping", "none"))
        + ". Packages " + ("compiled to bytecode when installed, as `make` installs them"
                           if bytecode_compiled() else
                           "NOT compiled to bytecode (installed otherwise than by `make`), so "
                           "every process compiles what it imports")
        + f". 1-minute load average at the end: {load:.1f}. Goal: end to end at most "
        f"{GOAL_S:.0f} s.",
        "",
        "| | median ms | slowest ms | ratio to the core | total, £ |",
        "|---|---|---|---|---|",
        line("`joinedup allocate`, end to end (read CSV, allocate, write CSV)", "file",
             f"{sums['file']:,} (exact)"),
        line("… the same as its own process (`python -m joinedup.cli allocate`)", "process",
             "(the same file)"),
        line("… yardstick: starting Python and importing Polars and NumPy, nothing else",
             "imports", ""),
        line("… the core alone (`core.allocation.allocate`)", "core",
             f"{sums['core']:,} (exact)"),
        line("peer: bisection on λ in NumPy, then the same rounding", "numpy",
             agreement("numpy")),
        line("peer: bisection on λ in plain Python, then the same rounding", "python",
             agreement("python")),
        f"| goal: end to end ≤ {GOAL_S:.0f} s, in process | {met} | | | |",
        f"| goal: end to end ≤ {GOAL_S:.0f} s, as its own process | {met_process} | | | |",
        "",
        "The core finds λ exactly: a binary search over the sorted breakpoints, then the "
        "linear piece solved from the free areas' weights, so no tolerance is involved. The "
        "peers approximate λ by bisection on its value until the amounts add up to within "
        "a penny of the pot, then round; they check nothing (no refusals, no bound labels, "
        "no duplicate or negative inputs) and build no frame. "
        + (f"So the NumPy peer is faster than the core, by {core / median['numpy']:.1f}×: "
           "besides finding λ and rounding, the core checks its input, labels the bounds "
           "and builds its output frame, which the peer does not. " if median["numpy"] < core else "")
        + "Both peers and the core round by the same largest-remainder rule, so where an "
        "amount differs it is a pound of rounding on a remainder the approximate λ moved. "
        "The process row includes starting Python and importing "
        "Polars and NumPy, which the in-process rows do not; the yardstick row is that "
        "start alone, so the process row less the yardstick is the command's own work.",
    ])
    print(text)
    write_section("Allocation by need, every LSOA in England", text)


if __name__ == "__main__":
    main()
