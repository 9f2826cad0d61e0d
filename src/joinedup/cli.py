"""The ``joinedup`` command: Django's management commands under the product's name.

``joinedup demo`` builds the demonstration partnership, ``joinedup serve`` serves the site,
``joinedup assess`` assesses the partnership (or, given ``--values``, any export file, with
no database), ``joinedup allocate`` splits a pot across areas by need from a file and
``joinedup impact`` measures an operation's impact on its target areas from files (no
database either), ``joinedup neighbours`` lists areas' statistical neighbours from files
(no database), and every Django command (``migrate``, ``createsuperuser`` …) works the same
way.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["assess"] and any(a == "--values" or a.startswith("--values=") for a in args):
        # Assessing files needs no database, so no settings either.
        from joinedup.assessment.filecli import main as assess_files

        raise SystemExit(assess_files(args[1:]))
    if args[:1] == ["allocate"]:
        # Allocating from a file needs no database either.
        from joinedup.resources.filecli import main as allocate_file

        raise SystemExit(allocate_file(args[1:]))
    if args[:1] == ["impact"]:
        # Measuring an operation's impact from files needs no database either.
        from joinedup.localities.impact_file import main as impact_file

        raise SystemExit(impact_file(args[1:]))
    if args[:1] == ["neighbours"]:
        # Statistical neighbours from files need no database either.
        from joinedup.places.neighbours_file import main as neighbours_file

        raise SystemExit(neighbours_file(args[1:]))
    if args and not args[0].startswith("-"):
        # Commands read as words: `joinedup import-values` runs the import_values command.
        args = [args[0].replace("-", "_"), *args[1:]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    use_local_secret_key()
    from django.core.management import execute_from_command_line

    from joinedup.env import SettingError

    try:
        execute_from_command_line(["joinedup", *args])
    except SettingError as error:
        sys.stderr.write(f"joinedup: {error}\n")
        raise SystemExit(2) from None


def use_local_secret_key() -> None:
    """Set ``SECRET_KEY`` from ``<data dir>/secret_key`` when it is not set and the site is
    not served over HTTPS; otherwise leave the environment as it is."""
    from joinedup.env import SettingError, env_bool, env_path

    if (os.environ.get("SECRET_KEY") or "").strip():
        return
    try:
        if env_bool("HTTPS", False):
            return
        data_dir = env_path("JOINEDUP_DATA_DIR", Path.cwd() / "var")
    except SettingError:
        return  # the settings report it
    try:
        key = (data_dir / "secret_key").read_text().strip()
    except OSError:
        return
    if key:
        os.environ["SECRET_KEY"] = key


if __name__ == "__main__":
    main()
