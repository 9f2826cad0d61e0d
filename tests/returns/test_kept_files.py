"""Every file sent is kept byte for byte, whatever becomes of its figures."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from joinedup.returns.importing import import_file, receive_file
from joinedup.returns.models import Upload

pytestmark = pytest.mark.django_db

# A BOM, CRLF, bytes that are not UTF-8 and a NUL: nothing is cleaned on the way in.
AWKWARD = b"\xef\xbb\xbfindicator,area,period,value\r\nHW 02,E08000037,2031/32,\xff\x00\r\n"


def test_the_file_is_kept_exactly_with_its_size_and_digest(person):
    upload = receive_file(AWKWARD * 500, "awkward.csv", user=person("pct"))
    kept = Upload.objects.get(pk=upload.pk)
    assert kept.content == AWKWARD * 500
    assert (kept.size, kept.sha256) == (len(AWKWARD) * 500,
                                        hashlib.sha256(AWKWARD * 500).hexdigest())
    assert (kept.actor, kept.file_name) == ("pct.analyst", "awkward.csv")


def test_a_rejected_file_is_kept_too(person):
    result = import_file(AWKWARD, "awkward.csv", user=person("pct"))
    assert not result.saved
    # the NUL byte makes it no text file at all
    assert [str(p) for p in result.problems] == [
        "awkward.csv:0:: This is not a text file, so it cannot be read as CSV. Send a CSV file "
        "(.csv) or an Excel workbook (.xlsx)."]
    assert Upload.objects.get(pk=result.upload.pk).content == AWKWARD
    assert result.upload.outcome == Upload.Outcome.REJECTED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's storage")
def test_on_postgresql_a_large_file_is_compressed_with_lz4(person):
    upload = receive_file(AWKWARD * 5000, "large.csv", user=person("pct"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(content), octet_length(content) "
                       "FROM returns_uploadfile WHERE upload_id = %s", [upload.pk])
        assert cursor.fetchone() == ("lz4", len(AWKWARD) * 5000)
