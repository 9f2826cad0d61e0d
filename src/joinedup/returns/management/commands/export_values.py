"""``joinedup export-values``: the figures a person may see, as CSV or an Excel workbook.

    joinedup export-values --user pct.analyst --indicator "HW 02" --out hw02.xlsx

The file has each figure's state and version, so it can be uploaded again unchanged.
Without ``--user`` the export is what a member of the public sees: approved figures of
public indicators only.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.db.models.functions import Upper
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.returns.spreadsheets import TooManyRowsForExcel, export_file, export_frame
from joinedup.strategy.models import Indicator

#: Exports at least this long show a progress bar.
LONG_EXPORT = 50_000


class Command(BaseCommand):
    help = ("Export the figures a person may see, with their state and version, to a CSV "
            "file or an Excel workbook (chosen by the file's extension).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE",
                            help="the file to write: FILE.csv or FILE.xlsx")
        parser.add_argument("--indicator", action="append", metavar="CODE",
                            help="only this indicator, by code (e.g. 'HW 02'); repeat for more")
        parser.add_argument("--area", action="append", metavar="CODE",
                            help="only this area, by ONS code (e.g. E08000037); repeat for more")
        parser.add_argument("--state", action="append", choices=DataValue.State.values,
                            help="only figures in this state; repeat for more")
        parser.add_argument("--user", metavar="USERNAME",
                            help="export what this person may see (default: the public's view)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, out, indicator=None, area=None, state=None, user=None,
               quiet=False, **options):
        fmt = Path(out).suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise CommandError(f"--out must name a .csv or .xlsx file, not {out!r}")
        person = self._person(user)
        indicators = _indicator_codes(indicator, person) if indicator else None
        areas = _area_codes(area) if area else None
        console = Console(stderr=True, quiet=quiet)
        with Progress(TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("figures"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = None

            def progress(done, total):
                nonlocal task
                if total >= LONG_EXPORT:
                    if task is None:
                        task = bar.add_task("figures", total=total)
                    bar.update(task, completed=done)

            frame = export_frame(person, indicators=indicators, areas=areas, states=state,
                                 progress=progress)
        try:
            content, _, _ = export_file(person, fmt, indicators=indicators, areas=areas,
                                        states=state, frame=frame)
        except TooManyRowsForExcel as error:
            raise CommandError(str(error)) from None
        try:
            Path(out).write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}") from None
        counts = frame.group_by("state").len().sort("state").iter_rows() if frame.height else []
        summary = ", ".join(f"{n:,} {s}" for s, n in counts) or "none"
        series = frame.select("indicator", "area").n_unique() if frame.height else 0
        self.stdout.write(f"Exported {frame.height:,} figures ({summary}) in {series:,} series "
                          f"to {out}.")

    def _person(self, username):
        if not username:
            self.stderr.write("No --user given: exporting what a member of the public sees "
                              "(approved figures of public indicators only).")
            return AnonymousUser()
        model = get_user_model()
        try:
            return model.objects.get(**{model.USERNAME_FIELD: username})
        except model.DoesNotExist:
            raise CommandError(f"No one has the username {username!r}.") from None


def _indicator_codes(wanted: list[str], person) -> list[str]:
    """Codes as typed (any case, spaces optional) → the visible indicators' own codes."""
    known = {_squash(code): code
             for code in Indicator.objects.visible_to(person).values_list("code", flat=True)}
    missing = [w for w in wanted if _squash(w) not in known]
    if missing:
        sample = ", ".join(sorted(known.values())[:8])
        raise CommandError(f"No indicator you may see has the code "
                           f"{', '.join(map(repr, missing))}. Codes look like: {sample} …")
    return [known[_squash(w)] for w in wanted]


def _area_codes(wanted: list[str]) -> list[str]:
    """Codes as typed (any case) → the areas' own codes."""
    typed = [w.strip().upper() for w in wanted]
    known = dict(Area.objects.annotate(typed=Upper("code")).filter(typed__in=typed)
                 .values_list("typed", "code"))
    missing = [w for w, t in zip(wanted, typed, strict=True) if t not in known]
    if missing:
        raise CommandError(f"No area has the code {', '.join(map(repr, missing))} "
                           "(areas are named by ONS code, such as E08000037).")
    return [known[t] for t in typed]


def _squash(code: str) -> str:
    return "".join(code.split()).upper()
