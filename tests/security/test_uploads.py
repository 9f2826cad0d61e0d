"""Hostile uploads: each is refused with a clear message, and nothing is written.

The corpus is made here: a workbook whose sheet inflates to hundreds of megabytes (a zip
bomb), workbooks whose XML defines entities ("billion laughs") or reads a file of the
server (an external entity), a file over the size limit, and files named to climb out of
a folder or carrying control characters. They are sent to the returns upload page, the
residents' priorities import and the spend lines upload, which all read files through
``returns.files.read_table``.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils.html import escape

from joinedup.localities.models import ResidentPriority
from joinedup.resources.models import BudgetLine
from joinedup.returns import tasks
from joinedup.returns.files import read_table
from joinedup.returns.importing import safe_file_name
from joinedup.returns.models import DataValue, Upload
from joinedup.returns.problems import UploadRejected

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
AGAIN = "Open it in Excel, save it again as .xlsx, and upload the new file."
ENTITIES = ("declares an XML document type or entities, which a workbook never has (they "
            "can expand to gigabytes or read other files)")


def _workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "values"
    sheet.append(["indicator", "area", "period", "value"])
    sheet.append(["HW 01", "E08000037", "2026-27 Q3", 12.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_part(name: str, write) -> bytes:
    """The workbook with its part ``name`` written by ``write(stream)`` instead."""
    original = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in original.infolist():
            if member.filename == name:
                with archive.open(name, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                archive.writestr(member, original.read(member))
    return out.getvalue()


def zip_bomb(megabytes: int = 300) -> bytes:
    """A sheet of a few hundred kilobytes that inflates to ``megabytes`` MB."""
    def write(stream):
        stream.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats'
                     b'.org/spreadsheetml/2006/main"><sheetData>')
        block = b" " * (1024 * 1024)
        for _ in range(megabytes):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")
    return _with_part(SHEET, write)


def _sheet_with(doctype: str, cell: str) -> bytes:
    xml = (f'<?xml version="1.0"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats'
           f'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr">'
           f'<is><t>indicator</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>'
           f'{cell}</t></is></c></row></sheetData></worksheet>')
    return _with_part(SHEET, lambda stream: stream.write(xml.encode()))


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return _sheet_with(f"<!DOCTYPE worksheet [{''.join(entities)}]>", "&lol9;")


def external_entity() -> bytes:
    return _sheet_with('<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/hostname">]>',
                       "&secret;")


def _ratio(data: bytes, name: str) -> str:
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    return f"{member.file_size / member.compress_size:,.0f}"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


def _bomb_message(bomb: bytes) -> str:
    return (f"The workbook was not opened, because its part “{SHEET}” unpacks to "
            f"{_ratio(bomb, SHEET)} times its packed size, which no spreadsheet does (a "
            f"“zip bomb”). {AGAIN}")


HOSTILE = {
    "billion laughs": (billion_laughs, f"The workbook was not opened, because its part "
                                       f"“{SHEET}” {ENTITIES}. {AGAIN}"),
    "external entity": (external_entity, f"The workbook was not opened, because its part "
                                         f"“{SHEET}” {ENTITIES}. {AGAIN}"),
}


# --- the reader ---------------------------------------------------------------------------

def test_a_zip_bomb_is_refused_before_it_is_unpacked(bomb):
    assert len(bomb) < 2 * 1024 * 1024  # small to send …
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo(SHEET).file_size > 300 * 1024 * 1024
    with pytest.raises(UploadRejected) as refused:
        read_table(bomb, "figures.xlsx")
    (problem,) = refused.value.problems
    assert (problem.file, problem.row, problem.message) == ("figures.xlsx", 0,
                                                            _bomb_message(bomb))
    # counting its rows, to choose whether to check it in the background, opens nothing
    assert tasks.count_rows(bomb, "figures.xlsx") == 0


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_workbook_whose_xml_declares_entities_is_refused(kind):
    make, message = HOSTILE[kind]
    with pytest.raises(UploadRejected) as refused:
        read_table(make(), "figures.xlsx")
    assert [p.message for p in refused.value.problems] == [message]
    assert tasks.count_rows(make(), "figures.xlsx") == 0


def test_the_unaltered_workbook_is_read():
    """The corpus is made from a good workbook: only its hostile part is refused."""
    assert read_table(_workbook(), "figures.xlsx").row(0) == (
        2, "HW 01", "E08000037", "2026-27 Q3", "12.5")


# --- the returns upload page --------------------------------------------------------------

def _upload(client, data: bytes, name: str, **fields):
    body = encode_multipart(BOUNDARY, {"round": "", **fields})
    part = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    # the file goes in as sent, name and all: the test client would tidy its name first
    body = body.replace(f"--{BOUNDARY}--".encode(), part + data + f"\r\n--{BOUNDARY}--".encode())
    return client.generic("POST", "/returns/upload/", body, content_type=MULTIPART_CONTENT)


@pytest.mark.parametrize("kind", ["zip bomb", *HOSTILE])
def test_the_upload_page_keeps_a_hostile_workbook_as_refused_and_saves_no_figure(
        kind, bomb, client_as):
    data = bomb if kind == "zip bomb" else HOSTILE[kind][0]()
    message = _bomb_message(bomb) if kind == "zip bomb" else HOSTILE[kind][1]
    figures = DataValue.objects.count()
    response = _upload(client_as("pct"), data, "figures.xlsx")
    upload = Upload.objects.get()
    assert (response.status_code, response["Location"]) == (302, upload.get_absolute_url())
    assert (upload.outcome, upload.created, upload.changed) == ("rejected", 0, 0)
    assert [p["message"] for p in upload.problems] == [message]
    assert DataValue.objects.count() == figures
    page = client_as("pct").get(upload.get_absolute_url()).content.decode()
    assert escape(message) in page


def test_a_file_over_the_size_limit_is_refused_and_not_kept(client_as, monkeypatch):
    from joinedup.returns.views import uploads

    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 4 * 1024 * 1024)
    data = b"indicator,area,period,value\n" + b"HW 01,E08000037,2026-27 Q3,1\n" * 200_000
    assert len(data) > 4 * 1024 * 1024
    response = _upload(client_as("pct"), data, "big.csv")
    assert response.status_code == 200
    assert response.context["error"] == ("The file is 6 MB; the largest the web page takes is "
                                         "50 MB. Split it, or ask your partnership officer to "
                                         "load it.")
    assert not Upload.objects.exists()


@pytest.mark.parametrize("sent, kept", [
    ("../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\windows\\win.ini.csv", "win.ini.csv"),
    ("fig\x00ures\x07.csv", "figures.csv"),
    ("figures\u202e.csv", "figures.csv"),
])
def test_a_file_name_that_climbs_folders_or_hides_characters_is_kept_as_its_last_part(
        sent, kept, client_as):
    data = b"indicator,area,period,value\nHW 01,E08000037,2026-27 Q3,oops\n"
    response = _upload(client_as("pct"), data, sent)
    upload = Upload.objects.get()
    assert (response.status_code, upload.file_name) == (302, kept)
    assert upload.outcome == "rejected"
    assert {p["file"] for p in upload.problems} == {kept}
    assert upload.content == data  # the file itself is kept in the database, as sent


@pytest.mark.parametrize("sent, kept", [
    ("fig\x00ures.csv", "figures.csv"),
    ("figures\u202e\x1b.csv", "figures.csv"),
    ("..", "file"),
    ("", "file"),
    ("x" * 300 + ".csv", "x" * 255),
])
def test_a_kept_file_is_known_by_a_safe_name(sent, kept):
    assert safe_file_name(sent) == kept


# --- the residents' priorities and the spend lines ----------------------------------------

@pytest.mark.parametrize("kind", ["zip bomb", *HOSTILE])
def test_the_priorities_import_refuses_a_hostile_workbook(kind, bomb, client_as):
    data = bomb if kind == "zip bomb" else HOSTILE[kind][0]()
    message = _bomb_message(bomb) if kind == "zip bomb" else HOSTILE[kind][1]
    before = ResidentPriority.objects.count()
    response = client_as("officer").post("/places/priorities/", {
        "form": "file", "file": _named(data, "survey.xlsx")})
    assert response.status_code == 200
    assert [p.message for p in response.context["result"].problems] == [message]
    assert ResidentPriority.objects.count() == before


@pytest.mark.parametrize("kind", ["zip bomb", *HOSTILE])
def test_the_spend_lines_upload_refuses_a_hostile_workbook(kind, bomb, client_as):
    data = bomb if kind == "zip bomb" else HOSTILE[kind][0]()
    message = _bomb_message(bomb) if kind == "zip bomb" else HOSTILE[kind][1]
    before = BudgetLine.objects.count()
    response = client_as("finance").post("/resources/lines/", {"file": _named(data,
                                                                               "spend.xlsx")})
    assert response.status_code == 400
    assert [p.message for p in response.context["result"].problems] == [message]
    assert BudgetLine.objects.count() == before


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
