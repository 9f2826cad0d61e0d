"""Small builders shared by the returns tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from joinedup.core.periods import PeriodError, parse_period
from joinedup.places.models import Area
from joinedup.returns.models import CollectionRound, DataValue, ExpectedReturn
from joinedup.strategy.models import Indicator

GATESHEAD = "E08000037"


def table(rows: list[dict]) -> pl.DataFrame:
    """Rows as an upload reads them: text cells and a row number (header is row 1)."""
    names = sorted({k for r in rows for k in r}, key=lambda k: list(rows[0]).index(k)
                   if k in rows[0] else 99)
    data = {"row": list(range(2, len(rows) + 2))}
    for name in names:
        data[name] = [None if r.get(name) is None else str(r[name]) for r in rows]
    return pl.DataFrame(data, schema={"row": pl.Int64, **{n: pl.String for n in names}})


def csv_bytes(lines: list[str], *, bom: bool = False, newline: str = "\n") -> bytes:
    text = newline.join(lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def latest(code: str, area: str = GATESHEAD) -> DataValue:
    return (DataValue.objects.filter(indicator__code=code, area__code=area, state="approved")
            .order_by("-period_start").first())


def next_label(code: str, area: str = GATESHEAD) -> str:
    """The period after the series' latest figure: one nobody has sent yet."""
    last = latest(code, area)
    period = parse_period(last.period)
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
    start = period.end
    end_month = start.month - 1 + months
    end = dt.date(start.year + end_month // 12, end_month % 12 + 1, 1)
    for candidate in (f"{start.year}/{str(start.year + 1)[2:]}", str(start.year)):
        try:
            found = parse_period(candidate)
        except PeriodError:
            continue
        if (found.start, found.end) == (start, end):
            return found.label
    duration = f"P{months // 12}Y" if months % 12 == 0 else f"P{months}M"
    return parse_period(f"{start.isoformat()}/{duration}").label


def make_round(codes: list[str], owner, *, slug: str = "test-round",
               deadline: dt.date = dt.date(2030, 1, 31)) -> CollectionRound:
    collection_round = CollectionRound(name="Test round", slug=slug, opens=dt.date(2020, 1, 1),
                                       deadline=deadline)
    collection_round.set_period("2029/30 Q3")
    collection_round.save()
    for code in codes:
        figures = DataValue.objects.filter(indicator__code=code, state="approved")
        area_code = GATESHEAD if figures.filter(area__code=GATESHEAD).exists() else \
            figures.latest("period_start").area.code
        line = ExpectedReturn(collection_round=collection_round,
                              indicator=Indicator.objects.get(code=code),
                              area=Area.objects.get(code=area_code), owner=owner)
        line.set_period(next_label(code, area_code))
        line.save()
    return collection_round
