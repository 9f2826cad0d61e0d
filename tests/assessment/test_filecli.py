"""``joinedup assess --values …``: files in, files out, no database, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from joinedup.core.engine import OUTPUT_COLUMNS
from joinedup.demo.sources import DemoSources

REQUIRED = ["indicator", "area", "period", "status", "direction", "spc_mean", "spc_lower",
            "spc_upper", "spc_signal", "spc_side", "variation", "assurance",
            "spc_trial_limits", "outlier", "outlier_score", "forecast_period", "forecast",
            "forecast_lower80", "forecast_upper80", "forecast_lower95", "forecast_upper95",
            "p_meet_target", "forecast_method"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # No settings at all in the environment: the file mode must not need them.
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run([sys.executable, "-m", "joinedup.cli", "assess", *args], cwd=cwd,
                          env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("assess")
    sources = DemoSources()
    values = sources.values.select("indicator", "area", period="source_period", value="value",
                                   lower_ci="lower_ci", upper_ci="upper_ci")
    values.write_csv(folder / "values.csv")
    values.write_parquet(folder / "values.parquet")
    pl.DataFrame([(i["code"], i["polarity"]) for i in sources.catalogue["indicator"]],
                 orient="row", schema=["indicator", "polarity"]).write_csv(
        folder / "indicators.csv")
    pl.DataFrame({"indicator": ["HW 02", "HW 02"], "area": ["E08000037"] * 2,
                  "period": ["2017/18", "2019/20"], "target": [35.0, 33.0],
                  "tolerance": [0.5, None]}).write_csv(folder / "targets.csv")
    return folder


def test_assesses_a_csv_export_with_every_column(files):
    result = run("--values", "values.csv", "--indicators", "indicators.csv", "--targets",
                 "targets.csv", "--out", "out.csv", cwd=files)
    assert result.returncode == 0, result.stderr
    out = pl.read_csv(files / "out.csv")
    source = pl.read_csv(files / "values.csv")
    assert out.height == source.height
    assert out.select("indicator", "area", "period").equals(
        source.select("indicator", "area", "period"))
    assert set(REQUIRED) <= set(out.columns)
    assert out.columns == OUTPUT_COLUMNS
    gateshead = out.filter(pl.col("indicator") == "HW 02", pl.col("area") == "E08000037")
    # 36.8% against 35.0 ± 0.5, lower being better: more than the tolerance over
    assert gateshead.filter(pl.col("period") == "2017/18")["status"].to_list() == ["red"]
    assert gateshead["forecast_period"].drop_nulls().to_list() == ["2019/20"]
    assert gateshead["p_meet_target"].drop_nulls().len() == 1
    stored = json.loads((files / "out.csv.parameters.json").read_text())
    assert stored["parameters"]["spc"]["run_length"] == 7


def test_parquet_in_and_out_gives_the_same_figures(files):
    assert run("--values", "values.csv", "--indicators", "indicators.csv",
               "--out", "a.csv", cwd=files).returncode == 0
    result = run("--values", "values.parquet", "--indicators", "indicators.csv",
                 "--out", "b.parquet", cwd=files)
    assert result.returncode == 0, result.stderr
    a = pl.read_csv(files / "a.csv").sort("indicator", "area", "period")
    b = pl.read_parquet(files / "b.parquet").sort("indicator", "area", "period")
    assert a["status"].to_list() == b["status"].cast(pl.String).to_list()
    assert a["spc_signal"].to_list() == b["spc_signal"].cast(pl.String).to_list()


def test_spc_options_change_the_figures(files):
    assert run("--values", "values.csv", "--indicators", "indicators.csv", "--out", "d.csv",
               cwd=files).returncode == 0
    assert run("--values", "values.csv", "--indicators", "indicators.csv", "--out", "s.csv",
               "--no-spc-screen", "--run-length", "6", cwd=files).returncode == 0
    default, changed = pl.read_csv(files / "d.csv"), pl.read_csv(files / "s.csv")
    trends = ((default["spc_signal"] == "trend").sum(), (changed["spc_signal"] == "trend").sum())
    assert trends == (133, 272)
    assert (default["spc_upper"] != changed["spc_upper"]).sum() == 1354
    # NG 07 in E01008249, two equal figures, has limits only when nothing is screened
    assert (default["spc_upper"].null_count(), changed["spc_upper"].null_count()) == (244, 242)
    stored = json.loads((files / "s.csv.parameters.json").read_text())["parameters"]["spc"]
    assert stored["run_length"] == 6 and stored["screen_outliers"] is False
    # and the written parameters reproduce the run
    assert run("--values", "values.csv", "--indicators", "indicators.csv", "--out", "r.csv",
               "--parameters", "s.csv.parameters.json", cwd=files).returncode == 0
    assert pl.read_csv(files / "r.csv").equals(changed)


def test_bad_rows_are_reported_by_file_line_and_column_and_nothing_is_written(files):
    (files / "bad.csv").write_text(
        "indicator,area,period,value\n"
        "HW 02,E08000037,2017/18,36.8\n"
        "HW 02,E08000037,someday,36.8\n"
        "HW 02,E08000021,2017/18,lots\n"
        "HW 02,E08000037,2017/18,12\n")
    (files / "bad_indicators.csv").write_text("indicator,polarity\nHW 02,sideways\n")
    result = run("--values", "bad.csv", "--indicators", "bad_indicators.csv", "--out",
                 "never.csv", cwd=files)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "bad.csv:3:period: 'someday' is not a period JoinedUp can read: a period is written "
        "with its year in four digits, such as 2019 or 2019/20",
        "bad.csv:4:value: 'lots' is not a number",
        "bad.csv:5:period: '2017/18' repeats the same indicator, area and period as line 2",
        "bad_indicators.csv:2:polarity: 'sideways' must be up, down or none",
        "Nothing was written.",
    ]
    assert not (files / "never.csv").exists()


@pytest.mark.parametrize("name,content,message", [
    ("empty.csv", "indicator,area,period,value\n", "The values has no rows"),
    ("columns.csv", "code,place,when,figure\nA,B,2019,1\n", "must have the column(s)"),
    ("values.txt", "indicator,area,period,value\n", "must be .csv or .parquet"),
    ("broken.parquet", "not parquet at all", "cannot be read as PARQUET"),
])
def test_unreadable_files_are_explained(files, name, content, message):
    (files / name).write_text(content)
    result = run("--values", name, "--out", "x.csv", cwd=files)
    assert result.returncode == 1
    assert message in result.stderr
    assert name in result.stderr


def test_a_missing_file_and_a_bad_output_name(files):
    missing = run("--values", "nowhere.csv", "--out", "x.csv", cwd=files)
    assert missing.returncode == 1 and "nowhere.csv: no such file (values)" in missing.stderr
    wrong = run("--values", "values.csv", "--out", "x.xlsx", cwd=files)
    assert wrong.returncode == 2 and "--out must end in .csv or .parquet" in wrong.stderr


def test_a_long_run_shows_progress_on_stderr(tmp_path):
    import numpy as np

    series, periods = 6000, 40
    rng = np.random.default_rng(1)
    labels = [f"{2000 + i // 4} Q{i % 4 + 1}" for i in range(periods)]
    pl.DataFrame({
        "indicator": ["X"] * (series * periods),
        "area": [f"A{n}" for n in range(series) for _ in range(periods)],
        "period": labels * series,
        "value": rng.normal(50, 5, series * periods),
    }).write_parquet(tmp_path / "big.parquet")
    result = run("--values", "big.parquet", "--out", "big_out.parquet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Assessing" in result.stderr
    assert result.stderr.splitlines()[-1] == "Assessed 240,000 rows; wrote big_out.parquet"
    assert pl.read_parquet(tmp_path / "big_out.parquet").height == series * periods


def test_gaps_between_areas_are_written_beside_the_assessment(files):
    sources = DemoSources()
    lsoas = [a for a in sources.areas if a["level"] == "lsoa"]
    wards = [a for a in sources.areas if a["level"] == "ward"]
    rows = [(w["code"], "ward",
             sum(int(a["imd_rank"]) for a in lsoas if a["parent"] == w["code"])
             / sum(1 for a in lsoas if a["parent"] == w["code"]), w["population"])
            for w in wards]
    pl.DataFrame(rows, orient="row", schema=["area", "level", "deprivation_rank",
                                             "population"]).write_csv(files / "areas.csv")
    result = run("--values", "values.csv", "--indicators", "indicators.csv", "--areas",
                 "areas.csv", "--gaps", "gaps.csv", "--out", "g_out.csv", cwd=files)
    assert result.returncode == 0, result.stderr
    gaps = pl.read_csv(files / "gaps.csv")
    deprived = gaps.filter(pl.col("indicator") == "NG 01", pl.col("period") == "2019").row(
        0, named=True)
    assert deprived["areas"] == 22 and deprived["level"] == "ward"
    values = pl.read_csv(files / "values.csv").filter(
        pl.col("indicator") == "NG 01", pl.col("period") == "2019",
        pl.col("area").is_in([w["code"] for w in wards]))
    assert deprived["range"] == pytest.approx(values["value"].max() - values["value"].min())
    # more deprived wards have more deprived neighbourhoods
    assert deprived["sii"] == pytest.approx(-56.28242820706494)
    trends = pl.read_csv(files / "gaps.trends.csv")
    assert trends.height == 20
    population = trends.filter(pl.col("indicator") == "NG 07", pl.col("level") == "ward",
                               pl.col("measure") == "range").row(0, named=True)
    assert (population["baseline_period"], population["baseline_gap"]) == ("mid-2015", 5137)
    assert (population["latest_period"], population["latest_gap"]) == ("mid-2020", 5752)
    assert population["narrowing"] == "widening"
    lonely = run("--values", "values.csv", "--gaps", "gaps.csv", "--out", "x.csv", cwd=files)
    assert lonely.returncode == 2 and "--gaps and --areas go together" in lonely.stderr


def test_targets_may_say_which_are_milestones(files):
    (files / "kinds.csv").write_text(
        "indicator,area,period,target,target_kind\n"
        "HW 02,E08000037,2009/10 Q4,37.1,milestone\n"
        "HW 02,E08000037,2010/11,36.5,target\n"
        "HW 02,E08000037,2018/19 Q4,33.2,milestone\n"
        "HW 02,E08000037,2019/20,33.0,\n")
    result = run("--values", "values.csv", "--indicators", "indicators.csv", "--targets",
                 "kinds.csv", "--out", "kinds_out.csv", cwd=files)
    assert result.returncode == 0, result.stderr
    gateshead = pl.read_csv(files / "kinds_out.csv").filter(
        pl.col("indicator") == "HW 02", pl.col("area") == "E08000037")
    judged = gateshead.filter(pl.col("status_target_kind").is_not_null())
    assert dict(zip(judged["period"], judged["status_target_kind"], strict=True)) == {
        "2009/10": "milestone", "2010/11": "target"}
    # a milestone is a step on the way, not the target a forecast aims at
    assert gateshead["forecast_period"].drop_nulls().to_list() == ["2019/20"]
    (files / "bad_kinds.csv").write_text(
        "indicator,area,period,target,target_kind\nHW 02,E08000037,2019/20,33.0,goal\n")
    bad = run("--values", "values.csv", "--targets", "bad_kinds.csv", "--out", "never.csv",
              cwd=files)
    assert bad.returncode == 1
    assert "bad_kinds.csv:2:target_kind: 'goal' must be target or milestone" in bad.stderr
