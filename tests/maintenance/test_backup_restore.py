"""A backup of the demo restores whole into an empty database, and a bad one is refused."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from joinedup.history.models import Change
from joinedup.maintenance import archive
from joinedup.maintenance.backup import back_up
from joinedup.maintenance.progress import QUIET
from joinedup.maintenance.restore import RestoreRefused, restore
from joinedup.partnership.models import Person
from joinedup.reports.models import PackFile
from joinedup.returns.models import DataValue, Upload, UploadFile

from .conftest import run_joinedup

pytestmark = pytest.mark.django_db

# Run in the restored database: the counts, and a figure with its history.
READ_BACK = """
import json
from joinedup.history.models import Change
from joinedup.reports.models import PackFile
from joinedup.returns.models import DataValue, UploadFile
figure = DataValue.objects.get(pk=FIGURE)
print(json.dumps({
    "figures": DataValue.objects.count(), "changes": Change.objects.count(),
    "files": sorted(bytes(f.content).hex() for f in UploadFile.objects.all())
             + sorted(bytes(f.content).hex() for f in PackFile.objects.all()),
    "figure": {f.attname: str(getattr(figure, f.attname)) for f in DataValue._meta.concrete_fields},
    "history": [[c.action, c.time.isoformat(), c.actor, c.reason, c.before, c.after]
                for c in Change.objects.for_object(figure).order_by("time", "pk")],
}))
"""


def keep_a_file() -> bytes:
    content = "indicator,area,period,value\nNI 8,E08000037,2009/10,21.4\n".encode()
    upload = Upload.objects.create(
        person=Person.objects.get(username="pct.analyst"), actor="pct.analyst",
        received_at=timezone.now(), file_name="figures.csv", size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), outcome=Upload.Outcome.SAVED)
    UploadFile.objects.store(upload, content)
    return content


def test_a_backup_restores_every_figure_history_row_and_kept_file(tmp_path, empty_database):
    keep_a_file()
    out = tmp_path / "backup.zip"
    manifest = back_up(out, steps=QUIET)
    figure = DataValue.objects.order_by("-pk").first()
    expected = {
        "figures": DataValue.objects.count(), "changes": Change.objects.count(),
        "files": sorted(bytes(f.content).hex() for f in UploadFile.objects.all())
                 + sorted(bytes(f.content).hex() for f in PackFile.objects.all()),
        "figure": {f.attname: str(getattr(figure, f.attname))
                   for f in DataValue._meta.concrete_fields},
        "history": [[c.action, c.time.isoformat(), c.actor, c.reason, c.before, c.after]
                    for c in Change.objects.for_object(figure).order_by("time", "pk")],
    }
    assert expected["figures"] > 1000 and expected["changes"] > 1000
    assert expected["history"], "the sample figure has a history"
    assert manifest["files"]["count"] == len(expected["files"]) >= 1
    assert {t["model"]: t["rows"] for t in manifest["tables"]}["returns.datavalue"] == (
        expected["figures"])

    env = {"DATABASE_URL": empty_database, "JOINEDUP_DATA_DIR": str(tmp_path),
           "SECRET_KEY": "restore-test-" * 4}
    restored = run_joinedup("restore", "--quiet", str(out), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout
    read = run_joinedup("shell", "-c", READ_BACK.replace("FIGURE", str(figure.pk)), env=env)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.strip().splitlines()[-1]) == json.loads(
        json.dumps(expected))

    again = run_joinedup("restore", "--quiet", str(out), env=env)
    assert again.returncode != 0
    assert "The database is not empty" in again.stderr
    assert "Nothing was restored." in again.stderr


@pytest.fixture
def backup(tmp_path) -> Path:
    out = tmp_path / "backup.zip"
    back_up(out, steps=QUIET)
    return out


def rewrite(path: Path, change) -> None:
    """Write the archive again with ``change(name, bytes)`` applied to each member."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, content in members:
            target.writestr(name, change(name, content))


def test_a_damaged_archive_is_refused_and_nothing_is_written(backup):
    def damage(name, content):
        if name == "data/returns.datavalue.jsonl":
            return content.replace(b'"', b"'", 1)
        return content

    rewrite(backup, damage)
    figures, changes = DataValue.objects.count(), Change.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup), "--force", "--quiet")
    assert str(refused.value) == (
        f"{backup} is damaged: the checksum of data/returns.datavalue.jsonl does not match "
        "its manifest. Nothing was restored.")
    assert (DataValue.objects.count(), Change.objects.count()) == (figures, changes)


def test_a_cut_short_archive_is_refused(backup):
    content = backup.read_bytes()
    backup.write_bytes(content[: len(content) // 2])
    with pytest.raises(CommandError, match="is not a readable JoinedUp backup"):
        call_command("restore", str(backup), "--quiet")


def test_a_database_holding_data_is_refused_without_force(backup):
    with pytest.raises(RestoreRefused) as refused:
        restore(backup, steps=QUIET)
    assert str(refused.value).startswith("The database is not empty (")
    assert "add --force to replace everything in it" in str(refused.value)


def test_a_backup_from_a_newer_release_is_refused(backup):
    def from_the_future(name, content):
        if name != archive.MANIFEST:
            return content
        manifest = json.loads(content)
        manifest["migrations"]["returns"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    rewrite(backup, from_the_future)
    with pytest.raises(RestoreRefused, match="made by a newer release of JoinedUp"):
        restore(backup, steps=QUIET, force=True)


def test_the_manifest_describes_the_archive(backup):
    with zipfile.ZipFile(backup) as made:
        manifest = json.loads(made.read(archive.MANIFEST))
        names = set(made.namelist()) - {archive.MANIFEST}
    assert manifest["format"] == "joinedup-backup" and manifest["version"] == 1
    assert set(manifest["members"]) == names
    assert "returns" in manifest["migrations"] and manifest["vendor"] in {"sqlite",
                                                                          "postgresql"}
    assert all(t["member"] in names for t in manifest["tables"])
    assert not backup.with_name(backup.name + ".partial").exists()
