"""``scripts/build_benchmark_values.py`` gives the same file, byte for byte, every time,
and that file is the one shipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .reference import BENCHMARK_VALUES

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared/data"


@pytest.mark.skipif(not (SHARED / "indicators/fingertips_tdl").is_dir(),
                    reason="needs the shared public data beside the repository")
def test_the_build_is_deterministic_and_gives_the_shipped_file(tmp_path):
    outputs = []
    for name in ("first.csv", "second.csv"):
        out = tmp_path / name
        subprocess.run([sys.executable, str(REPO / "scripts/build_benchmark_values.py"),
                        "--data", str(SHARED), "--out", str(out)], check=True,
                       capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == BENCHMARK_VALUES.read_bytes()
    assert len(outputs[0]) < 5_000_000
