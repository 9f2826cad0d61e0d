"""``joinedup neighbours``: files in, a file out, no database, clear errors; and the
shipped variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.spatial.distance import cdist

from joinedup.places.neighbours_file import main

DATA = Path(__file__).resolve().parents[2] / "src/joinedup/places/data"
DISTRICTS = DATA / "neighbour_variables_districts.csv"
UPPER_TIER = DATA / "neighbour_variables_upper_tier.csv"
WEIGHTS = DATA / "neighbour_weights.csv"
GATESHEAD = "E08000037"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # No settings at all in the environment: the command must not need them.
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run([sys.executable, "-m", "joinedup.cli", "neighbours", *args],
                          cwd=cwd, env=env, capture_output=True, text=True)


def nearest_by_brute_force(variables: Path, weights: Path, area: str, k: int) -> list[str]:
    """Read the CSV, standardise (population sd), weight, take every distance with scipy,
    and sort the area's row by (distance, code)."""
    frame = pl.read_csv(variables).sort("area")
    weight_of = dict(pl.read_csv(weights).iter_rows())
    names = [c for c in frame.columns if c != "area"]
    x = frame.select(names).to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0) * np.array([weight_of[v] for v in names])
    distances = cdist(z, z)
    distances /= distances.max()
    codes = frame["area"].to_list()
    row = codes.index(area)
    return [code for _, code in sorted((distances[row, j], codes[j])
                                       for j in range(len(codes)) if j != row)][:k]


def test_gateshead_five_nearest_districts_from_the_shipped_variables(tmp_path):
    result = run("--variables", str(DISTRICTS), "--weights", str(WEIGHTS), "--k", "5",
                 "--out", "n.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = pl.read_csv(tmp_path / "n.csv").filter(pl.col("area") == GATESHEAD)
    assert found["rank"].to_list() == [1, 2, 3, 4, 5]
    assert found["neighbour"].to_list() == nearest_by_brute_force(DISTRICTS, WEIGHTS,
                                                                  GATESHEAD, 5)
    assert result.stderr == ("Listed the 5 nearest neighbours of 296 areas; "
                             "wrote n.csv\n")


def test_parquet_in_and_out_gives_the_same_neighbours(tmp_path):
    pl.read_csv(UPPER_TIER).write_parquet(tmp_path / "v.parquet")
    assert main(["--variables", str(UPPER_TIER), "--out", str(tmp_path / "a.csv")]) == 0
    assert main(["--variables", str(tmp_path / "v.parquet"),
                 "--out", str(tmp_path / "b.parquet")]) == 0
    a = pl.read_csv(tmp_path / "a.csv")
    b = pl.read_parquet(tmp_path / "b.parquet")
    assert a.height == 153 * 15
    assert a["neighbour"].to_list() == b["neighbour"].to_list()
    np.testing.assert_allclose(a["distance"].to_numpy(), b["distance"].to_numpy(),
                               rtol=1e-15, atol=0)


def test_the_shipped_files_agree_with_each_other():
    definitions = pl.read_csv(DATA / "neighbour_variable_definitions.csv")
    weights = pl.read_csv(WEIGHTS)
    names = pl.read_csv(DATA / "neighbour_areas.csv")
    for path, tier, count in ((DISTRICTS, "district", 296), (UPPER_TIER, "upper tier", 153)):
        frame = pl.read_csv(path)
        assert frame.columns[1:] == definitions["variable"].to_list()
        assert frame.height == count and frame["area"].n_unique() == count
        assert frame.null_count().sum_horizontal().item() == 0
        assert set(frame["area"]) == set(names.filter(pl.col("tier") == tier)["area"])
    assert weights["variable"].to_list() == definitions["variable"].to_list()
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 100_000


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def errors_of(capsys, *argv: str) -> tuple[int, list[str]]:
    status = main(list(argv))
    return status, capsys.readouterr().err.splitlines()


VARIABLES = "area,x,y\nA,1,5\nB,2,7\nC,4,6\nD,8,1\n"


@pytest.mark.parametrize("variables, weights, k, expected", [
    ("area,x,y\nA,1,5\nB,two,7\nC,4,\nD,8,1\n", None, "2",
     ["V:3:x: 'two' is not a number", "V:4:y: no value"]),
    ("area,x,y\nA,1,5\nB,2,7\nA,4,6\nD,8,1\n", None, "2",
     ["V:4:area: A is already on line 2"]),
    ("area,x,y\nA,1,5\n,2,7\nC,4,6\n", None, "1", ["V:3:area: no area code"]),
    ("area,x\nA,1\n", None, "1", ["V: neighbours need at least 2 areas; the file has 1"]),
    (VARIABLES, None, "4",
     ["V: --k 4 asks for as many neighbours as there are areas (4) or more; k must be less "
      "than the number of areas"]),
    (VARIABLES, "variable,weight\nx,2\nz,1\n", "2",
     ["W:3:variable: z is not a variable in V (its variables are x, y)"]),
    (VARIABLES, "variable,weight\nx,heavy\ny,-1\nx,3\n", "2",
     ["W:2:weight: 'heavy' is not a number",
      "W:3:weight: -1 is negative; a weight is 0 or more",
      "W:4:variable: x has a weight already"]),
    (VARIABLES, "variable,size\nx,2\n", "2", ["W:1:weight: the weights have no weight column"]),
    ("area,x,y\nA,1,5\nB,2,5\nC,4,5\n", None, "1",
     ["V::y: y has the same value (5) in every area, so it cannot be standardised"]),
    ("code,x\nA,1\nB,2\n", None, "1", ["V:1:area: the variables have no area column"]),
])
def test_bad_input_is_named_and_nothing_is_written(tmp_path, capsys, monkeypatch, variables,
                                                   weights, k, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "V", variables)
    (tmp_path / "V").rename(tmp_path / "V.csv")
    # Name the files without their folder, so the messages read as a user would see them.
    args = ["--variables", "V.csv", "--k", k, "--out", "N.csv"]
    if weights is not None:
        write(tmp_path, "W.csv", weights)
        args += ["--weights", "W.csv"]
    status, lines = errors_of(capsys, *args)
    assert status == 1
    assert lines == [line.replace("V:", "V.csv:", 1).replace("W:", "W.csv:", 1)
                     .replace("in V ", "in V.csv ") for line in expected] + [
        "Nothing was written."]
    assert not (tmp_path / "N.csv").exists()


def test_parquet_rows_are_named_by_number(tmp_path, capsys):
    pl.DataFrame({"area": ["A", "B", "B"], "x": ["1", "x", "3"]}).write_parquet(
        tmp_path / "v.parquet")
    status, lines = errors_of(capsys, "--variables", str(tmp_path / "v.parquet"),
                              "--out", str(tmp_path / "n.csv"))
    assert status == 1
    assert lines == [f"{tmp_path}/v.parquet:row 2:x: 'x' is not a number",
                     f"{tmp_path}/v.parquet:row 3:area: B is already on row 2",
                     "Nothing was written."]


@pytest.mark.parametrize("argv, message", [
    (["--out", "n.txt"], "--out must end in .csv or .parquet: n.txt"),
    (["--k", "0", "--out", "n.csv"], "--k must be 1 or more; it is 0"),
])
def test_mistaken_options_exit_2(tmp_path, capsys, argv, message):
    status, lines = errors_of(capsys, "--variables", str(DISTRICTS), *argv)
    assert status == 2
    assert lines == [f"joinedup neighbours: {message}", "Nothing was written."]


def test_an_error_without_settings_exits_1(tmp_path):
    write(tmp_path, "v.csv", "area,x\nA,1\nB,1\nC,1\n")
    result = run("--variables", "v.csv", "--k", "1", "--out", "n.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "v.csv::x: x has the same value (1) in every area, so it cannot be standardised",
        "Nothing was written."]
    assert not (tmp_path / "n.csv").exists()


def test_a_code_a_spreadsheet_would_run_is_written_as_text(tmp_path):
    """An area code that starts like a formula is escaped in the CSV, as every export is."""
    variables = write(tmp_path, "v.csv", "area,a,b\n=1+1,1,2\nE2,2,3\nE3,4,1\n")
    out = tmp_path / "n.csv"
    assert main(["--variables", str(variables), "--k", "1", "--out", str(out)]) == 0
    written = pl.read_csv(out, infer_schema=False).sort("area")
    assert written.select("area", "neighbour", "rank").rows() == [
        ("'=1+1", "E2", "1"), ("E2", "'=1+1", "1"), ("E3", "'=1+1", "1")]
    # standardised, E2–E3 is the farthest pair and twice E2–"=1+1"; E3–"=1+1" is √0.85 of it
    assert written["distance"].cast(pl.Float64).to_list() == pytest.approx(
        [0.5, 0.5, 0.85 ** 0.5], abs=1e-12)
