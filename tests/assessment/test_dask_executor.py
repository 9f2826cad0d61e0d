"""``joinedup assess --executor dask``: the same results as the local run, from a cluster."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from joinedup.core.engine import OUTPUT_COLUMNS

INDICATORS, AREAS, QUARTERS = 4, 12, 16
# Both outputs are compared in this order: each series' rows in time order.
ORDER = ["indicator", "area", "period_start"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None,
        before: str = "") -> subprocess.CompletedProcess:
    # No settings at all in the environment: the file mode must not need them.
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    code = f"{before}import sys; from joinedup.cli import main; main(['assess', *sys.argv[1:]])"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd,
                          env={**clean, **(env or {})}, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    rng = np.random.default_rng(14)
    labels = [f"{2010 + q // 4} Q{q % 4 + 1}" for q in range(QUARTERS)]
    indicators = [f"IND {n}" for n in range(INDICATORS)]
    areas = [f"E0{n:07d}" for n in range(AREAS)]
    rows = [(i, a, p) for i in indicators for a in areas for p in labels]
    values = pl.DataFrame(rows, orient="row", schema=["indicator", "area", "period"])
    trend = np.tile(np.arange(QUARTERS, dtype=float), INDICATORS * AREAS)
    values = values.with_columns(value=pl.Series(50 + 0.3 * trend
                                                 + rng.normal(0, 2, values.height)))
    values.write_parquet(folder / "values.parquet")
    pl.DataFrame({"indicator": indicators,
                  "polarity": ["up", "down", "none", "up"]}).write_csv(folder / "indicators.csv")
    pl.DataFrame([(i, a, "2014 Q4", 55.0 + n % 5) for n, (i, a) in enumerate(
        (i, a) for i in indicators for a in areas)], orient="row",
        schema=["indicator", "area", "period", "target"]).write_csv(folder / "targets.csv")
    return folder


INPUTS = ("--values", "values.parquet", "--indicators", "indicators.csv",
          "--targets", "targets.csv")


@pytest.fixture(scope="module")
def local(files) -> pl.DataFrame:
    """The results of the local run, in the stated order."""
    result = run(*INPUTS, "--out", "local.parquet", cwd=files)
    assert result.returncode == 0, result.stderr
    return pl.read_parquet(files / "local.parquet").sort(ORDER, maintain_order=True)


def test_the_cluster_writes_the_local_results_row_for_row(files, local):
    on_cluster = run(*INPUTS, "--executor", "dask", "--out", "cluster", cwd=files)
    assert on_cluster.returncode == 0, on_cluster.stderr
    assert "Assessing on 2 Dask worker(s) at tcp://127.0.0.1:" in on_cluster.stderr
    assert on_cluster.stderr.splitlines()[-1] == "Assessed 768 rows; wrote cluster"

    # One part for each batch: 768 rows over two workers make batches of at most 96 rows,
    # so each indicator (192 rows) is a batch of its own.
    parts = sorted(p.name for p in (files / "cluster").iterdir())
    assert parts == [f"part-0000{n}.parquet" for n in range(INDICATORS)]
    # Within a part, the rows keep the order of the values.
    values = pl.read_parquet(files / "values.parquet")
    for n, part in enumerate(parts):
        keys = pl.read_parquet(files / "cluster" / part).select("indicator", "area", "period")
        assert keys.equals(values.filter(pl.col("indicator") == f"IND {n}").select(
            "indicator", "area", "period"))
    assert (files / "cluster.parameters.json").read_text() == (
        files / "local.parquet.parameters.json").read_text()

    actual = pl.read_parquet(files / "cluster").sort(ORDER, maintain_order=True)
    assert actual.columns == OUTPUT_COLUMNS
    assert actual.height == INDICATORS * AREAS * QUARTERS
    # The forecast's chance of meeting the target is on each series' last row, but for the
    # indicator with no polarity, which has no better side of a target.
    chances = actual.filter(pl.col("p_meet_target").is_not_null())
    assert chances.group_by("indicator").len().sort("indicator").rows() == [
        ("IND 0", AREAS), ("IND 1", AREAS), ("IND 3", AREAS)]
    assert_frame_equal(actual, local, check_exact=True)


def test_a_running_scheduler_is_used_and_left_running(files, local):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None,
                      scheduler_port=0) as cluster:
        result = run(*INPUTS, "--executor", "dask", "--scheduler", cluster.scheduler_address,
                     "--out", "remote.parquet", cwd=files)
        assert result.returncode == 0, result.stderr
        assert (f"Assessing on 1 Dask worker(s) at {cluster.scheduler_address}"
                in result.stderr)
        with Client(cluster, set_as_default=False) as client:
            assert len(client.scheduler_info()["workers"]) == 1
    actual = pl.read_parquet(files / "remote.parquet").sort(ORDER, maintain_order=True)
    assert_frame_equal(actual, local, check_exact=True)


def test_an_unreachable_scheduler_is_reported_and_nothing_is_written(files):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    result = run(*INPUTS, "--executor", "dask", "--scheduler", address, "--out", "nowhere",
                 cwd=files, env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert result.returncode == 1
    assert f"joinedup assess: cannot reach the Dask scheduler at {address}: " in result.stderr
    assert result.stderr.splitlines()[-1] == "Nothing was written."
    assert not [p for p in files.iterdir() if p.name.startswith(("nowhere", ".nowhere"))]


def test_a_scheduler_with_no_workers_is_reported_and_nothing_is_written(files):
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None, scheduler_port=0) as cluster:
        address = cluster.scheduler_address
        result = run(*INPUTS, "--executor", "dask", "--scheduler", address, "--out", "idle",
                     cwd=files, env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"joinedup assess: the Dask scheduler at {address} has no workers (waited 1 s); "
        f"start some with: dask worker {address}",
        "Nothing was written."]
    assert not [p for p in files.iterdir() if p.name.startswith(("idle", ".idle"))]


def test_without_dask_installed_it_says_how_to_install_it(files):
    result = run(*INPUTS, "--executor", "dask", "--out", "never", cwd=files,
                 before="import sys; sys.modules['distributed'] = None; ")
    assert result.returncode == 1
    assert ("--executor dask needs the Dask packages, which are not installed; install them "
            "with: pip install 'joinedup[distributed]'") in result.stderr
    assert not (files / "never").exists()


def test_the_cluster_writes_a_folder_of_parquet_parts_only(files):
    result = run(*INPUTS, "--executor", "dask", "--out", "out.csv", cwd=files)
    assert result.returncode == 2
    assert result.stderr == ("joinedup assess: --executor dask writes a folder of Parquet "
                             "parts; --out must be a folder name, with no extension or "
                             ".parquet: out.csv\n")


def test_a_worker_with_other_versions_is_named_with_what_differs():
    from joinedup.assessment.dask_executor import version_differences

    here = {"python": "3.11.7", "joinedup code": "3a7fe6be3bed3b32", "polars": "2.1.0"}
    workers = {"tcp://10.0.0.6:40000": dict(here),
               "tcp://10.0.0.7:40000": {**here, "polars": "2.0.0", "joinedup code": "0bad"}}
    assert version_differences(here, workers) == [
        "joinedup assess: the worker at tcp://10.0.0.7:40000 has joinedup code 0bad "
        "(here 3a7fe6be3bed3b32), polars 2.0.0 (here 2.1.0)"]
