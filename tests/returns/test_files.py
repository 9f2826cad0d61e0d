"""Reading returns files: what real exports contain, and every way a file can be refused.

The CSV reader has a fast path (polars) and a careful one (the csv module); the reference
test at the end checks the whole reader against a plain csv-module loop written here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from joinedup.returns import columns, files
from joinedup.returns.files import column_letter, read_table
from joinedup.returns.problems import UploadRejected

HEADER = "indicator,area,period,value,note"


def refused(data: bytes, name: str = "figures.csv"):
    """The problems a file is refused with (the test fails if it is read)."""
    with pytest.raises(UploadRejected) as caught:
        read_table(data, name)
    problems = caught.value.problems
    assert problems and all(p.file == name and p.is_error for p in problems)
    return problems


def only_problem(data: bytes, name: str = "figures.csv"):
    problems = refused(data, name)
    assert len(problems) == 1, problems
    return problems[0]


def workbook(rows_by_sheet: dict[str, list[tuple]], hidden: tuple[str, ...] = (),
             at: dict[str, int] | None = None) -> bytes:
    """An .xlsx file; ``at`` says on which row each sheet's first row goes."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in rows_by_sheet.items():
        sheet = book.create_sheet(title)
        start = (at or {}).get(title, 1)
        for i, row in enumerate(rows):
            for j, value in enumerate(row, start=1):
                if isinstance(value, float):
                    # Every digit, as Excel stores it (openpyxl alone would keep 16).
                    sheet.cell(row=start + i, column=j, value=repr(value)).data_type = "n"
                elif value is not None:
                    sheet.cell(row=start + i, column=j, value=value)
        if title in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- what real exports contain ----------------------------------------------------------

def test_a_csv_becomes_text_cells_named_by_their_headers_with_spreadsheet_rows():
    data = ("Indicator, Area ,Period,Value,Lower CI,Note\n"
            "HW 02,E08000037,2025/26,  21.5 ,20.1,\n"
            "HW 03,E08000037,2025/26,1,,checked\n").encode()
    table = read_table(data, "figures.csv")
    assert table.columns == ["row", "indicator", "area", "period", "value", "lower_ci", "note"]
    assert table.schema["row"] == pl.Int64
    assert all(table.schema[c] == pl.String for c in table.columns[1:])
    assert table.rows() == [
        (2, "HW 02", "E08000037", "2025/26", "21.5", "20.1", None),
        (3, "HW 03", "E08000037", "2025/26", "1", None, "checked"),
    ]


def test_a_byte_order_mark_and_crlf_line_endings_are_read_as_excel_writes_them():
    lines = [HEADER, "HW 02,E08000037,2025/26,21.5,", "HW 03,E08000037,2025/26,7,late"]
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n"
    table = read_table(data, "figures.csv")
    assert table.columns[1] == "indicator"  # not "\ufeffindicator"
    assert table["note"].to_list() == [None, "late"]
    assert table["row"].to_list() == [2, 3]


def test_old_mac_cr_line_endings_are_read():
    data = "\r".join([HEADER, "HW 02,E08000037,2025/26,21.5,", "HW 03,E08000037,2025/26,7,"])
    table = read_table(data.encode(), "figures.csv")
    assert table["value"].to_list() == ["21.5", "7"]
    assert table["row"].to_list() == [2, 3]


def test_quoted_cells_keep_commas_quotes_and_line_breaks_and_rows_stay_true():
    data = (f"{HEADER}\n"
            'HW 02,E08000037,2025/26,"1,234","a note, with ""quotes"""\n'
            'HW 03,E08000037,2025/26,5,"first line\nsecond line"\n'
            "HW 04,E08000037,2025/26,6,\n").encode()
    table = read_table(data, "figures.csv")
    assert table["value"].to_list() == ["1,234", "5", "6"]
    assert table["note"].to_list() == ['a note, with "quotes"', "first line\nsecond line", None]
    # The line break is inside row 3, as Excel shows it; HW 04 is on row 4.
    assert table["row"].to_list() == [2, 3, 4]


def test_blank_rows_are_left_out_but_later_rows_keep_their_numbers():
    data = f"{HEADER}\nHW 02,E08000037,2025/26,1,\n\n , , ,,\nHW 03,E08000037,2025/26,2,\n\n\n"
    table = read_table(data.encode(), "figures.csv")
    assert table["row"].to_list() == [2, 5]
    assert table["indicator"].to_list() == ["HW 02", "HW 03"]


def test_blank_rows_above_the_header_keep_the_true_row_numbers():
    data = f"\n\n{HEADER}\nHW 02,E08000037,2025/26,1,\n"
    assert read_table(data.encode(), "figures.csv")["row"].to_list() == [4]


def test_a_tab_separated_file_is_recognised():
    data = "indicator\tarea\tperiod\tvalue\nHW 02\tE08000037\t2025/26\t1,5\n".encode()
    table = read_table(data, "figures.txt")
    assert table.columns == ["row", "indicator", "area", "period", "value"]
    assert table["value"].to_list() == ["1,5"]


def test_semicolons_do_not_separate_cells():
    data = f"{HEADER}\nHW 02,E08000037,2025/26,1;5,see; also\n".encode()
    table = read_table(data, "figures.csv")
    assert table["value"].to_list() == ["1;5"]
    assert table["note"].to_list() == ["see; also"]


def test_a_file_separated_by_semicolons_is_refused_with_how_to_save_it():
    problem = only_problem(b"indicator;area;period;value\nHW 02;E08000037;2025/26;1\n")
    assert "semicolons" in problem.message and "CSV UTF-8" in problem.message


def test_trailing_empty_columns_are_ignored_and_unknown_columns_kept():
    data = f"{HEADER},Checked by,,\nHW 02,E08000037,2025/26,1,,Sam,,\n".encode()
    table = read_table(data, "figures.csv")
    assert table.columns == ["row", "indicator", "area", "period", "value", "note",
                             "checked_by"]
    assert table["checked_by"].to_list() == ["Sam"]


# --- files refused, and why -------------------------------------------------------------

def test_an_empty_file_is_refused():
    assert "empty" in only_problem(b"").message


@pytest.mark.parametrize("data", [b"   \r\n\n\t \n", b"\xef\xbb\xbf\n\n", b",,,\n,,\n"])
def test_a_file_of_blank_space_is_refused(data):
    problem = only_problem(data)
    assert problem.row == 0
    assert "no header row and no figures" in problem.message


def test_a_header_with_no_figures_below_it_is_refused():
    problem = only_problem(f"{HEADER}\n\n,,,,\n".encode())
    assert "no figures" in problem.message and "row 2" in problem.message


@pytest.mark.parametrize("name", ["figures.csv", "figures.txt"])
def test_a_workbook_named_as_csv_is_refused(name):
    data = workbook({"values": [("indicator", "value"), ("HW 02", 1)]})
    problem = only_problem(data, name)
    assert "Excel workbook" in problem.message and ".xlsx" in problem.message


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (b"\x00\x01\x02\x03binary\x00stuff", "not a text file"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused(data, words):
    assert words in only_problem(data).message


def test_a_word_document_is_refused_for_what_it_is():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "Word document" in only_problem(out.getvalue(), "figures.xlsx").message


@pytest.mark.parametrize("data, name", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "figures.xls"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "figures.csv"),
    (b"<html><table><tr><td>HW 02</td></tr></table></html>", "figures.xls"),
])
def test_an_old_excel_file_is_refused_with_how_to_save_it(data, name):
    message = only_problem(data, name).message
    assert ".xls" in message and "save it as .xlsx or CSV" in message


@pytest.mark.parametrize("name", ["figures.ods", "figures.json", "figures.numbers"])
def test_other_kinds_of_file_are_refused_by_extension(name):
    problem = only_problem(f"{HEADER}\nHW 02,E08000037,2025/26,1,\n".encode(), name)
    assert name.rsplit(".", 1)[1] in problem.message and "CSV" in problem.message


def test_bytes_that_are_not_utf8_are_located_and_explained():
    data = (f"{HEADER}\nHW 02,E08000037,2025/26,1,fine\n"
            "HW 03,E08000037,2025/26,2,cost \xa3 5\n").encode("cp1252")
    problem = only_problem(data)
    assert (problem.row, problem.column) == (3, "note")
    assert "UTF-8" in problem.message and "CSV UTF-8" in problem.message
    assert "0xA3" in problem.message and "£" in problem.message


def test_the_first_bad_byte_is_found_after_a_quoted_line_break():
    data = (f"{HEADER}\n" 'HW 02,E08000037,2025/26,1,"two\nlines"\n'
            "HW 03,E08000037,2025/26,2,caf\xe9\n").encode("latin-1")
    problem = only_problem(data)
    assert (problem.row, problem.column) == (3, "note")


def test_a_utf16_file_is_refused_with_how_to_save_it():
    data = f"{HEADER}\nHW 02,E08000037,2025/26,1,\n".encode("utf-16")
    message = only_problem(data).message
    assert "UTF-16" in message and "CSV UTF-8" in message


DAMAGED = ("The workbook is damaged and cannot be opened ({why}). Open it in Excel, save it "
           "again as .xlsx, and upload the new file.")
INCOMPLETE = "it may not have downloaded or saved completely"


@pytest.mark.parametrize("make, message", [
    (lambda good: good[: len(good) // 2], DAMAGED.format(why=INCOMPLETE)),  # cut short
    (lambda good: b"PK\x03\x04" + b"\x00" * 200, DAMAGED.format(why=INCOMPLETE)),
    (lambda good: _zip_with({"xl/workbook.xml": "<not-a-workbook", "[Content_Types].xml": "x"}),
     DAMAGED.format(why="its XML is broken")),
    (lambda good: f"{HEADER}\nHW 02,E08000037,2025/26,1,\n".encode(),  # text named .xlsx
     "This file is named as an Excel workbook but is not one: it is damaged, or is another "
     "kind of file renamed. Open it in Excel and save it again as .xlsx, or as CSV."),
])
def test_a_damaged_workbook_is_refused(make, message):
    good = workbook({"values": [("indicator", "value"), ("HW 02", 1)]})
    problem = only_problem(make(good), "figures.xlsx")
    assert (problem.row, problem.column, problem.message) == (0, "", message)


def _zip_with(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


def test_a_file_without_a_header_row_is_refused():
    problem = only_problem(b"HW 02,E08000037,2025/26,21.5\nHW 03,E08000037,2025/26,7\n")
    assert problem.row == 1
    assert "header row" in problem.message and "HW 02" in problem.message


def test_two_columns_with_the_same_name_are_refused():
    problem = only_problem(b"indicator,area,period,Value,note,value\nHW 02,E1,2025,1,,2\n")
    assert (problem.row, problem.column) == (1, "value")
    assert problem.message == ("Columns D and F are both headed \u201cvalue\u201d: delete or "
                               "rename one of them.")


def test_figures_under_an_empty_heading_are_refused_for_each_column():
    data = b"indicator,,period,value\nHW 02,E08000037,2025/26,1,,stray\n"
    problems = refused(data)
    letters = sorted(p.message.split()[1] for p in problems)
    assert letters == ["B", "F"]
    assert all(p.row == 1 and "no heading" in p.message for p in problems)


def test_an_empty_unheaded_column_between_others_is_left_out():
    table = read_table(b"indicator,,value\nHW 02,,1\n", "figures.csv")
    assert table.columns == ["row", "indicator", "value"]


def test_a_column_headed_row_is_refused_as_it_would_hide_the_row_numbers():
    problem = only_problem(b"Row,indicator,value\n7,HW 02,1\n")
    assert problem.column == "row"


def test_column_letters_count_as_a_spreadsheet_does():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA"]


# --- workbooks --------------------------------------------------------------------------

def test_numbers_stored_as_numbers_become_text_without_float_noise():
    rows = [("indicator", "value", "numerator", "denominator", "lower_ci"),
            ("HW 02", 12.5, 3.0, 123456789012345, 0.1 + 0.2),
            ("HW 03", -0.25, 1e-7, 7, 123456789.123)]
    table = read_table(workbook({"values": rows}), "figures.xlsx")
    assert table.rows() == [
        (2, "HW 02", "12.5", "3", "123456789012345", "0.30000000000000004"),
        (3, "HW 03", "-0.25", "1e-7", "7", "123456789.123"),
    ]
    for original, text in zip(rows[1][1:] + rows[2][1:], table.row(0)[2:] + table.row(1)[2:],
                              strict=True):
        assert float(text) == original


def test_numbers_stored_as_text_stay_as_typed():
    rows = [("indicator", "value", "note"), ("HW 02", " 12.50 ", "007"), ("HW 03", "1,234", "")]
    table = read_table(workbook({"values": rows}), "figures.xlsx")
    assert table["value"].to_list() == ["12.50", "1,234"]
    assert table["note"].to_list() == ["007", None]


def test_dates_become_iso_text_and_months_in_the_period_column():
    rows = [("indicator", "period", "note", "value", "checked"),
            ("HW 02", dt.datetime(2025, 4, 1), dt.date(2025, 4, 1), 1, True),
            ("HW 03", dt.date(2025, 4, 15), dt.datetime(2025, 6, 30, 14, 5), 2, False)]
    table = read_table(workbook({"values": rows}), "figures.xlsx")
    assert table["period"].to_list() == ["2025-04", "2025-04-15"]
    assert table["note"].to_list() == ["2025-04-01", "2025-06-30"]
    assert table["checked"].to_list() == ["TRUE", "FALSE"]


def test_blank_rows_in_a_workbook_keep_true_row_numbers():
    rows = [("indicator", "value"), ("HW 02", 1), (None, None), ("  ", None), ("HW 03", 2)]
    data = workbook({"values": rows}, at={"values": 3})
    table = read_table(data, "figures.xlsx")
    assert table["row"].to_list() == [4, 7]
    assert table["indicator"].to_list() == ["HW 02", "HW 03"]


def test_the_sheet_named_values_or_returns_is_read_else_the_first_visible():
    figures = [("indicator", "value"), ("HW 02", 1)]
    notes = [("About this file",), ("nothing to read",)]
    hidden_first = workbook({"old": [("indicator", "value"), ("XX 99", 9)], "mine": figures},
                            hidden=("old",))
    assert read_table(hidden_first, "f.xlsx")["indicator"].to_list() == ["HW 02"]
    named = workbook({"About": notes, "Returns": figures})
    assert read_table(named, "f.xlsx")["indicator"].to_list() == ["HW 02"]


def test_an_empty_sheet_is_refused():
    problem = only_problem(workbook({"values": []}), "figures.xlsx")
    assert "empty" in problem.message


def test_a_workbook_with_only_a_header_is_refused():
    problem = only_problem(workbook({"values": [("indicator", "value")]}), "figures.xlsx")
    assert "no figures" in problem.message


def test_a_workbook_header_problem_names_the_row():
    rows = [("indicator", "value", None, "Value"), ("HW 02", 1, "x", 2)]
    problems = refused(workbook({"values": rows}), "figures.xlsx")
    assert sorted((p.row, p.column) for p in problems) == [(1, ""), (1, "value")]


# --- the reader against a plain reference, and its speed -------------------------------

def reference_rows(text: str) -> tuple[list[str], list[tuple]]:
    """Header and figure rows, the obvious way: one csv-module record per spreadsheet row."""
    records = [(n, [c.strip() or None for c in r])
               for n, r in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
    records = [(n, r) for n, r in records if any(r)]
    (_, header), figures = records[0], records[1:]
    width = len(header)
    return ([columns.normalise(h) for h in header],
            [(n, *(r + [None] * width)[:width]) for n, r in figures])


cell_text = st.one_of(
    st.sampled_from(["", " ", "HW 02", "1,5", 'say "hi"', "two\nlines", "\r\n", "x\ry",
                     "12.5", "  padded ", "£ é ✓", "'", ";"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
        ",\"\n\r \t"), max_size=12),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cell_text, min_size=5, max_size=5), min_size=1, max_size=8),
       line_end=st.sampled_from(["\n", "\r\n", "\r"]), blank_lines=st.integers(0, 2),
       quote_all=st.booleans())
def test_the_reader_matches_a_plain_csv_module_reading(rows, line_end, blank_lines, quote_all):
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=line_end,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(HEADER.split(","))
    for i, row in enumerate(rows):
        writer.writerow(row)
        if i == 0:
            out.write(line_end * blank_lines)
    text = out.getvalue()
    names, expected = reference_rows(text)
    if not expected:
        refused(text.encode())
        return
    table = read_table(text.encode(), "figures.csv")
    assert table.columns == ["row", *names]
    assert table.rows() == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.lists(st.sampled_from(['x', '', ' ', 'a"b', '"q"', '"un', 'c"', '"a,b"',
                                                '"two\nlines"', '""', 'é', '""""', '"a""b"',
                                                '"\r\n"', ' "q"']),
                               min_size=1, max_size=7), min_size=1, max_size=6),
       leading=st.integers(0, 1), line_end=st.sampled_from(["\n", "\r\n"]))
def test_the_reader_matches_the_csv_module_on_hand_typed_files(lines, leading, line_end):
    """Stray quotes and ragged rows, as people type them: the same reading, or the refusal
    the plain reading calls for (figures in a column with no heading, or no figures)."""
    text = line_end * leading + line_end.join([HEADER, *(",".join(c) for c in lines)])
    names, expected = reference_rows(text)
    header_row = leading + 1
    records = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""))]
    unheaded = sorted({j for r in records[header_row:] for j, c in enumerate(r)
                       if j >= len(names) and c})
    if unheaded:
        assert [(p.row, p.column, p.message) for p in refused(text.encode())] == [
            (header_row, "", f"Column {column_letter(j)} has figures but no heading in row "
                             f"{header_row}: type its name (such as value or note) above them, "
                             "or delete the column.") for j in unheaded]
    elif not expected:
        assert only_problem(text.encode()).message == (
            "The file has a header row but no figures below it: add one row for each figure, "
            f"starting at row {header_row + 1}.")
    else:
        table = read_table(text.encode(), "figures.csv")
        assert table.columns == ["row", *names]
        assert table.rows() == [r[: len(names) + 1] for r in expected]


@pytest.mark.parametrize("text, regular", [
    ('a,b\n1,2\n', True),
    ('a,b\n"1,5","say ""hi"""\r\n"","two\nlines"\n', True),
    ('a\tb\n"x\ty"\t""""\n', True),
    ('a,b\nab"c,1\n', False),  # a quote inside an unquoted cell
    ('a,b\n"ab"c,1\n', False),  # text after the closing quote
    ('a,b\n"open,1\nx,y\n', False),  # never closed
    ('a,b\n"", x\n1, "q"\n', False),  # a space before the opening quote
])
def test_only_regular_quoting_takes_the_fast_path(text, regular):
    separator = "\t" if "\t" in text else ","
    assert files._regular_quoting(text.encode(), separator) is regular


def test_a_million_row_csv_is_read_whole():
    # How fast is measured side by side with peers in bench/import_values.py, not here.
    n = 1_000_000
    source = pl.DataFrame({
        "indicator": pl.Series([f"HW {i % 40:02d}" for i in range(40)]).sample(n, with_replacement=True, seed=1),
        "area": pl.Series([f"E0{i:07d}" for i in range(500)]).sample(n, with_replacement=True, seed=2),
        "value": pl.Series(range(n)) / 7,
        "numerator": pl.Series(range(n)),
        "denominator": pl.Series(range(n)) * 2,
    }).with_columns(period=pl.lit("2025/26 Q2"), note=pl.lit(None, pl.String),
                    state=pl.lit("draft"))
    data = source.write_csv().encode()
    table = read_table(data, "big.csv")
    assert table.height == n
    assert table["row"][-1] == n + 1
    assert table["numerator"][123_456] == "123456"
    assert table["value"][n - 1] == str((n - 1) / 7)


def test_a_cell_too_long_for_any_real_note_is_refused_with_its_row():
    # CR line endings take the careful path, where the csv module limits a cell's length.
    data = f'{HEADER}\rHW 02,E08000037,2025/26,1,"{"x" * 200_000}"\r'.encode()
    problem = only_problem(data)
    assert problem.row == 2 and "cannot be read as CSV" in problem.message


def test_bytes_that_are_not_utf8_are_located_in_a_tab_separated_file():
    data = "indicator\tarea\tnote\nHW 02\tE08000037\tcaf\xe9\n".encode("latin-1")
    problem = only_problem(data, "figures.txt")
    assert (problem.row, problem.column) == (2, "note")
