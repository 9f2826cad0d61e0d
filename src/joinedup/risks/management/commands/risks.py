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

from django.core.management.base import BaseCommand, CommandError

from joinedup.common.command_output import as_json, rows_as_csv, write_output
from joinedup.partnership.models import Body
from joinedup.partnership.people import UNKNOWN, viewer_for_command
from joinedup.risks.api_schemas import LINK_SEPARATOR, REGISTER_FIELDS, register_summary
from joinedup.risks.register import register


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
        viewer = viewer_for_command(options["user"])
        body = _body(options["body"], viewer) if options["body"] else None
        rows = [register_summary(row) for row in register(viewer, body=body).iter_rows(
            named=True)]
        content = as_json(rows) if options["format"] == "json" else as_csv(rows)
        write_output(self, content, options["out"],
                     written=f"{len(rows)} risk{'s' if len(rows) != 1 else ''}")


def as_csv(rows: list[dict]) -> str:
    return rows_as_csv(rows, REGISTER_FIELDS, lambda name, value: LINK_SEPARATOR.join(value)
                       if name == "links" else value)


def _body(slug: str, viewer) -> Body:
    found = Body.objects.visible_to(viewer).filter(slug=slug.strip().lower()).first()
    if found is None:
        known = ", ".join(Body.objects.visible_to(viewer).values_list("slug", flat=True))
        raise CommandError(f"There is no body {slug!r}. Bodies: {known}.", returncode=UNKNOWN)
    return found
