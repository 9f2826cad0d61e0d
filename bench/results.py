"""Keep bench/RESULTS.md as one section per benchmark, each replaced when it runs again."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\n"
    "Written by the scripts in `bench/`; each section is replaced when its script runs again.\n"
    "Figures are medians of rounds measured side by side in one run, because these machines\n"
    "are noisy.\n"
)


def write_section(title: str, body: str, path: Path = RESULTS) -> None:
    text = path.read_text() if path.exists() else HEADER
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)


def demo_partnership(prefix: str, database_url: str | None = None) -> str:
    """Set Django up on a new data folder (SQLite there, or the database at
    ``database_url``) and build the demo partnership in it; the folder."""
    import os
    import tempfile

    folder = tempfile.mkdtemp(prefix=f"joinedup-{prefix}-")
    os.environ.update({"SECRET_KEY": "bench", "JOINEDUP_DATA_DIR": folder,
                       "DJANGO_SETTINGS_MODULE": "joinedup.settings"})
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("demo", "--quiet", verbosity=0)
    return folder
