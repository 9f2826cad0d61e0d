"""The public data as tables: what the public pages show and the data package holds.

Each table is gathered once from what an anonymous visitor may see (the querysets'
``visible_to`` for an anonymous user: public indicators, their approved figures, their
stored assessments and targets; packs their body has published), and both the pages and
the files are made from these rows. So a number shown on the public site is a number in
the data package, and nothing restricted can reach either.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from joinedup.assessment.models import Assessment
from joinedup.common.cells import escape_formula
from joinedup.places import choropleth
from joinedup.places.models import Area, Level
from joinedup.reports.models import Pack
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator, Outcome, Target, Theme

#: Who the public site is for: anyone, signed in or not, sees what an anonymous visitor does.
PUBLIC = AnonymousUser()
MAPPED_LEVELS = (Level.WARD.value, Level.LSOA.value)
MADE = {None: "published for the ward", "sum": "sum of its LSOAs' figures",
        "mean": "mean of its LSOAs' figures weighted by population"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Table Schema type: string, number, integer, boolean, date, datetime
    title: str
    description: str = ""


@dataclass
class Table:
    name: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)

    def where(self, **equal) -> Table:
        """The same table, keeping the rows whose named columns have these values."""
        rows = [row for row in self.rows if all(row[k] == v for k, v in equal.items())]
        return Table(self.name, self.title, self.description, self.columns, rows)

    def csv_bytes(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([column.name for column in self.columns])
        for row in self.rows:
            writer.writerow([_cell(row[column.name]) for column in self.columns])
        return out.getvalue().encode("utf-8")

    def json_rows(self) -> list[dict]:
        return [{column.name: _plain(row[column.name]) for column in self.columns}
                for row in self.rows]


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return escape_formula(value)  # text a spreadsheet could run is quoted (OWASP)
    return str(_plain(value))


def S(name, title, description=""):  # noqa: N802 - reads as a column list
    return Column(name, "string", title, description)


def N(name, title, description=""):  # noqa: N802
    return Column(name, "number", title, description)


THEMES = [S("strategy", "Strategy"), S("theme", "Theme", "Its short name, used in links."),
          S("name", "Name"), S("summary", "Summary"),
          Column("cross_cutting", "boolean", "Cross-cutting"),
          Column("order", "integer", "Order", "Its place in the strategy.")]
OUTCOMES = [Column("outcome", "integer", "Outcome", "Its number."), S("theme", "Theme"),
            S("title", "Title"), S("description", "Description"),
            Column("order", "integer", "Order", "Its place in the theme.")]
INDICATORS = [S("code", "Code"), S("slug", "Slug", "Its short name, used in links."),
              S("title", "Title"), S("definition", "Definition"), S("unit", "Unit"),
              Column("decimals", "integer", "Decimals", "Figures are shown to this many places."),
              S("polarity", "Polarity", "up: higher is better; down: lower is better; none."),
              S("frequency", "Frequency"), S("kind", "Kind"), S("theme", "Theme"),
              Column("outcome", "integer", "Outcome"), S("owner", "Owner",
                                                          "The partner who sends its figures."),
              S("source", "Source"), S("source_url", "Source address")]
AREA_OF = [S("indicator", "Indicator", "Its code."), S("area", "Area", "The area's code."),
           S("area_name", "Area name")]
FIGURES = [*AREA_OF, S("period", "Period"), Column("period_start", "date", "Period start"),
           Column("period_end", "date", "Period end", "The day after the period ends."),
           N("value", "Value"), N("lower_ci", "Lower 95% confidence limit"),
           N("upper_ci", "Upper 95% confidence limit")]
STATUS = [*AREA_OF, S("period", "Period", "Of the latest figure."), N("value", "Value"),
          N("target", "Target", "The target or milestone it was judged against."),
          S("status", "Status", "green: on target; amber: within tolerance; red: off target; "
            "grey: no target."),
          S("direction", "Direction", "Against the period before: improving, no_change, "
            "worsening or none."),
          S("variation", "Variation", "Statistical process control: common_cause, "
            "improvement, concern, neutral_high or neutral_low."),
          S("assurance", "Assurance", "Whether the target will be met at the current variation."),
          Column("assessed_at", "datetime", "Assessed at")]
TARGETS = [*AREA_OF, S("period", "Period"), N("value", "Target"), S("kind", "Kind"),
           S("baseline_period", "Baseline period"), N("baseline_value", "Baseline"),
           N("tolerance", "Tolerance"),
           Column("illustrative", "boolean", "Illustrative", "Invented to show how targets "
                  "work, not agreed by the partnership.")]
WARD_FIGURES = [S("indicator", "Indicator"), S("ward", "Ward", "The ward's code."),
                S("ward_name", "Ward name"), S("period", "Period"), N("value", "Value"),
                S("made", "How the figure was made")]
PACKS = [Column("pack", "integer", "Pack"), S("body", "Body"), S("period", "Reporting period"),
         Column("meeting", "date", "Meeting"), S("format", "Format"),
         S("file_name", "File name"), Column("size", "integer", "Size", "In bytes."),
         S("sha256", "SHA-256", "Of the file, as issued."),
         Column("issued_at", "datetime", "Issued at"),
         Column("published_at", "datetime", "Published at"), S("path", "Download address")]
AREAS = [S("code", "Code", "ONS GSS code, where there is one."), S("name", "Name"),
         S("level", "Level"), S("parent", "Parent", "The code of the area it lies in.")]


def public_indicators():
    """The indicators anyone may see: one rule, the indicators' own ``visible_to``."""
    return Indicator.objects.visible_to(PUBLIC)


def gather() -> dict[str, Table]:
    """Every public table, by name, in the order the data package lists them."""
    indicators = list(public_indicators().select_related("outcome__theme", "owner")
                      .order_by("code"))
    tables = {
        "themes": _themes(),
        "outcomes": _outcomes(),
        "indicators": _indicators(indicators),
        "figures": _figures(),
        "status": _status(),
        "targets": _targets(),
        "ward-figures": _ward_figures(indicators),
        "packs": _packs(),
    }
    tables["areas"] = _areas(tables)
    return tables


def _themes() -> Table:
    rows = [{"strategy": t.strategy.name, "theme": t.slug, "name": t.name, "summary": t.summary,
             "cross_cutting": t.cross_cutting, "order": t.order}
            for t in Theme.objects.visible_to(PUBLIC).select_related("strategy")
            .order_by("strategy__name", "order", "name")]
    return Table("themes", "Themes", "The strategy's themes, in order.", THEMES, rows)


def _outcomes() -> Table:
    rows = [{"outcome": o.pk, "theme": o.theme.slug, "title": o.title,
             "description": o.description, "order": o.order}
            for o in Outcome.objects.visible_to(PUBLIC).select_related("theme")
            .order_by("theme__order", "theme__name", "order", "title")]
    return Table("outcomes", "Outcomes", "The outcomes each theme works towards.", OUTCOMES,
                 rows)


def _indicators(indicators) -> Table:
    rows = [{"code": i.code, "slug": i.slug, "title": i.title, "definition": i.definition,
             "unit": i.unit, "decimals": i.decimals, "polarity": i.polarity,
             "frequency": i.frequency, "kind": i.kind, "theme": i.outcome.theme.slug,
             "outcome": i.outcome_id, "owner": i.owner.display_name if i.owner_id else "",
             "source": i.source, "source_url": i.source_url} for i in indicators]
    return Table("indicators", "Public indicators",
                 "The indicators the partnership publishes, with their definitions and sources.",
                 INDICATORS, rows)


def _figures() -> Table:
    values = (DataValue.objects.visible_to(PUBLIC).filter(state=DataValue.State.APPROVED)
              .order_by("indicator__code", "area__code", "period_start", "period_end")
              .values_list("indicator__code", "area__code", "area__name", "period",
                           "period_start", "period_end", "value", "lower_ci", "upper_ci"))
    rows = [dict(zip([c.name for c in FIGURES], row)) for row in values]
    return Table("figures", "Figures", "Every approved figure of the public indicators.",
                 FIGURES, rows)


def _status() -> Table:
    latest = (Assessment.objects.visible_to(PUBLIC)
              .filter(is_latest=True, indicator__in=public_indicators())
              .order_by("indicator__code", "area__code")
              .values_list("indicator__code", "area__code", "area__name", "period", "value",
                           "target", "status", "direction", "variation", "assurance",
                           "run__finished_at"))
    rows = [dict(zip([c.name for c in STATUS], row)) for row in latest]
    return Table("status", "Latest status",
                 "Each public indicator's latest figure in each area, as the partnership's "
                 "assessment judged it.", STATUS, rows)


def _targets() -> Table:
    targets = (Target.objects.visible_to(PUBLIC).filter(indicator__in=public_indicators())
               .order_by("indicator__code", "area__code", "period_start")
               .values_list("indicator__code", "area__code", "area__name", "period", "value",
                            "kind", "baseline_period", "baseline_value", "tolerance",
                            "illustrative"))
    rows = [dict(zip([c.name for c in TARGETS], row)) for row in targets]
    return Table("targets", "Targets", "The targets of the public indicators.", TARGETS, rows)


def ward_map(indicator, period: str | None = None) -> choropleth.Choropleth:
    """The ward map of a public indicator, from its approved figures; ``NoMap`` if none."""
    figures = DataValue.objects.visible_to(PUBLIC).filter(indicator=indicator,
                                                          state=DataValue.State.APPROVED)
    return choropleth.build(indicator, figures, level=Level.WARD.value, period=period)


def _ward_figures(indicators) -> Table:
    local = set(DataValue.objects.visible_to(PUBLIC)
                .filter(state=DataValue.State.APPROVED, area__level__in=MAPPED_LEVELS)
                .values_list("indicator_id", flat=True).distinct())
    rows = []
    for indicator in indicators:
        if indicator.pk not in local:
            continue
        try:
            periods = ward_map(indicator).periods
        except choropleth.NoMap:
            continue
        for period in sorted(periods):
            try:
                drawn = ward_map(indicator, period)
            except choropleth.NoMap:
                continue
            rows += [{"indicator": indicator.code, "ward": area.code, "ward_name": area.name,
                      "period": drawn.period, "value": area.value,
                      "made": MADE[drawn.aggregated]}
                     for area in sorted(drawn.areas, key=lambda a: a.code)
                     if area.value is not None]
    return Table("ward-figures", "Ward figures",
                 "The figures on the public ward maps: each ward's own, or made from its "
                 "LSOAs' where only those are published.", WARD_FIGURES, rows)


def _packs() -> Table:
    rows = [{"pack": p.pk, "body": p.body.name, "period": p.period,
             "meeting": p.meeting.starts.date() if p.meeting else None, "format": p.format,
             "file_name": p.file_name, "size": p.size, "sha256": p.sha256,
             "issued_at": p.issued_at, "published_at": p.publication.published_at,
             "path": reverse("public:pack-download", args=[p.pk])}
            for p in published_packs()]
    return Table("packs", "Published packs",
                 "Packs the partnership's bodies issued and put on the public site.", PACKS,
                 rows)


def published_packs():
    return (Pack.objects.published().select_related("body", "meeting", "publication")
            .order_by("-issued_at", "-pk"))


def _areas(tables: dict[str, Table]) -> Table:
    codes = {row["area"] for name in ("figures", "status", "targets")
             for row in tables[name].rows}
    codes |= {row["ward"] for row in tables["ward-figures"].rows}
    found = {}
    wanted = set(codes)
    while wanted:
        areas = list(Area.objects.visible_to(PUBLIC).filter(code__in=wanted).select_related("parent")
                     .only("code", "name", "level", "parent__code"))
        for area in areas:
            found[area.code] = {"code": area.code, "name": area.name, "level": area.level,
                                "parent": area.parent.code if area.parent else None}
        wanted = {row["parent"] for row in found.values() if row["parent"]} - set(found)
    rows = sorted(found.values(), key=lambda row: row["code"])
    return Table("areas", "Areas", "Every area a figure, status, target or ward figure names.",
                 AREAS, rows)
