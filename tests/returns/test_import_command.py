"""joinedup import-values: problems on stderr as PATH:ROW:COLUMN, non-zero exit, all or none."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.history.models import Change
from joinedup.returns.models import DataValue, Upload

from .helpers import GATESHEAD, csv_bytes, latest, make_round, next_label

pytestmark = pytest.mark.django_db


def write(tmp_path, lines, name="figures.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(lines))
    return path


def test_bad_rows_go_to_stderr_and_nothing_is_saved(tmp_path, capsys):
    good = f"HW 02,{GATESHEAD},{next_label('HW 02')},{latest('HW 02').value}"
    path = write(tmp_path, ["indicator,area,period,value", good, f"HW 02,{GATESHEAD},2040/41,x",
                            f"ZZ 01,{GATESHEAD},2040/41,3"])
    before = DataValue.objects.count(), Change.objects.count()
    with pytest.raises(CommandError) as raised:
        call_command("import_values", str(path), "--user", "pct.analyst")
    assert raised.value.returncode == 1
    assert "2 error(s); nothing was saved" in str(raised.value)
    err = capsys.readouterr().err.splitlines()
    assert f"{path}:3:value: 'x' is not a number" in err
    assert f"{path}:4:indicator: unknown indicator code 'ZZ 01'" in err
    assert (DataValue.objects.count(), Change.objects.count()) == before
    assert Upload.objects.get(file_name=str(path)).outcome == "rejected"


def test_a_good_file_is_saved_and_submitted_for_the_round(tmp_path, capsys, person):
    pct = person("pct")
    collection_round = make_round(["HW 02", "HW 01"], pct.organisation)
    lines = ["indicator,area,period,value"] + [
        f"{code},{GATESHEAD},{next_label(code)},{latest(code).value}" for code in ("HW 02",
                                                                                  "HW 01")]
    path = write(tmp_path, lines)
    call_command("import_values", str(path), "--user", "pct.analyst", "--round",
                 collection_round.slug, "--submit")
    shown = capsys.readouterr()
    assert re.fullmatch(rf"{re.escape(str(path))}: 2 new, 0 changed, 0 unchanged, 0 empty rows "
                        r"skipped, in \d+\.\d s; submitted for approval\n", shown.out)
    # each stage is told on stderr as it starts, so a long import is seen to be working
    stages = [line.split(": ", 1)[1].rsplit(" (", 1)[0] for line in shown.err.splitlines()]
    assert stages == ["checking as pct.analyst…", f"reading {path.stat().st_size:,} bytes…",
                      "waiting for any other upload to finish…", "checking 2 rows…",
                      "saving 2 new and 0 changed figures…"]
    saved = DataValue.objects.filter(period__in=[next_label("HW 02"), next_label("HW 01")],
                                     area__code=GATESHEAD, indicator__code__in=["HW 01",
                                                                                "HW 02"])
    assert sorted(saved.values_list("state", flat=True)) == ["submitted", "submitted"]
    for figure in saved:
        assert [c.actor for c in Change.objects.for_object(figure)] == ["pct.analyst"]


def test_outliers_need_note_and_dry_run_saves_nothing(tmp_path, capsys):
    value = latest("HW 02").value * 4
    row = f"HW 02,{GATESHEAD},{next_label('HW 02')},{value}"
    path = write(tmp_path, ["indicator,area,period,value", row])
    with pytest.raises(CommandError) as refused:
        call_command("import_values", str(path), "--user", "pct.analyst")
    assert str(refused.value) == (f"{path}: 1 warning(s) to confirm with --note; nothing was "
                                  "saved")
    # the series' other figures have median 37.2 and median absolute deviation 1.1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{path}:2:value: warning: {value} is out of line with the other figures for HW 02 in "
        "this area (outlier score 67.5); check it, and confirm it with a note if it is right")
    before = DataValue.objects.count()
    call_command("import_values", str(path), "--user", "pct.analyst", "--note", "checked",
                 "--dry-run")
    assert DataValue.objects.count() == before
    call_command("import_values", str(path), "--user", "pct.analyst", "--note", "checked")
    assert DataValue.objects.count() == before + 1


@pytest.mark.parametrize("args, words", [
    (["missing.csv", "--user", "pct.analyst"], "no such file"),
    (["{file}", "--user", "nobody"], "no active person 'nobody'"),
    (["{file}", "--user", "pct.analyst", "--round", "nope"], "no collection round 'nope'"),
])
def test_bad_arguments_are_explained(tmp_path, args, words):
    path = write(tmp_path, ["indicator,area,period,value"])
    args = [a.format(file=path) for a in args]
    with pytest.raises(CommandError, match=words):
        call_command("import_values", *args)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reimports_unchanged(tmp_path, capsys, fmt):
    """What export-values writes, import-values takes back with nothing to change."""
    out = tmp_path / f"figures.{fmt}"
    call_command("export_values", "--user", "pct.analyst", "--indicator", "HW 02",
                 "--indicator", "CY 07", "--out", str(out))
    before = DataValue.objects.count(), Change.objects.count()
    capsys.readouterr()
    call_command("import_values", str(out), "--user", "pct.analyst")
    summary = capsys.readouterr().out
    exported = DataValue.objects.filter(indicator__code__in=["HW 02", "CY 07"]).count()
    assert f"0 new, 0 changed, {exported:,} unchanged" in summary
    assert (DataValue.objects.count(), Change.objects.count()) == before
