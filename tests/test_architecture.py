"""The shape of the code holds: the analytics core is pure, and the apps stay in layers.

import-linter checks both contracts in pyproject.toml. The other tests show each check
can fail, by running the same contracts over a copy of the package with a forbidden
import planted in it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
LAYERS = "The apps in layers: a lower app never imports a higher one"


def run_lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(cwd / "pyproject.toml")], cwd=cwd,
                          capture_output=True, text=True, env={"PYTHONPATH": str(pythonpath),
                                                               "PATH": "/usr/bin:/bin"})


def planted(tmp_path: Path, module: str, source: str) -> subprocess.CompletedProcess:
    """Lint a copy of the package with ``source`` written to ``module`` (a path)."""
    shutil.copytree(REPO / "src/joinedup", tmp_path / "src/joinedup",
                    ignore=shutil.ignore_patterns("static", "__pycache__", "data"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src/joinedup" / module).write_text(source)
    return run_lint(tmp_path, tmp_path / "src")


def test_both_contracts_are_kept():
    result = run_lint(REPO, REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout
    assert f"{LAYERS} KEPT" in result.stdout


def test_the_core_contract_catches_a_django_import_in_core(tmp_path):
    result = planted(tmp_path, "core/leak.py", "from django.db import models\n")
    assert result.returncode == 1
    assert "joinedup.core.leak -> django (l.1)" in result.stdout


@pytest.mark.parametrize("module, source, reported", [
    # A page that reads assessments must not live in the strategy app.
    ("strategy/leak.py", "from joinedup.assessment import pages\n",
     "joinedup.strategy.leak -> joinedup.assessment.pages (l.1)"),
    # The returns app announces changes; it never calls the assessment itself.
    ("returns/leak.py", "from joinedup.assessment.services import run_assessment\n",
     "joinedup.returns.leak -> joinedup.assessment.services (l.1)"),
    # Apps' API routers take their tools from below, never from the API that mounts them.
    ("places/leak.py", "from joinedup.api.api import api\n",
     "joinedup.places.leak -> joinedup.api.api (l.1)"),
])
def test_the_layers_contract_catches_an_upward_import(tmp_path, module, source, reported):
    result = planted(tmp_path, module, source)
    assert result.returncode == 1
    assert f"{LAYERS} BROKEN" in result.stdout
    assert reported in result.stdout


def test_the_web_and_the_api_keep_apart(tmp_path):
    result = planted(tmp_path, "web/leak.py", "from joinedup.api import api\n")
    assert result.returncode == 1
    assert "joinedup.web.leak -> joinedup.api.api (l.1)" in result.stdout
