"""The ``joinedup`` command: Django's management commands under the product's name.

``joinedup demo`` builds the demonstration partnership, ``joinedup serve`` serves the site,
and every Django command (``migrate``, ``createsuperuser`` …) works the same way.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    from django.core.management import execute_from_command_line

    from joinedup.env import SettingError

    try:
        execute_from_command_line(["joinedup", *(sys.argv[1:] if argv is None else argv)])
    except SettingError as error:
        sys.stderr.write(f"joinedup: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
