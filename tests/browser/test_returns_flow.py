"""A quarterly return from template to indicator page, in Chromium against the live server.

The NHS Gateshead analyst downloads the open round's Excel template, sends a copy with
two mistakes (a figure that is not a number, a period the round does not ask for), is shown
each by row and column with nothing saved, sends the corrected file and submits the two
figures. The theme lead approves them; the indicator page then shows the new figure and an
assessment whose latest point is the new period, and the figure's history says who created,
submitted and approved it. axe-core must find nothing wrong on any page on the way.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from joinedup.core.periods import parse_period
from joinedup.demo.sources import DemoSources
from joinedup.returns.columns import TEMPLATE

pytestmark = pytest.mark.browser
CATALOGUE = DemoSources().catalogue
PEOPLE = {p["username"]: p for p in CATALOGUE["person"]}
PASSWORDS = {name: p["password"] for name, p in PEOPLE.items() if p.get("password")}
HOME_AREA = CATALOGUE["partnership"]["home_area"]
THEME = next(t for t in CATALOGUE["theme"] if t["slug"] == "active-and-healthy-gateshead")
THEME_INDICATORS = {i["code"]: i for i in CATALOGUE["indicator"]
                    if i["outcome"] in THEME["outcomes"]}
OWNER, LEAD = "pct.analyst", "theme.lead"
OPEN_ROUND = re.compile(r"\d+ days? left|Deadline today")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The text of a table row's cells, as a reader sees it (visually hidden words included).
CELLS = "r => [...r.cells].map(c => c.innerText.replace(/\\s+/g, ' ').trim())"


def shown(value: float, code: str) -> str:
    """A figure as the pages print it: thousands separators, the indicator's decimals."""
    return f"{value:,.{THEME_INDICATORS[code].get('decimals', 1)}f}"


def sign_in(page, live_site, username):
    page.goto(f"{live_site}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def full_name(username: str) -> str:
    return f"{PEOPLE[username]['first_name']} {PEOPLE[username]['last_name']}"


def table_rows(table) -> list[list[str]]:
    """The text of each body row's cells (header cells included), spaces tidied."""
    return table.evaluate(f"t => [...t.tBodies[0].rows].map({CELLS})")


def figure_key(cells: list[str]) -> tuple[str, str, str]:
    """Indicator code, area name and period of a row of the figures or approvals table.

    The first cell holds the checkbox; the second starts with the code ("HW 03").
    """
    return " ".join(cells[1].split()[:2]), cells[2], cells[3]


def chosen_figure(cells: list[str], wanted: set[tuple[str, str, str]]) -> bool:
    return figure_key(cells) in wanted


def own_figures(page, live_site, wanted) -> dict[tuple[str, str, str], list[str]]:
    """The wanted figures listed on the owner's page of figures not yet approved."""
    page.goto(f"{live_site}/returns/figures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your figures to sign off")
    if not page.get_by_test_id("my-figures").count():
        return {}
    return {figure_key(row): row for row in table_rows(page.get_by_test_id("my-figures"))
            if chosen_figure(row, wanted)}


def choose(table, wanted: set[tuple[str, str, str]]) -> list[list[str]]:
    """Tick the checkboxes of the wanted figures only; the cells of the rows ticked."""
    ticked = []
    for row in table.locator("tbody tr").all():
        cells = row.evaluate(CELLS)
        box = row.locator("input[name=figure]")
        if box.count():
            box.set_checked(chosen_figure(cells, wanted))
            if chosen_figure(cells, wanted):
                ticked.append(cells)
    return ticked


def read_template(content: bytes):
    """The workbook, its figures sheet, and the rows as dicts with their sheet row numbers."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    sheet = book["values"]
    header = [cell.value for cell in sheet[1]]
    rows = []
    for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if any(c is not None for c in cells):
            rows.append({"row": number, **dict(zip(header, cells, strict=False))})
    return book, sheet, header, rows


def filled(content: bytes, figures: dict[int, dict[str, object]]) -> bytes:
    """The template with the given cells (by sheet row, then column name) filled in."""
    book, sheet, header, _ = read_template(content)
    for row, cells in figures.items():
        for name, value in cells.items():
            sheet.cell(row=row, column=header.index(name) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, axe, name: str, content: bytes, slug: str):
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload figures")
    expect(page.locator("#round")).to_have_value(slug)
    assert axe(page) == []
    page.locator("#file").set_input_files(files=[{
        "name": name, "buffer": content, "mimeType": XLSX}])
    page.get_by_role("button", name="Upload and check").click()
    expect(page).to_have_url(re.compile(r"/returns/uploads/\d+/$"))
    assert axe(page) == []


def test_owner_uploads_a_return_and_the_theme_lead_approves_it(page, live_site, axe):
    sign_in(page, live_site, OWNER)

    # the open round, found from the list of rounds
    page.get_by_role("link", name="Returns", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collection rounds")
    assert axe(page) == []
    open_rows = page.get_by_test_id("rounds-table").locator("tbody tr").filter(
        has=page.get_by_test_id("timing").filter(has_text=OPEN_ROUND))
    expect(open_rows).to_have_count(1)
    slug = open_rows.get_attribute("data-testid").removeprefix("round-")
    open_rows.get_by_role("link").click()
    expect(page).to_have_url(f"{live_site}/returns/rounds/{slug}/")
    round_name = page.get_by_role("heading", level=1).inner_text()
    assert axe(page) == []

    # 1. download the Excel template and choose two of the theme's figures to send
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Excel workbook")).click()
    template = download.value.path().read_bytes()
    name = download.value.suggested_filename
    assert name == f"{slug}-nhs-gateshead-template.xlsx"
    _, _, header, lines = read_template(template)
    assert header == list(TEMPLATE)
    assert all(line["value"] is None for line in lines), "a template comes with no figures"
    chosen = [line for line in lines if line["indicator"] in THEME_INDICATORS
              and line["area"] == HOME_AREA and line["previous_value"] is not None][:2]
    assert len(chosen) == 2, f"the open round asks {OWNER} for too few of the theme's figures"
    for line in chosen:
        step = 10 ** -THEME_INDICATORS[line["indicator"]].get("decimals", 1)
        line["new"] = round(float(line["previous_value"]) + step, 6)
    first, second = chosen
    wanted = {(line["indicator"], line["area_name"], line["period"]) for line in chosen}
    key = {line["indicator"]: (line["indicator"], line["area_name"], line["period"])
           for line in chosen}

    # 2. a file with a figure that is not a number and a period the round does not ask for
    page.get_by_role("link", name="Upload a file").click()
    wrong_period = parse_period(second["period"]).shift(1).label
    bad = filled(template, {
        first["row"]: {"value": f"about {first['new']}"},
        second["row"]: {"value": second["new"], "period": wrong_period},
    })
    upload(page, axe, name, bad, slug)
    rejected = page.url
    expect(page.get_by_test_id("upload-outcome")).to_have_text("Rejected: errors to correct")
    expect(page.get_by_test_id("problems")).to_contain_text("Nothing has been saved")
    problems = {(int(row), column): message for row, column, message, _ in
                table_rows(page.get_by_test_id("problem-table"))}
    assert set(problems) == {(first["row"], "value"), (second["row"], "period")}
    assert problems[first["row"], "value"] == f"'about {first['new']}' is not a number"
    assert problems[second["row"], "period"] == (
        f"{second['indicator']} for {HOME_AREA} in {wrong_period} is not a return expected in "
        f"{round_name}")
    summary = page.get_by_test_id("problems")
    expect(summary).to_contain_text(f"Row {first['row']}, value:")
    expect(summary).to_contain_text(f"Row {second['row']}, period:")

    assert not wanted & set(own_figures(page, live_site, wanted)), "a rejected file saved figures"
    assert axe(page) == []

    # the corrected file is saved as drafts, which are then submitted
    page.goto(rejected)
    page.get_by_role("link", name="Upload a corrected file").click()
    good = filled(template, {line["row"]: {"value": line["new"]} for line in chosen})
    upload(page, axe, name, good, slug)
    expect(page.get_by_test_id("upload-outcome")).to_have_text("Saved")
    expect(page.get_by_test_id("upload-saved")).to_contain_text("2 new, 0 changed")
    expect(page.get_by_test_id("problem-table")).to_have_count(0)
    page.get_by_role("link", name=re.compile("^See your figures")).click()
    figures = own_figures(page, live_site, wanted)
    for line in chosen:
        row = figures[key[line["indicator"]]]
        assert row[4] == shown(line["new"], line["indicator"])
        assert row[5] == "Draft"
    assert len(choose(page.get_by_test_id("my-figures"), wanted)) == 2
    page.get_by_role("button", name="Submit the chosen figures for approval").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "2 figures submitted for approval")
    figures = own_figures(page, live_site, wanted)
    assert all(figures[key][5] == "Submitted" for key in wanted)
    assert axe(page) == []
    sign_out(page)

    # 3. the theme lead approves exactly these two
    sign_in(page, live_site, LEAD)
    page.goto(f"{live_site}/returns/approvals/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Figures to approve")
    assert axe(page) == []
    waiting = page.get_by_test_id("to-approve")
    history_of = {}
    for cells in choose(waiting, wanted):
        assert cells[5] == full_name(OWNER), cells
        code, area, period = figure_key(cells)
        history_of[code] = waiting.get_by_role("link", name=f"{code} {area} {period}",
                                               exact=True).get_attribute("href")
    assert set(history_of) == {line["indicator"] for line in chosen}
    page.get_by_role("button", name="Approve the chosen figures").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "2 figures approved")
    for figure in wanted:
        expect(page.locator("main")).not_to_contain_text(" ".join(figure))

    # the figure's history: who created, submitted and approved it
    page.goto(live_site + history_of[first["indicator"]])
    expect(page.get_by_test_id("figure-value")).to_contain_text(
        shown(first["new"], first["indicator"]))
    expect(page.get_by_test_id("figure-state")).to_have_text("Approved")
    history = table_rows(page.get_by_test_id("history"))
    assert [(row[1], row[2].split()[0]) for row in history] == [
        (LEAD, "Changed"), (OWNER, "Changed"), (OWNER, "Created")], history
    assert "state: submitted → approved" in history[0][2]
    assert "state: draft → submitted" in history[1][2]
    assert "state: draft" in history[2][2]
    assert f"value: {first['new']:g}" in history[2][2]
    assert axe(page) == []

    # 4. the indicator page shows the new figure and the assessment that includes it
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=first["indicator"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        THEME_INDICATORS[first["indicator"]]["title"])
    values = page.get_by_test_id("values-table")
    areas = values.locator("thead th").all_inner_texts()
    by_period = {row[0]: row for row in table_rows(values)}
    assert by_period[first["period"]][areas.index(first["area_name"])] == shown(
        first["new"], first["indicator"])
    assessment = page.get_by_test_id("assessment-summary")
    expect(assessment).to_contain_text(
        f"{shown(first['new'], first['indicator'])} {THEME_INDICATORS[first['indicator']]['unit']}"
        f" in {first['period']}")
    expect(page.get_by_test_id("status")).not_to_be_empty()
    expect(page.get_by_test_id("direction")).not_to_be_empty()
    assert axe(page) == []
