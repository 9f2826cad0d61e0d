"""``joinedup pack``: build a body's pack (and issue it), or write an issued pack back out.

    joinedup pack --body SLUG [--period P] [--meeting ID] --format pdf|html|xlsx --out FILE
                  [--issue] [--user U]
    joinedup pack --issued ID --out FILE

Builds in this process, with a progress bar on stderr, through the same service as the
site (``reports.building``), so the rules are the same: who may build and issue, what
refuses an issue, and the freeze. The pack's id is printed alone on the last line of
stdout, for a script to keep. A refusal exits non-zero with a one-line reason on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from joinedup.partnership.models import Body, Meeting
from joinedup.partnership.people import person_for_command
from joinedup.reports import building
from joinedup.reports.models import Pack, PackFrozen


class Command(BaseCommand):
    help = ("Build a body's pack as PDF, HTML or Excel (and with --issue, issue it and e-mail "
            "its members), or with --issued ID write an issued pack out exactly as issued. "
            "Prints the pack's id on the last line of stdout.")

    def add_arguments(self, parser):
        parser.add_argument("--body", metavar="SLUG", help="the body whose pack it is")
        parser.add_argument("--period", metavar="P",
                            help="the reporting period (default: the meeting's, or this "
                                 "financial quarter)")
        parser.add_argument("--meeting", metavar="ID", type=int,
                            help="the meeting the pack is for; its agenda orders the pack")
        parser.add_argument("--format", choices=Pack.Format.values)
        parser.add_argument("--out", metavar="FILE", required=True,
                            help="where to write the file")
        parser.add_argument("--issue", action="store_true",
                            help="issue the pack: freeze it and e-mail the body's members")
        parser.add_argument("--user", metavar="U",
                            help="who builds or issues it (default: $JOINEDUP_USER, or your "
                                 "login name)")
        parser.add_argument("--issued", metavar="ID", type=int,
                            help="write out issued pack ID exactly as issued")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent}: no such folder to write {out.name} in")
        if options["issued"] is not None:
            return self._write_issued(options, out)
        for needed in ("body", "format"):
            if not options[needed]:
                raise CommandError(f"say which {needed} with --{needed}, or write an issued "
                                   "pack out with --issued ID")
        body = Body.objects.filter(slug=options["body"]).first()
        if body is None:
            known = ", ".join(Body.objects.order_by("order", "slug")
                              .values_list("slug", flat=True))
            raise CommandError(f"there is no body {options['body']!r}; bodies: {known}")
        meeting = None
        if options["meeting"] is not None:
            meeting = Meeting.objects.filter(pk=options["meeting"], body=body).first()
            if meeting is None:
                raise CommandError(f"{body.name} has no meeting {options['meeting']}")
        user = person_for_command(
            options["user"], refusal="there is no active person {username!r}; say who builds "
                                     "the pack with --user USERNAME")
        try:
            pack = building.draft_for(body, user, format=options["format"],
                                      period=options["period"], meeting=meeting)
            with self._progress(options) as told:
                step = building.issue if options["issue"] else building.build
                step(pack, user, progress=told)
        except (building.PackRefused, PackFrozen) as refused:
            raise CommandError(str(refused)) from None
        out.write_bytes(building.file_bytes(pack))
        what = "issued" if pack.is_issued else "draft"
        sys.stderr.write(f"{out}: {what} pack {pack.pk} of {body.name} for {pack.period}, "
                          f"{pack.size:,} bytes, SHA-256 {pack.sha256}\n")
        self.stdout.write(str(pack.pk))

    def _write_issued(self, options, out: Path) -> None:
        extra = [f"--{name}" for name in ("body", "period", "meeting", "format", "user")
                 if options[name] is not None] + (["--issue"] if options["issue"] else [])
        if extra:
            raise CommandError(f"--issued writes a pack out as it was issued; leave out "
                               f"{', '.join(extra)}")
        pack = Pack.objects.select_related("body").filter(pk=options["issued"]).first()
        if pack is None:
            raise CommandError(f"there is no pack {options['issued']}")
        if not pack.is_issued:
            raise CommandError(f"pack {pack.pk} is a draft, not issued; build it with --body "
                               "to write it out")
        out.write_bytes(building.file_bytes(pack))
        sys.stderr.write(f"{out}: pack {pack.pk} of {pack.body.name} as issued on "
                          f"{pack.issued_at:%-d %B %Y}, {pack.size:,} bytes, SHA-256 "
                          f"{pack.sha256}\n")
        self.stdout.write(str(pack.pk))

    def _progress(self, options):
        quiet = options["quiet"] or options.get("verbosity", 1) < 1
        return _Bar(Console(stderr=True, quiet=quiet))


class _Bar:
    """A progress bar on stderr, told by the build as it goes."""

    def __init__(self, console: Console):
        self.progress = Progress(TextColumn("[bold]Building the pack[/bold] {task.description}"),
                                 BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                 TimeElapsedColumn(), console=console, transient=True)

    def __enter__(self):
        self.progress.start()
        task = self.progress.add_task("", total=None)

        def told(stage: str, done: int, total: int) -> None:
            self.progress.update(task, description=stage, completed=done, total=total or None)

        return told

    def __exit__(self, *exc):
        self.progress.stop()
        return False
