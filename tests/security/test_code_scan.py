"""The project's own code passes bandit, and every exception to it says why."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "joinedup"


def test_bandit_finds_nothing_in_the_source():
    scan = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", str(SOURCE), "-f",
                           "json"], capture_output=True, text=True, timeout=300)
    report = json.loads(scan.stdout)
    found = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
             for r in report["results"]]
    assert found == []
    assert report["errors"] == []


def test_every_exception_to_bandit_names_its_test_and_gives_a_reason():
    marks = [(path, line) for path in SOURCE.rglob("*.py")
             for line in path.read_text().splitlines() if "# nosec" in line]
    unexplained = [f"{path.relative_to(SOURCE)}: {line.strip()}" for path, line in marks
                   if not re.search(r"# nosec B\d{3}(, B\d{3})* - \S.{8,}", line)]
    # each reviewed: quoted table names, our own SVG, fixed commands, the public pages' stamp
    # query, and the demo self-assessment's fixed-seed scores
    assert len(marks) == 28
    assert unexplained == []
