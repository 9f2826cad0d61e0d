"""``joinedup self-assessment``: the 7S self-assessment's rounds and results.

    joinedup self-assessment list
    joinedup self-assessment results 2 --format json
    joinedup self-assessment results "November 2025 self-assessment" --by question --out q.csv
    joinedup self-assessment open --title "2026 self-assessment" --opens 2026-11-01 --closes 2026-12-13
    joinedup self-assessment close 2

``list`` gives each round: ``id``, ``title``, ``opens``, ``closes``, ``status``,
``questions`` and ``submitted`` (how many members have submitted). ``results`` gives a
round's results by element (``element``, ``name``, ``members``, ``answers``, ``mean``,
``lowest``, ``highest``, ``sd``, ``sector_lowest``, ``sector_highest``, ``sector_gap``,
``previous_mean``, ``change``) or, with ``--by question``, by question; the figures are
the results page's, unrounded. A round is named by its id or its title. ``--user`` acts
as that person: their view of the results, and opening or closing only for the
partnership officer. Without it, the command is the partnership's own view.

An unknown round or person is refused with exit status 2, a refused action with 1, and
nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from joinedup.common.command_output import as_json, rows_as_csv, write_output
from joinedup.common.querysets import manages_framework
from joinedup.partnership.people import UNKNOWN, viewer_for_command
from joinedup.reviews import scoring
from joinedup.reviews.models import Response, SelfAssessmentRound
from joinedup.reviews.results import (
    ELEMENT_FIELDS,
    QUESTION_FIELDS,
    element_rows,
    question_rows,
    round_results,
)

ROUND_FIELDS = ("id", "title", "opens", "closes", "status", "questions", "submitted")


class Command(BaseCommand):
    help = ("The 7S self-assessment: list the rounds, export a round's results by element "
            "or by question as CSV or JSON, open a new round or close one.")

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="USERNAME",
                            help="act as this person (default: the partnership's own view)")
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = actions.add_parser("list", help="the rounds, newest first")
        export = actions.add_parser("results", help="a round's results")
        export.add_argument("round", help="the round's id or title")
        export.add_argument("--by", choices=("element", "question"), default="element")
        for sub in (listing, export):
            sub.add_argument("--format", choices=("csv", "json"), default="csv")
            sub.add_argument("--out", metavar="FILE",
                             help="write to this file instead of standard output")
        opening = actions.add_parser("open", help="open a new round")
        opening.add_argument("--title", required=True)
        opening.add_argument("--opens", required=True, type=_date, help="YYYY-MM-DD")
        opening.add_argument("--closes", required=True, type=_date, help="YYYY-MM-DD")
        closing = actions.add_parser("close", help="close a round")
        closing.add_argument("round", help="the round's id or title")

    def handle(self, *args, **options):
        viewer = viewer_for_command(options["user"])
        action = options["action"]
        if action == "list":
            rows = [_round_row(r) for r in SelfAssessmentRound.objects.visible_to(viewer)]
            self._write(rows, ROUND_FIELDS, options, "round")
        elif action == "results":
            round_ = _named_round(options["round"], viewer)
            try:
                found = round_results(round_, viewer)
            except PermissionDenied as refused:
                raise CommandError(str(refused)) from None
            by_question = options["by"] == "question"
            rows = question_rows(found) if by_question else element_rows(found)
            self._write(rows, QUESTION_FIELDS if by_question else ELEMENT_FIELDS, options,
                        "question" if by_question else "element")
        else:
            self._open_or_close(action, options, viewer)

    def _open_or_close(self, action: str, options: dict, viewer) -> None:
        if not manages_framework(viewer):
            raise CommandError("Only the partnership officer opens and closes rounds of the "
                               "self-assessment.")
        person = viewer if getattr(viewer, "pk", None) else None
        try:
            if action == "open":
                round_ = scoring.open_round(options["title"], opens=options["opens"],
                                            closes=options["closes"], person=person)
                self.stdout.write(f"Opened round {round_.pk}, {round_.title}, asking "
                                  f"{round_.questions.count()} questions.")
            else:
                round_ = scoring.close_round(_named_round(options["round"], viewer), person)
                self.stdout.write(f"Closed round {round_.pk}, {round_.title}.")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def _write(self, rows: list[dict], fields: tuple[str, ...], options: dict, noun: str):
        content = as_json(rows) if options["format"] == "json" else rows_as_csv(rows, fields)
        write_output(self, content, options["out"],
                     written=f"{len(rows)} {noun}{'s' if len(rows) != 1 else ''}")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date: write it as YYYY-MM-DD.") from None


def _round_row(round_: SelfAssessmentRound) -> dict:
    return {"id": round_.pk, "title": round_.title, "opens": round_.opens.isoformat(),
            "closes": round_.closes.isoformat(), "status": round_.status,
            "questions": round_.questions.count(),
            "submitted": round_.responses.filter(status=Response.Status.SUBMITTED).count()}


def _named_round(name: str, viewer) -> SelfAssessmentRound:
    rounds = SelfAssessmentRound.objects.visible_to(viewer)
    found = (rounds.filter(pk=int(name)).first() if name.isdigit()
             else rounds.filter(title=name.strip()).first())
    if found is None:
        known = "; ".join(f"{r.pk} {r.title}" for r in rounds)
        raise CommandError(f"There is no self-assessment round {name!r}. Rounds: "
                           f"{known or 'none yet'}.", returncode=UNKNOWN)
    return found
