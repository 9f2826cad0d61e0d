"""What a pack holds, gathered once and written out by each format (HTML, PDF, Excel).

A pack follows its meeting's agenda, slot by slot, or the default agenda for the kind of
body when it is for a period and no meeting. The performance-exceptions slot is the
body's zero-based report (``layers.layer_report``): each exception with its charts, its
flags' reasons, the owner's commentary, the management group's decision and what follows
from it, any Board minute, and whether it is new since the body's last issued pack. What
the last pack held and this one does not is listed as resolved since then.

A slot with nothing behind it in JoinedUp says so in a sentence, so a reader never meets
an empty section and wonders what is missing.

Every partner may read a body's packs, so a pack leaves out the exceptions on indicators
restricted to named organisations, and says how many it left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from joinedup.assessment.models import Flag
from joinedup.exceptions.models import IndicatorException
from joinedup.partnership.meetings import AgendaSlot, default_agenda
from joinedup.partnership.models import Body, Membership
from joinedup.reports.finance import finance_slot
from joinedup.reports.layers import BOARD_KINDS, ReportItem, layer_report, summary_sentence
from joinedup.reports.pack_charts import SeriesCharts, series_charts
from joinedup.reports.risks import risk_slot
from joinedup.strategy.models import Indicator, Visibility

#: Told how far gathering has got: (what it is doing, steps done, steps in all).
Progress = Callable[[str, int, int], None]

Kind = AgendaSlot.Kind

NOTHING_HELD = {
    Kind.TOPIC: "No papers for the debate are held in JoinedUp; any are sent with the agenda.",
}
#: Members are listed chair first, then vice-chair, officer, and the members.
ROLE_ORDER = {"chair": 0, "vice_chair": 1, "officer": 2, "member": 3}
#: Fewer points than this give trial SPC limits (NHS England, Making Data Count).
TRIAL_BELOW = 12


@dataclass
class Entry:
    """One exception as the pack shows it."""

    number: str
    item: ReportItem
    new: bool | None  # None when there is no earlier issued pack to compare with
    spc_chart: str | None = None
    forecast_chart: str | None = None
    series: SeriesCharts | None = None  # the headline area's charts, and what they show

    @property
    def exception(self) -> IndicatorException:
        return self.item.exception

    @property
    def anchor(self) -> str:
        return f"exception-{self.exception.pk}"

    @property
    def indicator(self) -> Indicator:
        return self.item.indicator

    @property
    def area(self):
        """The headline area, which the charts are drawn for."""
        return self.item.headline_area

    @property
    def theme(self) -> str:
        return self.indicator.outcome.theme.name

    @property
    def areas(self) -> str:
        return ", ".join(area.name for area in self.item.areas)

    @property
    def flags(self) -> str:
        labels = dict(Flag.Kind.choices)
        return "; ".join(labels[kind] for kind in self.item.kinds)

    @property
    def reasons(self) -> list[str]:
        return list(dict.fromkeys(flag.reason for flag in self.item.flags))

    @property
    def spc_caption(self) -> str:
        """What the SPC chart's lines are: its legend names only the kinds of point."""
        points = self.series.points
        trial = (f" With {points} points the limits are trial limits, to be firmed up as "
                 "figures come in." if points < TRIAL_BELOW else "")
        target = "; green dashes: the target" if self.series.target is not None else ""
        return (f"Statistical process control chart for {self.area.name}. Solid line: the "
                f"mean; black dashes: the process limits; dots: two sigma{target}.{trial}")

    @property
    def forecast_caption(self) -> str:
        target = " The green diamond is the target." if self.series.target is not None else ""
        return (f"Forecast for {self.area.name} to {self.series.forecast_period}: the dashed "
                "line, with 80% (darker) and 95% (lighter) prediction intervals." + target)

    @property
    def since_last(self) -> str:
        if self.new is None:
            return ""
        return "New since the last pack" if self.new else "In the last pack too"

    @property
    def decision(self) -> str:
        decision = self.item.decision
        if decision is None:
            return "Not yet triaged by the management group."
        return (f"{decision.get_decision_display()}, decided by {decision.decided_by} on "
                f"{_day(decision.decided_at)}: {decision.note}")

    @property
    def recommendation(self) -> str:
        decision = self.item.decision
        return decision.recommendation if decision else ""

    @property
    def board_asked_for(self) -> str:
        decision = self.item.decision
        return decision.get_board_asked_for_display() if decision else ""

    @property
    def plan(self) -> list[str]:
        plan = self.item.plan
        if plan is None:
            return []
        lines = [f"{plan.summary} Owner: {plan.owner}; to be reviewed with the "
                 f"{plan.review_period} figure."]
        lines += [f"{action.action} ({action.lead.display_name + ', ' if action.lead else ''}"
                  f"due {_day(action.due)}, {action.get_status_display().lower()})"
                  for action in plan.actions.all()]
        return lines

    @property
    def working(self) -> str:
        return self.item.progress.words() if self.item.progress else ""

    @property
    def commentary(self) -> list[tuple[str, str]]:
        written = self.item.commentary
        if written is None:
            return []
        return [("What happened", written.what_happened), ("Why", written.why),
                ("What is being done", written.what_is_being_done),
                ("Written by", f"{written.written_by}, {_day(written.written_at)}")]

    @property
    def minutes(self) -> list[str]:
        return [f"{_day(minute.recorded_at)}: {minute.get_outcome_display()}. {minute.minute}"
                + (f" ({minute.partner.display_name}, by {_day(minute.due)})"
                   if minute.partner and minute.due else "")
                + (f" (£{minute.amount:,.0f})" if minute.amount is not None else "")
                for minute in self.item.board_decisions]

    @property
    def earlier(self) -> list[str]:
        return [f"{decision.exception.period}: {decision.get_decision_display()} "
                f"({_day(decision.decided_at)}): {decision.note}"
                for decision in self.item.past_decisions]


@dataclass
class Resolved:
    """An exception the last issued pack held that this one does not, and why."""

    id: int
    indicator: str
    title: str
    period: str
    now: str


@dataclass
class Section:
    number: int
    kind: str
    title: str
    notes: str = ""
    lead: str = ""
    lines: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    resolved: list[Resolved] = field(default_factory=list)
    summary: str = ""
    members: list[Membership] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"section-{self.number}"

    @property
    def is_exceptions(self) -> bool:
        return self.kind == Kind.EXCEPTIONS


@dataclass
class Contents:
    partnership: str
    body: Body
    meeting: object | None
    period: str
    built_at: dt.datetime
    issued_at: dt.datetime | None
    previous: object | None  # the body's last issued pack, if any
    sections: list[Section]
    left_out: int

    @property
    def status(self) -> str:
        return f"Issued on {_day(self.issued_at)}" if self.issued_at else "Draft"

    @property
    def entries(self) -> list[Entry]:
        return [entry for section in self.sections for entry in section.entries]

    @property
    def resolved(self) -> list[Resolved]:
        return [gone for section in self.sections for gone in section.resolved]

    @property
    def summary(self) -> str:
        return next((s.summary for s in self.sections if s.is_exceptions), "")

    @property
    def meeting_words(self) -> str:
        if self.meeting is None:
            return ""
        starts = timezone.localtime(self.meeting.starts)
        place = f", {self.meeting.place}" if self.meeting.place else ""
        return f"{starts:%A %-d %B %Y}, {starts:%H:%M}{place}"

    def manifest(self, pack) -> dict:
        """What the pack holds, kept with it: the next pack compares itself with this."""
        return {
            "body": self.body.slug, "period": self.period, "format": pack.format,
            "meeting": self.meeting.pk if self.meeting else None,
            "issued": self.issued_at is not None,
            "previous_pack": self.previous.pk if self.previous else None,
            "sections": [{"number": s.number, "kind": s.kind, "title": s.title}
                         for s in self.sections],
            "summary": self.summary, "left_out_restricted": self.left_out,
            "exceptions": [{
                "id": e.exception.pk, "indicator": e.indicator.code, "title": e.indicator.title,
                "period": e.exception.period, "layer": e.exception.layer.slug,
                "state": e.exception.state, "decision": e.exception.decision,
                "red": e.item.is_red, "commentary": e.item.commentary is not None,
                "new": e.new} for e in self.entries],
            "resolved": [vars(gone) for gone in self.resolved],
        }


def _day(moment) -> str:
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{moment:%-d %B %Y}"


def partnership_name() -> str:
    board = Body.objects.filter(parent=None, kind=Body.Kind.BOARD).only("name").first()
    return board.name if board else "The partnership"


def agenda(pack) -> list[tuple[str, str, str, str]]:
    """(kind, title, notes, lead) for each slot, in the meeting's order or the default."""
    if pack.meeting is not None:
        slots = list(pack.meeting.slots.select_related("lead").order_by("order"))
        if slots:
            return [(s.kind, s.title, s.notes, str(s.lead) if s.lead else "") for s in slots]
    return [(kind, title, "", "") for kind, title in default_agenda(pack.body)]


def gather(pack, user, *, previous=None, issued_at: dt.datetime | None = None,
           charts: bool = True, progress: Progress | None = None) -> Contents:
    """Everything ``pack`` holds, as ``user`` (its builder) may see it.

    ``previous`` is the body's last issued pack, which new and resolved are judged
    against; ``charts`` False skips drawing them (to check a pack before it is built).
    """
    told = progress or (lambda stage, done, total: None)
    told("Gathering the report", 0, 0)
    report = layer_report(pack.body, user, period=pack.period)
    items = [i for g in report.by_theme for i in g.items
             if i.indicator.visibility != Visibility.RESTRICTED]
    left_out = len(report.items) - len(items)
    before = {row["id"]: row for row in (previous.manifest.get("exceptions", [])
                                         if previous else [])}
    total = 1 + (len(items) if charts else 0)
    sections = []
    for number, (kind, title, notes, lead) in enumerate(agenda(pack), start=1):
        section = Section(number=number, kind=kind, title=title, notes=notes, lead=lead)
        if kind == Kind.EXCEPTIONS:
            _fill_exceptions(section, items, report, before, previous, left_out)
        sections.append(section)
    for section in sections:
        if section.kind == Kind.FINANCE:
            section.lines += finance_slot(user).lines
        elif section.kind == Kind.RISKS:
            section.lines += risk_slot(user, body=pack.body, for_everyone=True).lines
        _fill_other(section, pack.body, sections)
    contents = Contents(partnership=partnership_name(), body=pack.body, meeting=pack.meeting,
                        period=pack.period, built_at=timezone.now(), issued_at=issued_at,
                        previous=previous, sections=sections, left_out=left_out)
    told("Drawing the charts", 1, total)
    if charts:
        for done, entry in enumerate(contents.entries, start=2):
            _draw(entry, user)
            told(f"Drawing the charts ({done - 1} of {total - 1})", done, total)
    return contents


def _fill_exceptions(section, items, report, before, previous, left_out) -> None:
    section.summary = summary_sentence(report.not_shown,
                                       shown=len({item.indicator.pk for item in items}))
    if left_out:
        section.summary += (
            f" {left_out} exception{'s are' if left_out != 1 else ' is'} on indicators "
            "restricted to named partners, so left out of this pack, which every partner may "
            "read; those who may see them find them on the body's report in JoinedUp.")
    number = section.number
    section.entries = [Entry(number=f"{number}.{n}", item=item,
                             new=None if previous is None else item.exception.pk not in before)
                       for n, item in enumerate(items, start=1)]
    shown = {entry.exception.pk for entry in section.entries}
    gone = [row for pk, row in before.items() if pk not in shown]
    now = IndicatorException.objects.in_bulk([row["id"] for row in gone])
    section.resolved = [Resolved(id=row["id"], indicator=row["indicator"], title=row["title"],
                                 period=row["period"], now=_why_gone(now.get(row["id"])))
                        for row in gone]


def _why_gone(exception: IndicatorException | None) -> str:
    if exception is None:
        return "No longer held."
    if exception.state == IndicatorException.State.CLOSED:
        return "No longer flagged: the latest figures cleared it."
    if exception.state == IndicatorException.State.AWAITING_CORRECTION:
        return "Its figures went back to their owner for correction."
    if exception.decision:
        return f"Now decided as: {exception.get_decision_display().lower()}."
    return "Waiting for the management group's decision."


def _fill_other(section: Section, body: Body, sections: list[Section]) -> None:
    if section.kind == Kind.EXCEPTIONS:
        return
    if section.kind == Kind.DECISION:
        escalated = next((s for s in sections if s.is_exceptions and s.entries), None)
        if escalated is not None and body.kind in BOARD_KINDS:
            section.lines.append(
                f"Each exception escalated to the Board, in section {escalated.number}, "
                "says what the Board is asked to decide. No other items for decision are "
                "held in JoinedUp; any are sent with the agenda.")
        else:
            section.lines.append("Items for decision: none are held in JoinedUp; any are "
                                 "sent with the agenda.")
    elif section.kind == Kind.PARTNERSHIP:
        section.members = sorted(
            body.memberships.select_related("person", "organisation"),
            key=lambda m: (ROLE_ORDER.get(m.role, len(ROLE_ORDER)), m.person.last_name,
                           m.person.first_name))
        cycle = getattr(body, "reporting_cycle", None)
        if cycle is not None:
            line = (f"{body.name} {cycle.describe()}; its pack is due "
                    f"{cycle.pack_days_before} days before each meeting.")
            if cycle.red_needs_commentary:
                line += (" A pack is issued only when every red exception in it has its "
                         "owner's commentary.")
            section.lines.append(line)
        if not section.members:
            section.lines.append(f"No members of {body.name} are recorded in JoinedUp.")
    elif section.kind in NOTHING_HELD:
        section.lines.append(NOTHING_HELD[section.kind])
    if not section.lines and not section.notes:
        section.lines.append(f"{section.title}: nothing for this item is held in JoinedUp.")


def _draw(entry: Entry, user) -> None:
    if entry.area is None:
        return
    drawn = series_charts(entry.indicator, entry.area, user)
    if drawn is not None:
        entry.series, entry.spc_chart, entry.forecast_chart = drawn, drawn.spc, drawn.forecast
