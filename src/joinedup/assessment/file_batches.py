"""``joinedup assess --values V.parquet --out O.parquet``: a Parquet file of any size, a
batch of whole indicators at a time, on every core.

1. **Plan.** One pass over the file's indicator column counts each indicator's rows (in
   the order the indicators first appear) and finds rows with no indicator. Indicators
   are grouped into batches of at most ``engine.DEFAULT_BATCH_ROWS`` rows; a code written
   with surrounding spaces belongs with the same code written without.
2. **Assess.** Each batch is read from the file by the process that assesses it (row
   groups whose statistics rule the batch's indicators out are skipped, so a file sorted
   or grouped by indicator is read once in all), checked by ``schemas.check_values`` with
   its rows numbered as in the whole file, and assessed by the engine. With more than one
   batch, worker processes assess batches side by side, one per core, each with one
   Polars thread; a finished batch comes back through an uncompressed Arrow file in
   shared memory, which costs a copy, not a re-encoding.
3. **Write.** The main process streams the batches, in plan order, into the output with
   Polars' multi-threaded Parquet writer while the workers assess the next ones. Text
   columns are written dictionary-encoded (Arrow dictionaries, read back as categoricals),
   and only the columns asked for.

Memory holds a few batches, never the whole file. A problem in any batch stops the
assessment: the remaining batches are still checked (not assessed), so every problem is
reported at once, and nothing is written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from joinedup.core.engine import DEFAULT_BATCH_ROWS, assess_batches, whole_batches
from joinedup.core.parameters import AssessmentParameters
from joinedup.core.schemas import (
    MAX_REPORTED,
    VALUE_COLUMNS,
    FrameError,
    Problem,
    check_values,
    required_problems,
)

FILE_ROW = "_file_row"
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108  # nosec B108 - only a folder for a new private temporary folder
BATCH_ROWS = DEFAULT_BATCH_ROWS
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 1  # the fastest level: as small as snappy's output, written faster


def text_as_dictionary(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns as categoricals, which Parquet and Arrow keep as dictionaries."""
    return frame.with_columns(pl.col(pl.String).cast(pl.Categorical))


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def scan(path: Path) -> pl.LazyFrame:
    """The file, or a folder's Parquet parts in name order, as one lazy frame."""
    if path.is_dir():
        return pl.scan_parquet(sorted(path.glob("*.parquet")))
    return pl.scan_parquet(path)


class WorkerStopped(Exception):
    """A worker process stopped before finishing its batch."""

    def __str__(self) -> str:
        return ("a worker process stopped before finishing its batch (most often the machine "
                "ran out of memory)")


@dataclass(frozen=True)
class Plan:
    batches: list[list]  # each batch's indicator codes as written in the file
    keys: list[list[str]]  # the same indicators, as checked (surrounding spaces removed)
    rows: list[int]  # each batch's rows
    problems: list[Problem] = field(default_factory=list)  # found in planning
    total: int = 0  # problems found in planning, including any not listed


def plan(path: Path, batch_rows: int | None = None) -> Plan:
    """Batches of whole indicators (at most ``batch_rows`` rows, ``BATCH_ROWS`` unless
    given, except an indicator larger than that) from one pass over the indicator column;
    rows with no indicator are problems here, as they belong to no batch."""
    batch_rows = batch_rows or BATCH_ROWS
    lazy = scan(path)
    columns = list(lazy.collect_schema())
    problems = required_problems(columns, 1, VALUE_COLUMNS, "The values")
    if not problems:
        counts = (lazy.select("indicator").with_row_index("_first")
                  .group_by("indicator").agg(pl.len().alias("rows"), pl.col("_first").min())
                  .sort("_first").collect())
        problems = required_problems(columns, int(counts["rows"].sum()), VALUE_COLUMNS,
                                     "The values")
    if problems:
        return Plan([], [], [], problems, len(problems))
    counts = counts.with_columns(key=pl.col("indicator").cast(pl.String).str.strip_chars())
    blank = counts.filter(pl.col("key").is_null() | (pl.col("key") == ""))
    listed, total = [], int(blank["rows"].sum())
    if total:
        raw = blank["indicator"]
        rows = (lazy.select("indicator").with_row_index(FILE_ROW)
                .filter(pl.col("indicator").is_in(raw.drop_nulls().implode())
                        | pl.col("indicator").is_null())
                .head(MAX_REPORTED).collect()[FILE_ROW])
        listed = [Problem(int(row), "indicator", "a value is needed here") for row in rows]
    by_key = (counts.filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
              .group_by("key", maintain_order=True)
              .agg(pl.col("indicator"), pl.col("rows").sum()))
    codes_of = dict(zip(by_key["key"], by_key["indicator"].to_list(), strict=True))
    rows_of = dict(zip(by_key["key"], by_key["rows"].to_list(), strict=True))
    keys = whole_batches(rows_of.items(), batch_rows)
    batches = [[code for key in names for code in codes_of[key]] for names in keys]
    sizes = [sum(rows_of[key] for key in names) for names in keys]
    return Plan(batches, keys, sizes, listed, total)


@dataclass(frozen=True)
class Task:
    path: Path
    codes: list
    polarity: pl.DataFrame | None
    targets: pl.DataFrame | None
    parameters: AssessmentParameters
    columns: list[str]
    assess: bool  # False: check only (a problem has already stopped the run)
    spool: Path | None  # where to hand the result over; None: return it


@dataclass(frozen=True)
class Outcome:
    rows: int
    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    result: pl.DataFrame | None = None
    handed_over: Path | None = None


def read_batch(task: Task) -> pl.DataFrame:
    return (scan(task.path).with_row_index(FILE_ROW)
            .filter(pl.col("indicator").is_in(pl.Series(task.codes).implode()))
            .collect())


def assess_batch_of_file(task: Task) -> Outcome:
    """Read, check and (unless only checking) assess one batch."""
    frame = read_batch(task)
    try:
        checked = check_values(frame, row_numbers=FILE_ROW)
    except FrameError as error:
        return Outcome(frame.height, list(error.problems), error.total)
    if not task.assess:
        return Outcome(frame.height)
    pieces = list(assess_batches(checked, task.polarity, task.targets, task.parameters,
                                 batch_rows=max(checked.height, 1)))
    result = text_as_dictionary(pl.concat(pieces).select(task.columns))
    if task.spool is None:
        return Outcome(result.height, result=result)
    handed_over = task.spool / f"{uuid.uuid4().hex}.arrow"
    result.write_ipc(handed_over, compression="uncompressed")
    return Outcome(result.height, handed_over=handed_over)


def _one_thread_each() -> None:
    """In a worker process, before Polars starts: one thread, as each worker has a core."""
    os.environ["POLARS_MAX_THREADS"] = "1"


@dataclass
class Run:
    """Where a run stands: the problems found so far, and any failure of a worker."""

    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    failure: BaseException | None = None

    def note(self, outcome: Outcome) -> None:
        self.problems += outcome.problems
        self.total += outcome.total

    def error(self) -> FrameError | None:
        if not self.total:
            return None
        ordered = sorted(self.problems, key=lambda p: (p.row if p.row is not None else -1,
                                                       p.column or ""))
        return FrameError(ordered[:MAX_REPORTED], total=self.total)


def assessed(path: Path, the_plan: Plan, make_task: Callable[[int, bool, Path | None], Task],
             run: Run, progress: Callable[[int], None] | None,
             workers: int) -> Iterator[pl.DataFrame]:
    """The assessed batches in plan order; after a problem, the rest are only checked."""
    run.problems += the_plan.problems
    run.total += the_plan.total
    done = 0
    if workers <= 1 or len(the_plan.batches) <= 1:
        for number in range(len(the_plan.batches)):
            outcome = assess_batch_of_file(make_task(number, not run.total, None))
            run.note(outcome)
            done += outcome.rows
            if progress is not None:
                progress(done)
            if outcome.result is not None and not run.total:
                yield outcome.result
        return
    spool = Path(tempfile.mkdtemp(prefix="joinedup-assess-",
                                  dir=SHARED_MEMORY if SHARED_MEMORY.is_dir() else None))
    previous = os.environ.get("POLARS_MAX_THREADS")
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_one_thread_each,
                                 mp_context=_spawn()) as pool:
            yield from _in_order(pool, the_plan, make_task, run, progress, spool, workers)
    finally:
        if previous is not None:
            os.environ["POLARS_MAX_THREADS"] = previous
        shutil.rmtree(spool, ignore_errors=True)


def _spawn():
    import multiprocessing

    return multiprocessing.get_context("spawn")


def _in_order(pool, the_plan, make_task, run, progress, spool, workers):
    pending: list[Future] = []
    upcoming = iter(range(len(the_plan.batches)))
    done = 0

    def submit() -> None:
        number = next(upcoming, None)
        if number is not None:
            pending.append(pool.submit(assess_batch_of_file,
                                       make_task(number, not run.total, spool)))

    for _ in range(workers + 1):  # one waiting for each worker as it finishes
        submit()
    while pending:
        try:
            outcome = pending.pop(0).result()
        except BrokenProcessPool:
            raise WorkerStopped() from None
        submit()
        run.note(outcome)
        done += outcome.rows
        if progress is not None:
            progress(done)
        if outcome.handed_over is None:
            continue
        if run.total:  # assessed before a problem stopped the run: not wanted
            outcome.handed_over.unlink()
            continue
        frame = pl.read_ipc(outcome.handed_over)
        outcome.handed_over.unlink()
        yield frame


def write_parquet(frames: Iterator[pl.DataFrame], out: Path,
                  keep: Callable[[], bool] = lambda: True) -> int:
    """Stream ``frames`` into ``out`` (through a temporary file beside it, moved into place
    when complete and ``keep()`` says so); return the rows written. When ``frames`` raises
    or ``keep()`` is false, nothing is left at ``out``, and an earlier file there is kept."""
    from polars.io.plugins import register_io_source

    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        return 0
    written = [0]
    failure: list[BaseException] = []

    def source(with_columns, predicate, n_rows, batch_size):
        try:
            for frame in _chain(first, frames):
                written[0] += frame.height
                yield frame
        except BaseException as error:  # re-raised below, outside Polars' engine
            failure.append(error)

    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex[:12]}.partial")
    try:
        register_io_source(io_source=source, schema=first.schema).sink_parquet(
            temporary, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL)
        if failure:
            raise failure[0]
        if keep():
            temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return written[0]


def _chain(first: pl.DataFrame, rest: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    yield first
    yield from rest
