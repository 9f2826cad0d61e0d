"""``joinedup risks``: the risk register, one row per risk, as CSV or JSON.

    joinedup risks --format csv
    joinedup risks --body active-healthy-gateshead --user theme.lead --format json
    joinedup risks --user steering.member --out risks.csv

Each row has ``id``, ``title``, ``owner`` (a username), ``likelihood``, ``impact``,
``score``, ``band``, ``appetite``, the open forecast proposal where a target drives the
risk (``proposed_likelihood``, ``p_miss`` and ``proposal_source``) and ``links``, the codes
of what it threatens, highest score first. The rows are ``risks.register``'s, as the pages
and the API give them; ``--user`` lists what that person may see, so a restricted risk
reaches only its body's members, its owner and the partnership officer. Without ``--user``
the list is the partnership's own view: every risk.

An unknown body or person is refused with exit status 2, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.common.cells import escape_formula
from joinedup.partnership.models import Body
from joinedup.partnership.people import PartnershipView, person_for_command
from joinedup.risks.api_schemas import LINK_SEPARATOR, REGISTER_FIELDS, register_summary
from joinedup.risks.register import register

#: The exit status of a command told of a body or person that does not exist.
UNKNOWN = 2


class Command(BaseCommand):
    help = ("List the risk register, one row per risk, highest score first, with the fields "
            + ", ".join(REGISTER_FIELDS) + f". In CSV, links are joined with "
            f"{LINK_SEPARATOR!r}; in JSON they are an array. Without --user the list is the "
            "partnership's own view: every risk, restricted or not.")

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "json"), default="csv",
                            help="csv (the default) or json")
        parser.add_argument("--body", metavar="SLUG",
                            help="only the register of this body, such as "
                                 "active-healthy-gateshead")
        parser.add_argument("--user", metavar="USERNAME",
                            help="only what this person may see (default: every risk)")
        parser.add_argument("--out", metavar="FILE",
                            help="write to this file instead of standard output")

    def handle(self, *args, **options):
        viewer = PartnershipView()
        if options["user"]:
            try:
                viewer = person_for_command(
                    options["user"],
                    refusal="There is no active person with the username {username!r}.")
            except CommandError as error:
                raise CommandError(str(error), returncode=UNKNOWN) from None
        body = _body(options["body"], viewer) if options["body"] else None
        rows = [register_summary(row) for row in register(viewer, body=body).iter_rows(
            named=True)]
        content = as_json(rows) if options["format"] == "json" else as_csv(rows)
        out = options["out"]
        if not out:
            self.stdout.write(content, ending="")
            return
        try:
            Path(out).write_text(content, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
        self.stderr.write(f"{len(rows)} risk{'s' if len(rows) != 1 else ''} written to {out}.")


def as_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REGISTER_FIELDS)
    for row in rows:
        writer.writerow([escape_formula(LINK_SEPARATOR.join(row[name]) if name == "links"
                                        else row[name]) for name in REGISTER_FIELDS])
    return buffer.getvalue()


def as_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def _body(slug: str, viewer) -> Body:
    found = Body.objects.visible_to(viewer).filter(slug=slug.strip().lower()).first()
    if found is None:
        known = ", ".join(Body.objects.visible_to(viewer).values_list("slug", flat=True))
        raise CommandError(f"There is no body {slug!r}. Bodies: {known}.", returncode=UNKNOWN)
    return found
