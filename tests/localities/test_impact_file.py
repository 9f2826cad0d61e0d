"""``joinedup impact``: an operation's measured impact from files, with no database.

The command is called through the product's entry point (``joinedup.cli.main``), as the
``joinedup`` script calls it, and once as a separate process with no Django settings. The
real counts are police.uk's for Gateshead and its three comparators, shipped with the demo.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from joinedup.cli import main

REPO = Path(__file__).parents[2]
CRIME = REPO / "src" / "joinedup" / "demo" / "data" / "crime" / "lsoa_month_counts.csv"
DOCS = REPO / "docs" / "impact.md"
# Gateshead's three LSOAs with the most anti-social behaviour, June 2013 to March 2014.
TARGETS = ["E01008166", "E01008168", "E01008259"]
EXAMPLE = ["--start", "2014-04", "--end", "2014-05"]
# The documented example: (estimate, lower95, upper95, comparison_areas, pre_fit).
ANTI_SOCIAL_BEHAVIOUR = (0.0714, -0.2688, 0.5699, 11, 0.1793)
ALL_CRIME = (0.0169, -0.1238, 0.1803, 11, 0.1093)


def run(*arguments: str) -> int:
    with pytest.raises(SystemExit) as finished:
        main(["impact", *arguments])
    return finished.value.code


def targets_file(tmp_path: Path, codes=TARGETS) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text("area\n" + "".join(f"{code}\n" for code in codes))
    return path


def headline(path: Path) -> tuple:
    row = pl.read_csv(path).row(0, named=True)
    return (round(row["estimate"], 4), round(row["lower95"], 4), round(row["upper95"], 4),
            row["comparison_areas"], round(row["pre_fit"], 4))


@pytest.mark.parametrize("column, expected", [("anti_social_behaviour", ANTI_SOCIAL_BEHAVIOUR),
                                              ("all_crime", ALL_CRIME)])
def test_the_real_counts_end_to_end(tmp_path, column, expected):
    out = tmp_path / "impact.csv"
    assert run("--counts", str(CRIME), "--count", column, "--targets",
               str(targets_file(tmp_path)), *EXAMPLE, "--out", str(out)) == 0
    assert pl.read_csv(out).columns[:7] == ["estimate", "lower95", "upper95",
                                            "comparison_areas", "pre_fit", "pre_correlation",
                                            "target_areas"]
    assert headline(out) == expected


def test_the_documented_example_is_what_the_command_gives():
    text = DOCS.read_text()
    for label, (estimate, lower, upper, areas, fit) in (
            ("Anti-social behaviour", ANTI_SOCIAL_BEHAVIOUR), ("All crime", ALL_CRIME)):
        def percent(x):
            return f"{x:+.1%}".replace("-", "−")

        row = f"| {label} | {percent(estimate)} | {percent(lower)} to {percent(upper)} | " \
              f"{areas} | {fit:.3f} |"
        assert row in text, row


def test_parquet_counts_and_targets_give_the_same_answer_and_a_series(tmp_path):
    counts = tmp_path / "counts.parquet"
    pl.read_csv(CRIME).rename({"anti_social_behaviour": "count"}).write_parquet(counts)
    targets = tmp_path / "targets.parquet"
    pl.DataFrame({"area": TARGETS}).write_parquet(targets)
    out, series = tmp_path / "impact.parquet", tmp_path / "series.csv"
    assert run("--counts", str(counts), "--targets", str(targets), *EXAMPLE, "--out",
               str(out), "--series", str(series)) == 0
    row = pl.read_parquet(out).row(0, named=True)
    assert round(row["estimate"], 4) == ANTI_SOCIAL_BEHAVIOUR[0]
    monthly = pl.read_csv(series)
    assert monthly["phase"].to_list() == ["before"] * 10 + ["during"] * 2 + ["after"] * 5
    assert monthly.filter(pl.col("phase") == "during")["target"].to_list() == [85.0, 92.0]


def test_runs_as_its_own_process_without_settings(tmp_path):
    out = tmp_path / "impact.csv"
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    finished = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "impact", "--counts", str(CRIME), "--count",
         "anti_social_behaviour", "--targets", str(targets_file(tmp_path)), *EXAMPLE,
         "--out", str(out)], env=environment, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert headline(out) == ANTI_SOCIAL_BEHAVIOUR


def test_every_problem_in_the_counts_is_reported_and_nothing_written(tmp_path, capsys):
    counts = tmp_path / "counts.csv"
    counts.write_text("area,period,count,deprivation\n"
                      "E1,2020-01,3,5\n"
                      ",2020-01,3,5\n"
                      "E1,January,2,5\n"
                      "E2,2020-01,-1,7\n"
                      "E2,2020-02,lots,7\n"
                      "E2,2020-03,2.5,8\n"
                      "E3,2020-01,1,none\n")
    out = tmp_path / "impact.csv"
    assert run("--counts", str(counts), "--targets", str(targets_file(tmp_path, ["E1"])),
               "--start", "2020-02", "--end", "2020-02", "--out", str(out)) == 2
    assert capsys.readouterr().err == (
        f"{counts}:3:area: no area code\n"
        f"{counts}:4:period: 'January' is not a month (YYYY-MM)\n"
        f"{counts}:5:count: -1 is negative; a count is zero or more\n"
        f"{counts}:6:count: 'lots' is not a number\n"
        f"{counts}:7:count: 2.5 is not a whole number\n"
        f"{counts}:7:deprivation: 8 differs from the deprivation of E2 on line 5\n"
        f"{counts}:8:deprivation: 'none' is not a number\n"
        "Nothing was written.\n")
    assert not out.exists()


def test_missing_columns_and_unknown_targets_are_reported(tmp_path, capsys):
    counts = tmp_path / "counts.csv"
    counts.write_text("area,month,crimes\nE1,2020-01,3\n")
    out = tmp_path / "impact.csv"
    assert run("--counts", str(counts), "--targets", str(targets_file(tmp_path)),
               *EXAMPLE, "--out", str(out)) == 2
    assert capsys.readouterr().err == (f"{counts}:1:period: the counts have no period column\n"
                                       f"{counts}:1:count: the counts have no count column\n"
                                       "Nothing was written.\n")
    targets = targets_file(tmp_path, ["E01008166", "E09999999", ""])
    assert run("--counts", str(CRIME), "--count", "all_crime", "--targets", str(targets),
               *EXAMPLE, "--out", str(out)) == 2
    assert capsys.readouterr().err == (f"{targets}:3:area: E09999999 is not in the counts\n"
                                       f"{targets}:4:area: no area code\n"
                                       "Nothing was written.\n")
    assert not out.exists()


@pytest.mark.parametrize("arguments, message", [
    (["--start", "2013-06", "--end", "2013-07"],
     "joinedup impact: no counts before the operation starts in 2013-06: the first month in "
     "the counts is 2013-06\n"),
    (["--start", "2016-01", "--end", "2016-02"],
     "joinedup impact: no counts during the operation, 2016-01 to 2016-02\n"),
    (["--start", "April", "--end", "2014-05"],
     "joinedup impact: the start 'April' is not a month (YYYY-MM)\n"),
    (["--start", "2014-04", "--end", "2014-05", "--matches", "600"],
     "joinedup impact: 600 comparison areas are needed for each target, but only 585 areas "
     "in the counts are not targets\n"),
])
def test_an_impact_that_cannot_be_measured_is_refused(tmp_path, capsys, arguments, message):
    out = tmp_path / "impact.csv"
    assert run("--counts", str(CRIME), "--count", "all_crime", "--targets",
               str(targets_file(tmp_path)), *arguments, "--out", str(out)) == 2
    assert capsys.readouterr().err == message + "Nothing was written.\n"
    assert not out.exists()


def test_files_that_cannot_be_used_are_refused(tmp_path, capsys):
    targets = str(targets_file(tmp_path))
    assert run("--counts", str(tmp_path / "none.csv"), "--targets", targets, *EXAMPLE,
               "--out", str(tmp_path / "impact.csv")) == 2
    assert capsys.readouterr().err == (f"{tmp_path / 'none.csv'}: no such file (the counts)\n"
                                       "Nothing was written.\n")
    assert run("--counts", str(CRIME), "--targets", targets, *EXAMPLE,
               "--out", str(tmp_path / "impact.txt")) == 2
    assert re.fullmatch(r"joinedup impact: the output must end in \.csv or \.parquet \(or be "
                        r"-\): .*impact\.txt\nNothing was written\.\n", capsys.readouterr().err)
