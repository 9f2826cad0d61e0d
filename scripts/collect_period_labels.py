"""Collect every distinct period label in the shared real data into a test fixture.

Usage (from the repository root):

    .venv/bin/python scripts/collect_period_labels.py [DATA_DIR] [--out PATH]

DATA_DIR defaults to ``../shared/data`` relative to the repository root. Every CSV under
it is read; its period-like columns (``period``, ``Financial year``, ``year``) are read as
text, and each distinct non-blank label is written once per file and column to
``tests/core/data/period_labels.csv`` as ``source_file,column,label``, sorted. The tests
read only that fixture, so they run without the data.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
PERIOD_COLUMNS = ("period", "Financial year", "year")


def collect(data_dir: Path) -> list[tuple[str, str, str]]:
    rows = set()
    for path in sorted(data_dir.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
        columns = [c for c in PERIOD_COLUMNS if c in header]
        if not columns:
            continue
        frame = pl.read_csv(path, columns=columns, infer_schema=False, encoding="utf8-lossy")
        source = path.relative_to(data_dir).as_posix()
        for column in columns:
            for label in frame[column].drop_nulls().unique():
                if label.strip():
                    rows.add((source, column, label))
    return sorted(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=REPO / ".." / "shared" / "data")
    parser.add_argument("--out", type=Path,
                        default=REPO / "tests" / "core" / "data" / "period_labels.csv")
    args = parser.parse_args()
    rows = collect(args.data_dir.resolve())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("source_file", "column", "label"))
        writer.writerows(rows)
    files = len({source for source, _, _ in rows})
    print(f"wrote {len(rows)} labels from {files} files to {args.out}")


if __name__ == "__main__":
    main()
