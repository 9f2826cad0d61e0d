"""A Parquet file assessed batch by batch, in worker processes, gives the engine's answer."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from joinedup.assessment import file_batches, filecli
from joinedup.core.engine import OUTPUT_COLUMNS, assess
from joinedup.core.schemas import check_polarity, check_targets, check_values

INDICATORS = 7
AREAS = 30
QUARTERS = 16


def quarters() -> list[str]:
    return [f"{2015 + q // 4} Q{q % 4 + 1}" for q in range(QUARTERS)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Seven indicators of 480 rows each, sorted by indicator; every third a target."""
    folder = tmp_path_factory.mktemp("batches")
    rng = np.random.default_rng(14)
    rows = []
    for i in range(INDICATORS):
        for a in range(AREAS):
            walk = 50 + np.cumsum(rng.normal(0, 2, QUARTERS))
            rows += [(f"I{i}", f"E0{a:07d}", label, float(v))
                     for label, v in zip(quarters(), walk, strict=True)]
    values = pl.DataFrame(rows, orient="row", schema=["indicator", "area", "period", "value"])
    values.write_parquet(folder / "values.parquet", row_group_size=500)
    pl.DataFrame({"indicator": [f"I{i}" for i in range(INDICATORS)],
                  "polarity": [["up", "down", "none"][i % 3] for i in range(INDICATORS)]}
                 ).write_parquet(folder / "indicators.parquet")
    pl.DataFrame({"indicator": [f"I{i}" for i in range(0, INDICATORS, 3)],
                  "area": ["E00000001"] * 3, "period": ["2019 Q4"] * 3,
                  "target": [55.0, 45.0, 50.0]}).write_parquet(folder / "targets.parquet")
    return folder


def engine_answer(files) -> pl.DataFrame:
    """The in-memory engine on the whole file, in the values' order."""
    return assess(check_values(pl.read_parquet(files / "values.parquet")),
                  check_polarity(pl.read_parquet(files / "indicators.parquet")),
                  check_targets(pl.read_parquet(files / "targets.parquet")))


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String))


def assess_file(files, out, *extra, batch_rows=1_000, monkeypatch) -> int:
    monkeypatch.setattr(file_batches, "BATCH_ROWS", batch_rows)
    return filecli.main(["--values", str(files / "values.parquet"), "--indicators",
                         str(files / "indicators.parquet"), "--targets",
                         str(files / "targets.parquet"), "--out", str(out), "--quiet", *extra])


def test_the_plan_keeps_indicators_whole_and_batches_within_the_size(files):
    plan = file_batches.plan(files / "values.parquet", batch_rows=1_000)
    per_indicator = AREAS * QUARTERS  # 480: two indicators fit in 1,000 rows, not three
    assert plan.keys == [["I0", "I1"], ["I2", "I3"], ["I4", "I5"], ["I6"]]
    assert plan.rows == [2 * per_indicator] * 3 + [per_indicator]
    assert plan.problems == []


def test_batches_in_worker_processes_equal_the_engine_row_for_row(files, tmp_path,
                                                                  monkeypatch):
    assert assess_file(files, tmp_path / "out.parquet", monkeypatch=monkeypatch) == 0
    written = pl.read_parquet(tmp_path / "out.parquet")
    expected = engine_answer(files)
    assert written.columns == OUTPUT_COLUMNS
    assert_frame_equal(as_text(written), as_text(expected), check_dtypes=False)
    # The parameters are written beside the output, as for any run.
    assert (tmp_path / "out.parquet.parameters.json").exists()


def test_one_batch_is_assessed_here_with_the_same_answer(files, tmp_path, monkeypatch):
    assert assess_file(files, tmp_path / "out.parquet", batch_rows=10**9,
                       monkeypatch=monkeypatch) == 0
    assert_frame_equal(as_text(pl.read_parquet(tmp_path / "out.parquet")),
                       as_text(engine_answer(files)), check_dtypes=False)


def test_text_is_written_as_dictionaries_and_only_the_columns_asked_for(files, tmp_path,
                                                                        monkeypatch):
    out = tmp_path / "few.parquet"
    assert assess_file(files, out, "--columns", "status, spc_signal,forecast",
                       monkeypatch=monkeypatch) == 0
    schema = pq.read_schema(out)
    assert schema.names == ["indicator", "area", "period", "status", "spc_signal",
                            "forecast"]
    # Free text as categoricals; the engine's fixed lists as enums, in their own order.
    assert [str(schema.field(n).type) for n in ("indicator", "status", "spc_signal")] == [
        "dictionary<values=string, indices=uint32, ordered=0>"] * 2 + [
        "dictionary<values=string, indices=uint8, ordered=1>"]
    expected = engine_answer(files).select(schema.names)
    assert_frame_equal(as_text(pl.read_parquet(out)), as_text(expected), check_dtypes=False)


def test_an_unknown_column_is_a_usage_error(files, tmp_path, capsys, monkeypatch):
    assert assess_file(files, tmp_path / "o.parquet", "--columns", "status,colour",
                       monkeypatch=monkeypatch) == 2
    assert capsys.readouterr().err.startswith(
        "joinedup assess: --columns: no result column called colour; the columns are "
        "indicator, area, period,")


def test_problems_in_late_batches_are_all_reported_by_file_row_and_nothing_is_written(
        files, tmp_path, capsys, monkeypatch):
    values = pl.read_parquet(files / "values.parquet")
    bad = values.with_columns(
        # Row 1,500 (I3): not a period. Row 2,900 (I6, the second area, whose first quarter
        # is row 2,896) repeats that first quarter.
        period=pl.when(pl.int_range(pl.len()) == 1_500).then(pl.lit("someday"))
        .when(pl.int_range(pl.len()) == 2_900).then(pl.lit("2015 Q1"))
        .otherwise(pl.col("period")),
        # Row 100 (I0): no indicator at all.
        indicator=pl.when(pl.int_range(pl.len()) == 100).then(None)
        .otherwise(pl.col("indicator")))
    bad.write_parquet(tmp_path / "bad.parquet", row_group_size=500)
    out = tmp_path / "out.parquet"
    out.write_bytes(b"an earlier output")
    monkeypatch.setattr(file_batches, "BATCH_ROWS", 1_000)
    status = filecli.main(["--values", str(tmp_path / "bad.parquet"), "--out", str(out),
                           "--quiet"])
    assert status == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'bad.parquet'}:row 101:indicator: a value is needed here",
        f"{tmp_path / 'bad.parquet'}:row 1501:period: 'someday' is not a period JoinedUp can "
        "read: a period is written with its year in four digits, such as 2019 or 2019/20",
        f"{tmp_path / 'bad.parquet'}:row 2901:period: '2015 Q1' repeats the same indicator, "
        "area and period as row 2897",
        "Nothing was written.",
    ]
    assert out.read_bytes() == b"an earlier output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "out.parquet"]


def test_codes_with_spaces_join_their_indicator_in_one_batch(tmp_path):
    frame = pl.DataFrame({"indicator": ["A", " A", "B"], "area": ["x", "x", "x"],
                          "period": ["2015", "2015", "2015"], "value": [1.0, 2.0, 3.0]})
    frame.write_parquet(tmp_path / "v.parquet")
    plan = file_batches.plan(tmp_path / "v.parquet", batch_rows=2)
    assert plan.keys == [["A"], ["B"]]
    assert plan.batches == [["A", " A"], ["B"]]
    assert plan.rows == [2, 1]
