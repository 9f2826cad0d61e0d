"""Checks on a workbook's zip archive before anything opens it.

An .xlsx file is a zip archive of XML documents, so a hostile one can be small to send and
enormous to open (a "zip bomb": a sheet of a few kilobytes that inflates to gigabytes), or
hold XML that expands to gigabytes or reads files of the server as it is parsed (entity
expansion, "billion laughs", and external entities). These checks run on the archive's
directory and on each XML document's prolog, before openpyxl reads any of it:

* each member's uncompressed size, and the whole archive's, are capped, and a member may
  not inflate more than ``MAX_RATIO`` times (the rule Apache POI's ``ZipSecureFile``
  applies to every workbook it opens). Python's zipfile never inflates a member beyond the
  size the archive's directory declares, so the declared sizes can be trusted;
* no XML document may declare a document type (``<!DOCTYPE``), which is where entities
  are defined: the Office Open XML standard does not allow one, and Excel never writes one
  (defusedxml's ``forbid_dtd`` rule). Only the prolog is read, up to the first element.
"""

from __future__ import annotations

import io
import zipfile
from xml.parsers import expat

#: The most one member of a workbook may inflate to: far more than Excel's largest sheet
#: of figures needs.
MAX_MEMBER_BYTES = 1024 * 1024 * 1024
#: The most the whole workbook may inflate to.
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
#: How many times bigger than its compressed size a member may be. Sheets of figures
#: compress about ten to twenty times.
MAX_RATIO = 100
#: Members smaller than this are not held to the ratio: a tiny file may compress well.
RATIO_FROM_BYTES = 1024 * 1024
_PROLOG_CHUNK = 64 * 1024


class UnsafeWorkbook(ValueError):
    """The archive would inflate too far, or its XML declares a document type."""


class _RootReached(Exception):
    pass


def check_workbook(data: bytes) -> None:
    """Raise ``UnsafeWorkbook`` saying why, if ``data`` is not safe to open as a workbook.

    A damaged archive is left for the reader to report: it is not unsafe, only unreadable.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_TOTAL_BYTES:
            raise UnsafeWorkbook(
                f"it would take {total / 1048576:,.0f} MB once unpacked, more than the "
                f"{MAX_TOTAL_BYTES // 1048576:,} MB a workbook may")
        for member in members:
            _check_size(member)
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                _check_prolog(archive, member)


def _check_size(member: zipfile.ZipInfo) -> None:
    if member.file_size > MAX_MEMBER_BYTES:
        raise UnsafeWorkbook(
            f"its part “{member.filename}” would take {member.file_size / 1048576:,.0f} MB "
            f"once unpacked, more than the {MAX_MEMBER_BYTES // 1048576:,} MB allowed")
    packed = max(member.compress_size, 1)
    if member.file_size >= RATIO_FROM_BYTES and member.file_size / packed > MAX_RATIO:
        raise UnsafeWorkbook(
            f"its part “{member.filename}” unpacks to {member.file_size / packed:,.0f} times "
            f"its packed size, which no spreadsheet does (a “zip bomb”)")


def _check_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Read the document up to its first element; refuse a document type or an entity."""
    parser = expat.ParserCreate()

    def refuse(*_args):
        raise UnsafeWorkbook(
            f"its part “{member.filename}” declares an XML document type or entities, "
            "which a workbook never has (they can expand to gigabytes or read other files)")

    def root(*_args):
        raise _RootReached

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = root
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_PROLOG_CHUNK):
                parser.Parse(chunk, False)
    except _RootReached:
        return
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, RuntimeError):
        return  # broken XML or a damaged member: the reader says the workbook is damaged
