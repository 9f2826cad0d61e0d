"""An operation's page and its measured impact: the page's estimate is the core's on the
same counts, said in words with its interval; a restricted operation is not found by
those outside its lead body."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from joinedup.core.impact import measure_impact
from joinedup.localities.impact import measured
from joinedup.localities.models import Commitment, Operation
from joinedup.partnership.models import Body, Organisation
from joinedup.places.models import Area
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Indicator, Outcome

pytestmark = pytest.mark.django_db
CRIME = (Path(__file__).resolve().parents[2] / "src/joinedup/demo/data/crime/"
         "lsoa_month_counts.csv")
TARGETS = ["E01008166", "E01008168", "E01008259"]   # Gateshead 027C, 027D and 007D


@pytest.fixture
def counted():
    """Anti-social behaviour by Gateshead LSOA and month, as the police would return it."""
    safer = Outcome.objects.get(title="Fewer violent crimes")
    indicator = Indicator.objects.create(
        code="SC 90", slug="sc-90", title="Anti-social behaviour incidents", outcome=safer,
        unit="incidents", decimals=0, polarity="down", frequency="monthly", kind="local",
        owner=Organisation.objects.get(slug="northumbria-police"), area_levels=["lsoa"])
    rows = pl.read_csv(CRIME).filter(pl.col("authority") == "Gateshead")
    areas = {a.code: a for a in Area.objects.filter(level="lsoa")}
    DataValue.objects.bulk_create([
        DataValue(indicator=indicator, area=areas[r["area"]], period=r["period"],
                  period_start=month(r["period"]), period_end=month(r["period"], after=True),
                  value=r["anti_social_behaviour"], state="approved")
        for r in rows.iter_rows(named=True)], batch_size=500)
    return indicator


def month(label: str, *, after: bool = False) -> dt.date:
    year, number = map(int, label.split("-"))
    if after:
        year, number = year + number // 12, number % 12 + 1
    return dt.date(year, number, 1)


def operation(indicator, *, restricted=False) -> Operation:
    made = Operation.objects.create(
        title="Operation Goldfinch, spring 2014", slug="goldfinch-2014",
        lead=Body.objects.get(slug="safer-gateshead"), starts=dt.date(2014, 4, 7),
        ends=dt.date(2014, 4, 18), follow_up=dt.date(2014, 5, 31), measured_by=indicator,
        restricted=restricted, illustrative=True)
    made.target_areas.set(Area.objects.filter(code__in=TARGETS))
    Commitment.objects.create(operation=made,
                              partner=Organisation.objects.get(slug="northumbria-police"),
                              officer_days=40, cash=0)
    return made


def test_the_pages_estimate_is_the_cores_on_the_same_counts(counted, person):
    made = operation(counted)
    found = measured(made, person("officer"))
    frame = pl.read_csv(CRIME).filter(pl.col("authority") == "Gateshead").select(
        "area", pl.col("period").str.to_date("%Y-%m"),
        pl.col("anti_social_behaviour").cast(pl.Float64).alias("count"),
        pl.col("deprivation").cast(pl.Int64))
    expected = measure_impact(frame, TARGETS, dt.date(2014, 4, 1), dt.date(2014, 5, 1),
                              matches=5).row(0, named=True)
    assert (found.estimate, found.lower95, found.upper95, found.comparison_areas) == (
        expected["estimate"], expected["lower95"], expected["upper95"],
        expected["comparison_areas"])
    change = "fewer" if expected["estimate"] < 0 else "more"
    assert found.sentence.startswith(
        f"From April 2014 to May 2014, the 3 target areas recorded "
        f"{abs(expected['estimate']):.0%} {change} anti-social behaviour incidents than their "
        f"{expected['comparison_areas']} comparison areas predict (95% interval ")
    assert [row["month"] for row in found.rows][-2:] == ["April 2014", "May 2014"]


def test_the_operation_page_shows_its_impact_commitments_and_chart(counted, client_as):
    made = operation(counted)
    page = client_as("officer").get(f"/places/operations/{made.slug}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('<svg role="img" aria-label="Anti-social behaviour incidents: the '
                      'target areas against their comparison') == 1
    assert 'data-testid="impact-table"' in text
    commitments = text[text.index('data-testid="commitments"'):]
    commitments = commitments[:commitments.index("</table>")]
    assert ('<th scope="row" class="govuk-table__header">Northumbria Police</th><td '
            'class="govuk-table__cell govuk-table__cell--numeric">40</td>') in commitments


def test_without_an_indicator_the_page_says_it_is_not_measured(counted, person):
    made = operation(None)
    assert measured(made, person("officer")).reason == (
        "The operation's impact is not measured: no indicator is named to measure it on.")


def test_a_restricted_operation_is_seen_only_by_its_lead_body_and_the_officer(counted,
                                                                              client_as):
    made = operation(counted, restricted=True)
    url = f"/places/operations/{made.slug}/"
    assert [client_as(p).get(url).status_code for p in ("officer", "police", "pct",
                                                         "theme_lead")] == [200, 200, 404, 404]
    assert made.title not in client_as("pct").get("/places/").content.decode()


def test_a_priority_shows_its_outcomes_and_the_operations_the_reader_may_see(counted,
                                                                             client_as):
    from joinedup.localities.models import ResidentPriority

    made = operation(counted, restricted=True)
    issue = ResidentPriority.objects.get(area__code="E05001076", issue="Anti-social behaviour",
                                         consultation="East Gateshead residents' survey 2009")
    issue.outcomes.set([Outcome.objects.get(title="Fewer violent crimes")])
    made.issues.set([issue])
    url = "/places/priorities/?area=E05001076"
    seen = client_as("police").get(url).content.decode()
    row = seen[seen.index("Anti-social behaviour"):]
    row = row[:row.index("</tr>")]
    assert "Fewer violent crimes; " in row
    assert f'href="/places/operations/{made.slug}/">{made.title}</a>' in row
    hidden = client_as("pct").get(url).content.decode()
    assert made.title not in hidden
    assert made.title not in client_as("pct").get("/areas/E05001076/profile/").content.decode()
