"""``joinedup assess --executor dask``: the per-indicator batches on a Dask cluster.

A series never crosses indicators, so batches of whole indicators are independent: each is
assessed on whichever worker is free, by the same engine as the local run, and written by
that worker as one Parquet part of the output folder (``part-00000.parquet`` …, in the
order of the indicators in the values; within a part, rows keep the order of the values).

The parts go to a temporary folder beside the output, and the folder is moved into place
only once every part is written, so a run that fails leaves nothing half-written. Without a
scheduler's address a local cluster of worker processes is started on the loopback
interface, with no dashboard, and closed afterwards.

On a real cluster the output's folder must be on storage that this machine and every
worker share, and the workers must run the same versions of JoinedUp, Dask and Polars as
this machine (``docs/scaling.md``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from joinedup.core.engine import DEFAULT_BATCH_ROWS, assess_batches, whole_batches
from joinedup.core.parameters import AssessmentParameters

INSTALL = "pip install 'joinedup[distributed]'"
# Several batches for each worker, so that a worker that finishes early takes another.
BATCHES_PER_WORKER = 4
# Batches in flight for each worker: enough to keep it busy, few enough that the values
# are not all held on the cluster at once.
IN_FLIGHT_PER_WORKER = 2
# Dask starts its worker processes with MALLOC_TRIM_THRESHOLD_ set, which fixes the C
# library's threshold for giving memory back: every large array is then mapped afresh,
# and the engine's kernels took twice the processor time. The local cluster's workers
# keep the library's own adaptive threshold (docs/scaling.md says how for a real cluster).
LOCAL_WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


class ExecutorError(Exception):
    """The cluster could not be used, already worded for the person running the command."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def require_distributed() -> None:
    """Stop with how to install Dask when it is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExecutorError([
            "joinedup assess: --executor dask needs the Dask packages, which are not "
            f"installed; install them with: {INSTALL}"]) from None


@contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator:
    """A client of the scheduler at ``scheduler``, or of a local cluster of ``workers``
    processes started for this run and closed after it."""
    require_distributed()
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            # The wait for the scheduler is Dask's own setting,
            # distributed.comm.timeouts.connect (30 s unless set).
            client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise ExecutorError([f"joinedup assess: cannot reach the Dask scheduler at "
                                 f"{scheduler}: {first_line(error)}"]) from None
        with client:
            wait_for_a_worker(client, scheduler)
            check_versions(client)
            yield client
        return
    with dask.config.set(LOCAL_WORKER_CONFIG), warnings.catch_warnings():
        # With no dashboard the scheduler still answers health checks over HTTP, on the
        # loopback interface, at a free port when Dask's usual one is taken.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None, scheduler_port=0,
                          silence_logs=logging.ERROR) as cluster, \
                Client(cluster, set_as_default=False) as client:
            yield client


def wait_for_a_worker(client, scheduler: str) -> None:
    """Wait for the scheduler's first worker as long as for the scheduler itself."""
    import dask
    from dask.utils import parse_timedelta

    wait = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise ExecutorError([f"joinedup assess: the Dask scheduler at {scheduler} has no "
                             f"workers (waited {wait:g} s); start some with: "
                             f"dask worker {scheduler}"]) from None


def versions() -> dict[str, str]:
    """What decides the results: the versions of Python and the numerical packages, and a
    digest of the engine's own code (its version number alone does not change with it)."""
    import importlib.metadata
    import platform

    import joinedup.core

    digest = hashlib.sha256()
    for path in sorted([*Path(joinedup.core.__file__).parent.glob("*.py"),
                        Path(__file__), Path(__file__).with_name("filecli.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    found = {"python": platform.python_version(), "joinedup code": digest.hexdigest()[:16]}
    for package in ("polars", "numpy", "scipy", "pyarrow", "dask", "distributed"):
        found[package] = importlib.metadata.version(package)
    return found


def version_differences(here: dict[str, str], workers: dict[str, dict[str, str]]) -> list[str]:
    """One line for each worker whose versions are not this machine's."""
    lines = []
    for worker, theirs in sorted(workers.items()):
        differ = [f"{name} {theirs.get(name, 'missing')} (here {mine})"
                  for name, mine in here.items() if theirs.get(name) != mine]
        if differ:
            lines.append(f"joinedup assess: the worker at {worker} has {', '.join(differ)}")
    return lines


def check_versions(client) -> None:
    """Stop before any work when a worker would not give this machine's results."""
    try:
        theirs = client.run(versions)
    except Exception as error:  # raised on a worker: most often JoinedUp is not installed there
        raise ExecutorError([f"joinedup assess: the workers cannot run the assessment: "
                             f"{first_line(error)}",
                             f"Install JoinedUp on every worker: {INSTALL}"]) from None
    lines = version_differences(versions(), theirs)
    if lines:
        raise ExecutorError([*lines, "Install the same versions on every worker "
                                     "(docs/scaling.md)."])


def worker_count(client) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1)["workers"]))


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def indicator_batches(values: pl.DataFrame, workers: int) -> list[list[str]]:
    """Whole indicators in their order in ``values``, grouped so that each worker has about
    ``BATCHES_PER_WORKER`` batches and none is larger than the local run's batches."""
    target = min(DEFAULT_BATCH_ROWS,
                 max(1, math.ceil(values.height / (workers * BATCHES_PER_WORKER))))
    return whole_batches(values.group_by("indicator", maintain_order=True).len().iter_rows(),
                         target)


def assess_part(values: pl.DataFrame, polarity: pl.DataFrame | None,
                targets: pl.DataFrame | None, parameters: AssessmentParameters,
                path: str) -> int:
    """On a worker: assess one batch of whole indicators and write it as one Parquet part;
    return its number of rows."""
    from joinedup.assessment.file_batches import text_as_dictionary

    pieces = [batch.sort("_row") for batch in assess_batches(values, polarity, targets,
                                                             parameters)]
    # Text dictionary-encoded, as in the local run's output.
    table = text_as_dictionary(pl.concat(pieces).drop("_row"))
    table.write_parquet(path)
    return table.height


def assess_to_folder(client, values: pl.DataFrame, polarity: pl.DataFrame | None,
                     targets: pl.DataFrame | None, parameters: AssessmentParameters,
                     out: Path, progress: Callable[[int], None] | None = None) -> int:
    """Assess ``values`` on the cluster into the folder ``out`` (replacing it); return the
    number of rows written."""
    # The workers write the parts, and their working folders are not this one.
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = beside(out, "partial")
    try:
        rows = _assess_parts(client, values, polarity, targets, parameters, temporary,
                             progress)
        _move_into_place(temporary, out)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return rows


def _assess_parts(client, values, polarity, targets, parameters, folder: Path,
                  progress) -> int:
    from distributed import KilledWorker, as_completed

    workers = worker_count(client)
    batches = indicator_batches(values, workers)
    shared_polarity = (client.scatter(polarity, broadcast=True, hash=False)
                       if polarity is not None else None)
    sizes = {}
    pending = iter(enumerate(batches))
    running = as_completed(loop=client.loop)

    def submit_next() -> None:
        number, indicators = next(pending, (None, None))
        if indicators is None:
            return
        part = values.filter(pl.col("indicator").is_in(indicators))
        part_targets = (targets.filter(pl.col("indicator").is_in(indicators))
                        if targets is not None else None)
        # Frames go to the workers directly, not inside the task sent to the scheduler.
        future = client.submit(
            assess_part, client.scatter(part, hash=False),
            shared_polarity, client.scatter(part_targets, hash=False)
            if part_targets is not None else None,
            parameters, str(folder / f"part-{number:05d}.parquet"), pure=False)
        sizes[future.key] = part.height
        running.add(future)

    for _ in range(workers * IN_FLIGHT_PER_WORKER):
        submit_next()
    done = written = 0
    try:
        for future in running:
            written += future.result()
            done += sizes.pop(future.key)
            if progress is not None:
                progress(done)
            submit_next()
    except (KilledWorker, OSError, TimeoutError) as error:
        raise ExecutorError([f"joinedup assess: the Dask cluster failed: "
                             f"{first_line(error)}"]) from None
    return written


def beside(out: Path, role: str) -> Path:
    """A new hidden folder beside ``out`` (so on the same storage, and moved by renaming),
    made like any other folder, so that the people who may read ``out`` may read it."""
    folder = out.with_name(f".{out.name}.{role}-{uuid.uuid4().hex[:12]}")
    folder.mkdir()
    return folder


def _move_into_place(folder: Path, out: Path) -> None:
    """Put the finished folder at ``out``; an earlier output there is replaced."""
    if not out.exists():
        folder.replace(out)
        return
    earlier = beside(out, "earlier")
    out.replace(earlier / out.name)
    folder.replace(out)
    shutil.rmtree(earlier, ignore_errors=True)
