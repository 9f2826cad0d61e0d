"""The analytics core stays pure: nothing under joinedup.core imports Django.

import-linter checks the contract in pyproject.toml. The second test shows the check
can fail, by running the same contract over a copy of the package with a Django import
planted in its core.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def run_lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(cwd / "pyproject.toml")], cwd=cwd,
                          capture_output=True, text=True, env={"PYTHONPATH": str(pythonpath),
                                                               "PATH": "/usr/bin:/bin"})


def test_core_does_not_import_django():
    result = run_lint(REPO, REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken" in result.stdout


def test_the_contract_catches_a_django_import_in_core(tmp_path):
    shutil.copytree(REPO / "src/joinedup", tmp_path / "src/joinedup",
                    ignore=shutil.ignore_patterns("static", "__pycache__", "data"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src/joinedup/core/leak.py").write_text("from django.db import models\n")
    result = run_lint(tmp_path, tmp_path / "src")
    assert result.returncode != 0
    assert "joinedup.core.leak -> django (l.1)" in result.stdout
