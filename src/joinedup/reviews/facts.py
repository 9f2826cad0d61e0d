"""The facts of partnership working: computed from what the partnership records, not asked.

They sit beside the 7S self-assessment, so that what members think of the partnership
meets the evidence of how it works. For a period (by default the twelve months to
``today``), and as far as the person asking may see (each count starts from the model's
``visible_to``; anyone not signed in gets no facts at all):

1. meetings held against planned, by body;
2. attendance by sector and by partner;
3. decisions made and followed up (``facts_decisions``);
4. how long exceptions take from flag to decision, by layer (``facts_decisions``);
5. returns on time by partner;
6. the share of the budget that is aligned or pooled.

Each fact carries its definition in words, and the page and the API show it. The
arithmetic (counts, shares, medians, percentiles) is done on frames in ``facts_figures``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Count, Q
from django.utils import timezone

from joinedup.partnership.meetings import Attendance, Meeting
from joinedup.partnership.models import BROAD_SECTOR, Body
from joinedup.resources.finance import lines_frame, years
from joinedup.returns.models import CollectionRound
from joinedup.returns.rounds import round_progress
from joinedup.reviews import facts_figures as figures
from joinedup.reviews.facts_decisions import decisions_fact, waits_fact
from joinedup.reviews.facts_shapes import Breakdown, Column, Fact, Facts, percent


def partnership_facts(user, *, today: dt.date, since: dt.date | None = None) -> Facts:
    """The facts ``user`` may see for the days from ``since`` (by default the day after
    the same date a year before ``today``) to ``today``, both included."""
    since = year_before(today) if since is None else since
    found = Facts(since=since, until=today)
    if not (user and user.is_authenticated):
        return found
    window = Window(since, today)
    held = Meeting.objects.visible_to(user).filter(window.has("starts"))
    found.facts = [
        meetings_fact(user, held, window),
        attendance_fact(user, held),
        decisions_fact(user, window),
        waits_fact(user, window),
        returns_fact(user, window),
        spend_fact(user, today),
    ]
    return found


def year_before(today: dt.date) -> dt.date:
    """The first day of the twelve months that end with ``today``."""
    try:
        back = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        back = today.replace(year=today.year - 1, day=28)
    return back + dt.timedelta(days=1)


class Window:
    """The period's days as moments in the partnership's time zone: from the start of
    ``since`` to the start of the day after ``until``."""

    def __init__(self, since: dt.date, until: dt.date):
        self.since, self.until = since, until
        self.days = (until - since).days + 1
        self.start = _midnight(since)
        self.end = _midnight(until + dt.timedelta(days=1))

    def has(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def holds(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min),
                               timezone.get_default_timezone())


# ---- 1. meetings held against planned ----------------------------------------------------

MEETINGS_DEFINITION = (
    "Held: the body's meetings dated in the period, up to and including its last day. "
    "Planned: the fewest meetings a year the body's reporting cycle sets, pro rata to the "
    "length of the period (days over 365, rounded to the nearest whole meeting), so 4 a "
    "year is 4 over twelve months. Bodies with no reporting cycle are left out.")


def meetings_fact(user, held, window: Window) -> Fact:
    bodies = list(Body.objects.visible_to(user).filter(reporting_cycle__isnull=False)
                  .select_related("reporting_cycle").order_by("order", "name"))
    counts = dict(held.order_by().values("body_id").annotate(n=Count("pk"))
                  .values_list("body_id", "n"))
    recorded = dict(held.filter(attendance__isnull=False).order_by().values("body_id")
                    .annotate(n=Count("pk", distinct=True)).values_list("body_id", "n"))
    frame = pl.DataFrame({
        "body": [b.name for b in bodies], "kind": [b.get_kind_display() for b in bodies],
        "fewest_a_year": [b.reporting_cycle.fewest_meetings for b in bodies],
        "held": [counts.get(b.pk, 0) for b in bodies],
        "attendance_recorded": [recorded.get(b.pk, 0) for b in bodies],
    }, schema={"body": pl.String, "kind": pl.String, "fewest_a_year": pl.Int64,
               "held": pl.Int64, "attendance_recorded": pl.Int64})
    rows = figures.meetings_against_plan(frame, window.days).drop("fewest_a_year").to_dicts()
    held_all = sum(r["held"] for r in rows)
    planned_all = sum(r["planned"] for r in rows)
    below = [r["body"] for r in rows if r["held"] < r["planned"]]
    summary = (f"{held_all} meeting{'s' if held_all != 1 else ''} held against "
               f"{planned_all} planned across {len(rows)} bodies; "
               + (f"{len(below)} held fewer than planned." if below
                  else "every body held at least as many as planned."))
    return Fact(
        key="meetings", name="Meetings held against planned", definition=MEETINGS_DEFINITION,
        summary=summary,
        values={"held": held_all, "planned": planned_all, "bodies_below_plan": len(below)},
        breakdowns=[Breakdown("By body", [
            Column("body", "Body", "text"), Column("kind", "Kind of body", "text"),
            Column("planned", "Planned"), Column("held", "Held"),
            Column("held_share", "Held of planned", "share"),
            Column("attendance_recorded", "With attendance recorded")], rows)])


# ---- 2. attendance by sector and by partner ----------------------------------------------

ATTENDANCE_DEFINITION = (
    "Of the places recorded at the meetings held in the period (one for each member at each "
    "meeting whose attendance was recorded), the share at which the member attended. "
    "Apologies count as not attending. Each place counts for the organisation the member "
    "sat for at that meeting; sectors are the broad sectors: public, private, and voluntary "
    "and community.")


def attendance_fact(user, held) -> Fact:
    marks = list(Attendance.objects.visible_to(user).filter(meeting__in=held)
                 .values_list("organisation__name", "organisation__short_name",
                              "organisation__sector", "status"))
    frame = pl.DataFrame(
        [((short or name), BROAD_SECTOR[sector], status) for name, short, sector, status in marks],
        schema={"partner": pl.String, "sector": pl.String, "status": pl.String},
        orient="row")
    by_sector = figures.attendance_rates(frame, "sector").to_dicts()
    by_partner = figures.attendance_rates(frame, "partner").to_dicts()
    total = by_sector[-1]
    summary = (f"Members attended {total['attended']} of {total['recorded']} places recorded "
               f"({percent(total['rate'])}); {total['apologies']} sent apologies and "
               f"{total['absent']} {'was' if total['absent'] == 1 else 'were'} absent." if total["recorded"]
               else "No attendance was recorded at meetings held in the period.")
    counts = [Column("recorded", "Places recorded"), Column("attended", "Attended"),
              Column("apologies", "Sent apologies"), Column("absent", "Absent"),
              Column("rate", "Attendance", "share")]
    return Fact(
        key="attendance", name="Attendance by sector and partner",
        definition=ATTENDANCE_DEFINITION, summary=summary,
        values={name: total[name] for name in ("recorded", "attended", "apologies", "absent",
                                               "rate")},
        breakdowns=[Breakdown("By sector", [Column("sector", "Sector", "text"), *counts],
                              by_sector),
                    Breakdown("By partner", [Column("partner", "Partner", "text"), *counts],
                              by_partner)])


# ---- 5. returns on time by partner -------------------------------------------------------

RETURNS_DEFINITION = (
    "Due: the returns expected by the collection rounds whose deadline fell in the period "
    "and had passed by its last day. On time: the figure was submitted by the end of the "
    "deadline day and is still submitted or approved. Late: submitted after the deadline "
    "day, or still owed (never sent, a draft, or sent back for correction). Returns count "
    "for the partner who owes them, as they stand now.")


def returns_fact(user, window: Window) -> Fact:
    rounds = (CollectionRound.objects.visible_to(user)
              .filter(deadline__gte=window.since, deadline__lt=window.until)
              .order_by("deadline"))
    rows = [(p.organisation.display_name, p.expected, p.received_on_time,
             p.received_late + p.overdue)
            for collection_round in rounds
            for p in round_progress(collection_round, user, window.until)]
    frame = pl.DataFrame(rows, orient="row", schema={
        "partner": pl.String, "due": pl.Int64, "on_time": pl.Int64, "late": pl.Int64})
    by_partner = figures.on_time(frame, "partner").to_dicts()
    total = by_partner[-1]
    summary = (f"{total['on_time']} of {total['due']} returns due came in on time "
               f"({percent(total['on_time_share'])}), from {len(rounds)} collection "
               f"round{'s' if len(rounds) != 1 else ''}." if total["due"]
               else "No collection round's deadline passed in the period.")
    return Fact(
        key="returns", name="Returns on time by partner", definition=RETURNS_DEFINITION,
        summary=summary,
        values={"rounds": len(rounds), **{k: total[k] for k in ("due", "on_time", "late",
                                                                "on_time_share")}},
        breakdowns=[Breakdown("By partner", [
            Column("partner", "Partner", "text"), Column("due", "Due"),
            Column("on_time", "On time"), Column("late", "Late or still owed"),
            Column("on_time_share", "On time", "share")], by_partner)])


# ---- 6. the share of the budget that is aligned or pooled --------------------------------

SPEND_DEFINITION = (
    "Of the budget lines you may see for the latest financial year that began by the end of "
    "the period, the share of the budget (in pounds) held aligned with partners' money or "
    "pooled, rather than singly. Each line counts for the partner whose money it is; a "
    "partner's lines count only if you may see them.")


def spend_fact(user, today: dt.date) -> Fact:
    year = next((y for y in years(user) if dt.date(int(y[:4]), 4, 1) <= today), None)
    lines = (lines_frame(user, year=year).select("partner", "arrangement", "budget")
             if year else pl.DataFrame(schema={"partner": pl.String, "arrangement": pl.String,
                                               "budget": pl.Float64}))
    by_partner = figures.joined_spend(lines, "partner").to_dicts()
    total = by_partner[-1]
    summary = (f"In {year}, {percent(total['joined_share'])} of the £{total['budget']:,.0f} "
               f"budget you may see is aligned or pooled (£{total['aligned']:,.0f} aligned, "
               f"£{total['pooled']:,.0f} pooled)." if year
               else "There are no budget lines you may see.")
    return Fact(
        key="spend", name="Share of spend aligned or pooled", definition=SPEND_DEFINITION,
        summary=summary,
        values={"financial_year": year, "lines": lines.height,
                **{k: total[k] for k in ("budget", "aligned", "pooled", "joined_share")}},
        breakdowns=[Breakdown(f"By partner{', ' + year if year else ''}", [
            Column("partner", "Partner", "text"), Column("budget", "Budget", "money"),
            Column("aligned", "Aligned", "money"), Column("pooled", "Pooled", "money"),
            Column("joined_share", "Aligned or pooled", "share")], by_partner)])
