"""The partnership's money, as the chair of the Finance Officers' Group works with it in
Chromium against the live server.

The finance officer opens Resources from the service navigation and reads the year's
budget against actual; downloads the CSV spend return for the year, adds a district line
to be spread over the wards by population, and sends it (first with a cell that is not an
amount, which is shown by file, row and column with nothing saved, then corrected); compares
two of the neighbourhood fund's allocation scenarios and agrees the one by need; reads
resources against performance for one theme; and, on a phone-sized screen, finds the
comparison and the performance page no wider than the screen. axe-core must find nothing
wrong on any page on the way.

The tests share one live server and so one database. Each starts from what any of the
others may have left: the agreement is idempotent for its stream and year, and the spend
return's expected counts come from the template downloaded in the same test.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from decimal import Decimal
from importlib import resources as package_files

import pytest
from playwright.sync_api import expect

# Signing in is the same walk as in the returns flow.
from test_returns_flow import CATALOGUE, sign_in, table_rows

pytestmark = pytest.mark.browser

FINANCE = "finance.officer"
MONEY = tomllib.loads((package_files.files("joinedup.demo") / "data" / "resources.toml")
                      .read_text(encoding="utf-8"))
YEAR = MONEY["years"][-1]
QUARTERS_REPORTED = MONEY["quarters_reported_in_latest_year"]
FUND = MONEY["neighbourhood_fund"][0]
#: Each scenario's basis, as the amounts table heads its column, by the scenario's name.
BASES = {f"{FUND['name']}: {basis}": basis
         for basis in ("Equal shares", "By population", "By need (population × need)")}
EQUAL, BY_POPULATION, BY_NEED = BASES
GROUP = f"Neighbourhood fund, {FUND['year']}"
WARDS = sorted(ward for locality in CATALOGUE["locality"] for ward in locality["wards"])
THEMES = {t["slug"]: t["name"] for t in CATALOGUE["theme"]}
THEME = "safer-gateshead"
#: The spend return's columns, in the order a template and an export give them.
COLUMNS = ["partner", "stream", "theme", "outcome", "area", "financial_year", "arrangement",
           "pool", "budget", "actual_q1", "actual_q2", "actual_q3", "actual_q4",
           "apportioned_by", "description", "illustrative"]
NEW_LINE = {
    "partner": "gateshead-council", "stream": "gateshead-council-revenue", "theme": THEME,
    "outcome": "Fewer violent crimes", "area": "E08000037", "financial_year": YEAR,
    "arrangement": "aligned", "pool": "", "budget": "22000.00", "actual_q1": "5000",
    "actual_q2": "", "actual_q3": "", "actual_q4": "", "apportioned_by": "population",
    "description": "Test aligned line", "illustrative": "yes",
}
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def resources_link(page, name: str):
    return page.get_by_role("navigation", name="Resources pages").get_by_role(
        "link", name=name, exact=True)


def read_csv(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return list(reader.fieldnames), list(reader)


def write_csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def send(page, name: str, content: bytes):
    page.get_by_label("File of spend lines").set_input_files(files=[{
        "name": name, "buffer": content, "mimeType": "text/csv"}])
    page.get_by_role("button", name="Upload and check").click()


def line_count(count: int) -> str:
    return (f"{count:,} lines. Download them: CSV or Excel (the file imports again "
            "unchanged).")


def whole_pounds(text: str) -> int:
    """£45,455 (floor) → 45455."""
    return int(re.match(r"£([\d,]+)", text).group(1).replace(",", ""))


def most_deprived_fifth(rows: list[tuple[int, int]]) -> float:
    """Of (population, amount) pairs, most deprived first: the amount that goes to the
    most deprived fifth of the people, the pair on the line counting in proportion."""
    line = sum(population for population, _ in rows) / 5
    before, total = 0, 0.0
    for population, amount in rows:
        total += amount * min(max((line - before) / population, 0.0), 1.0)
        before += population
    return total


def test_the_years_money_shows_budget_against_actual(page, live_site, axe):
    sign_in(page, live_site, FINANCE)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Resources", exact=True).click()
    expect(page).to_have_url(f"{live_site}/resources/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"The partnership's money, {YEAR}")
    expect(page.locator("#monitoring")).to_have_text(
        f"Budget against actual, as at quarter {QUARTERS_REPORTED}")
    expect(page.get_by_test_id("monitoring-by-theme").locator("caption")).to_have_text(
        "By theme")
    assert axe(page) == []

    # The finance officers' group sees the finance exceptions too.
    page.goto(f"{live_site}/exceptions/finance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Finance exceptions")
    assert axe(page) == []


def test_the_spend_return_from_template_to_saved_lines(page, live_site, axe):
    sign_in(page, live_site, FINANCE)
    page.goto(f"{live_site}/resources/")
    resources_link(page, "Spend lines and the spend return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spend lines")
    count_before = int(page.get_by_test_id("line-count").inner_text().split()[0]
                       .replace(",", ""))
    assert axe(page) == []

    # the CSV template for the year: the partner's own lines, to update
    template_paragraph = page.locator("p", has_text="Download the template for")
    with page.expect_download() as download:
        template_paragraph.get_by_role("link", name="CSV", exact=True).click()
    assert download.value.url == f"{live_site}/resources/template.csv?year={YEAR}"
    name = download.value.suggested_filename
    assert name == f"spend-return-{YEAR.replace('/', '-')}.csv"
    header, template = read_csv(download.value.path().read_bytes())
    assert header == COLUMNS
    assert {row["partner"] for row in template} == {"gateshead-council"}
    assert {row["financial_year"] for row in template} == {YEAR}
    assert [row for row in template if row["description"] == NEW_LINE["description"]] == []
    wards = sorted({row["area"] for row in template})
    assert len(wards) == len(WARDS)

    # one cell that is not an amount: shown by file, row and column, and nothing saved
    bad_row = 7
    bad = [dict(row) for row in template] + [NEW_LINE]
    bad[bad_row - 2]["budget"] = "twelve thousand"
    send(page, name, write_csv(header, bad))
    expect(page).to_have_title(re.compile("^Error: Spend lines"))
    expect(page.get_by_test_id("problems").locator("li")).to_have_text([
        f"{name}:{bad_row}:budget: 'twelve thousand' is not an amount in pounds"])
    expect(page.locator("#file-error")).to_have_text(
        "Error: The file has 1 problem: see the list at the top of the page.")
    expect(page.get_by_test_id("line-count")).to_have_text(line_count(count_before))
    assert axe(page) == []

    # corrected: the district line is spread over the wards, the template's rows unchanged
    send(page, name, write_csv(header, [*template, NEW_LINE]))
    expect(page.get_by_test_id("saved")).to_have_text(
        f"The spend return is saved: {len(WARDS)} new lines, 0 changed, "
        f"{len(template)} unchanged.")
    expect(page.get_by_test_id("line-count")).to_have_text(
        line_count(count_before + len(WARDS)))
    assert axe(page) == []

    # the ward lines add up to the district's amounts to the penny
    export = page.request.get(f"{live_site}/resources/lines.csv",
                              params={"year": YEAR, "partner": "gateshead-council"})
    assert export.status == 200
    _, exported = read_csv(export.body())
    made = [row for row in exported if row["description"] == NEW_LINE["description"]]
    assert sorted(row["area"] for row in made) == wards
    assert sum(Decimal(row["budget"]) for row in made) == Decimal("22000.00")
    assert sum(Decimal(row["actual_q1"]) for row in made) == Decimal("5000.00")
    assert {(row["stream"], row["theme"], row["outcome"], row["arrangement"],
             row["apportioned_by"], row["actual_q2"], row["illustrative"]) for row in made} == {
        ("gateshead-council-revenue", THEME, "Fewer violent crimes", "aligned", "population",
         "", "yes")}

    # the same file again changes nothing
    page.goto(f"{live_site}/resources/lines/")
    send(page, name, write_csv(header, [*template, NEW_LINE]))
    expect(page.get_by_test_id("saved")).to_have_text(
        f"The spend return is saved: 0 new lines, 0 changed, "
        f"{len(template) + len(WARDS)} unchanged.")


def only_equal_and_by_need(group) -> None:
    """Leave only two of the group's scenarios chosen: equal shares and by need."""
    boxes = group.locator("input[name=scenario]")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        label = group.locator(f"label[for={box.get_attribute('id')}]").inner_text()
        if not label.startswith((f"{EQUAL}:", f"{BY_NEED}:")):
            box.uncheck()


def test_two_scenarios_compared_and_the_one_by_need_agreed(page, live_site, axe):
    sign_in(page, live_site, FINANCE)
    page.goto(f"{live_site}/resources/")
    resources_link(page, "Allocating by need").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allocating a pot by need")
    group = page.locator("form").filter(has=page.get_by_role("heading", name=GROUP,
                                                             exact=True))
    expect(group.locator("input[name=scenario]")).to_have_count(5)
    only_equal_and_by_need(group)
    expect(group.locator("input[name=scenario]:checked")).to_have_count(2)
    assert axe(page) == []
    group.get_by_role("button", name=f"Compare these scenarios for {GROUP}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compare allocation scenarios")
    amounts = page.get_by_test_id("scenario-amounts")
    header = amounts.locator("thead th").all_inner_texts()
    # last year's amounts stand beside the scenarios, which all know them
    assert header[:4] == ["Area", "Population", "Need", "Last year"]
    assert sorted(header[4:]) == sorted([BASES[EQUAL], BASES[BY_NEED]])
    rows = table_rows(amounts)
    assert sorted(row[0] for row in rows) == WARDS
    column = {name: header.index(BASES[name]) for name in (EQUAL, BY_NEED)}
    pot = int(FUND["pot"])
    for name, index in column.items():
        assert sum(whole_pounds(row[index]) for row in rows) == pot, name

    # the most deprived fifth of people, from the page's own table (most deprived first)
    expected = {}
    for name, index in column.items():
        fifth = most_deprived_fifth([(int(row[1].replace(",", "")), whole_pounds(row[index]))
                                     for row in rows])
        expected[name] = [name, f"£{pot:,}", f"£{fifth:,.0f} ({fifth / pot * 100:.1f}%)"]
    summary = {row[0]: row[:3] for row in table_rows(page.get_by_test_id("scenario-summary"))}
    assert summary == expected
    expect(page.get_by_role("img", name=re.compile(r"^Map of "))).to_have_count(2)
    assert axe(page) == []

    page.get_by_role("radio", name=BY_NEED, exact=True).check()
    page.get_by_role("button", name="Agree this scenario").click()
    expect(page.get_by_test_id("agreed")).to_have_text(
        f"The scenario is agreed: its {len(WARDS)} amounts are now aligned budget lines.")
    states = {row[0]: row[3] for row in table_rows(page.get_by_test_id("scenario-summary"))}
    assert states == {EQUAL: "Draft", BY_NEED: "Agreed"}
    assert axe(page) == []


def test_resources_against_performance_for_one_theme(page, live_site, axe):
    sign_in(page, live_site, FINANCE)
    page.goto(f"{live_site}/resources/")
    resources_link(page, "Resources against performance").click()
    assert axe(page) == []
    page.get_by_label("Financial year", exact=True).select_option(YEAR)
    page.get_by_label("Theme", exact=True).select_option(label=THEMES[THEME])
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(
        f"{live_site}/resources/performance/?year={YEAR.replace('/', '%2F')}&theme={THEME}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Resources against performance, {YEAR}")
    expect(page.get_by_role("img", name=(
        f"Ward map of spend per head on {THEMES[THEME]}, in five classes of equal count; "
        "the table gives the figures."), exact=True)).to_be_visible()
    expect(page.get_by_role("img", name=(
        "Scatter of need against spend per head, one mark per ward and theme, shaped and "
        "coloured by whether any of the theme's indicators is improving there; the table "
        "gives the figures."), exact=True)).to_be_visible()
    rows = table_rows(page.get_by_test_id("resources-table"))
    assert sorted(row[0] for row in rows) == WARDS
    assert {row[1] for row in rows} == {THEMES[THEME]}
    to_question = sum(1 for row in rows if row[7] != "–")
    expect(page.locator("#quadrants")).to_have_text(f"Cells to question ({to_question})")
    assert axe(page) == []


def test_the_comparison_and_performance_pages_fit_a_phone(browser, live_site):
    widths = {}
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_site, FINANCE)
        page.goto(f"{live_site}/resources/allocations/")
        group = page.locator("form").filter(has=page.get_by_role("heading", name=GROUP,
                                                                 exact=True))
        only_equal_and_by_need(group)
        group.get_by_role("button", name=f"Compare these scenarios for {GROUP}").click()
        expect(page.get_by_test_id("scenario-amounts")).to_be_visible()
        compare = page.url
        pages = {"compare": compare,
                 "performance": f"{live_site}/resources/performance/?year={YEAR}&theme={THEME}"}
        for name, url in pages.items():
            page.goto(url)
            page.screenshot(path=f"/tmp/resources-{name}-{viewport['width']}.png",
                            full_page=True)
            if viewport == PHONE:
                widths[name] = page.evaluate("document.documentElement.scrollWidth")
        context.close()
    # No sideways scrolling of the page itself: wide tables scroll in their own region.
    assert widths == {"compare": PHONE["width"], "performance": PHONE["width"]}
