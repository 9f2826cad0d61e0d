"""``joinedup allocate``: a pot split by need from a file, with no database and no settings.

The command is called through the product's entry point (``joinedup.cli.main``), as the
``joinedup`` script calls it, and once as a separate process with no Django settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from joinedup.cli import main

WARWICKSHIRE = Path(__file__).parents[1] / "core" / "data" / "warwickshire_districts.csv"
DEMO_COPY = (Path(__file__).parents[2] / "src" / "joinedup" / "demo" / "data"
             / "warwickshire_districts.csv")

# The IMD 2019 average score × mid-2019 population, £800,000 with a £100,000 floor (worked
# by hand in tests/core/test_allocation.py): no floor binds.
WARWICKSHIRE_SPLIT = """\
area,weight,allocation,share,lower,upper,bound
E07000218,1168682.448,103702,0.1296275,100000.0,,none
E07000219,3057445.82,271299,0.33912375,100000.0,,none
E07000220,1538053.265,136477,0.17059625,100000.0,,none
E07000221,1525789.344,135389,0.16923625,100000.0,,none
E07000222,1725754.7650000001,153133,0.19141625,100000.0,,none
"""


def run(*arguments: str) -> int:
    with pytest.raises(SystemExit) as finished:
        main(["allocate", *arguments])
    return finished.value.code


def needs(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "needs.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("pot", ["800000", "£800,000", "800,000", " £800000 "])
def test_warwickshire_to_a_file_with_every_way_of_writing_the_pot(tmp_path, pot):
    out = tmp_path / "allocation.csv"
    assert run("--needs", str(WARWICKSHIRE), "--pot", pot, "--floor", "£100,000",
               "--out", str(out)) == 0
    assert out.read_text() == WARWICKSHIRE_SPLIT


def test_the_demo_copy_holds_the_same_districts(capsys):
    assert run("--needs", str(DEMO_COPY), "--pot", "800000", "--floor", "100000",
               "--out", "-") == 0
    assert capsys.readouterr().out == WARWICKSHIRE_SPLIT


def test_standard_output_ceiling_and_damping(tmp_path, capsys):
    # Weights 1 : 1 : 2 (population 10 × need). Last year 300, 300, 400; ±10% damping
    # bounds them to 270..330, 270..330 and 360..440, and a ceiling of 435 is tighter for
    # C. For £975: C's 2λ passes 435 from λ = 217.5, and A and B stay at their damped
    # floor of 270 up to λ = 270, where 435 + 270 + 270 = 975. For £1,000: C stays at 435
    # and A and B share 565, 282.5 each; the spare pound goes to A, the lower code.
    path = needs(tmp_path, "area,population,need,previous\n"
                           "C,10,2,400\nA,10,1,300\nB,10,1,300\n")
    assert run("--needs", str(path), "--pot", "975", "--ceiling", "435", "--damping", "10%",
               "--out", "-") == 0
    assert capsys.readouterr().out == (
        "area,weight,allocation,share,lower,upper,bound\n"
        "C,20.0,435,0.4461538461538462,360.0,435.0,ceiling\n"
        "A,10.0,270,0.27692307692307694,270.0,330.0,damping\n"
        "B,10.0,270,0.27692307692307694,270.0,330.0,damping\n")
    assert run("--needs", str(path), "--pot", "1000", "--ceiling", "435", "--damping", "0.1",
               "--out", "-") == 0
    assert capsys.readouterr().out == (
        "area,weight,allocation,share,lower,upper,bound\n"
        "C,20.0,435,0.435,360.0,435.0,ceiling\n"
        "A,10.0,283,0.283,270.0,330.0,none\n"
        "B,10.0,282,0.282,270.0,330.0,none\n")
    # The most the bounds allow is 435 + 330 + 330 = 1,095.
    assert run("--needs", str(path), "--pot", "1100", "--ceiling", "435", "--damping", "0.1",
               "--out", "-") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "joinedup allocate: The highest amounts allowed (the ceilings, and last year's "
        "amounts plus 10%) add up to £1,095, less than the pot of £1,100.\n"
        "Nothing was written.\n")


def test_last_years_split_as_the_basis(tmp_path, capsys):
    path = needs(tmp_path, "area,population,need,previous\nA,1,1,\"1,000\"\nB,1,1,3000\n")
    assert run("--needs", str(path), "--pot", "8000", "--basis", "previous", "--out", "-") == 0
    assert capsys.readouterr().out == (
        "area,weight,allocation,share,lower,upper,bound\n"
        "A,1000.0,2000,0.25,0.0,,none\n"
        "B,3000.0,6000,0.75,0.0,,none\n")


@pytest.mark.parametrize("text, errors", [
    ("area,population\nA,1\n",
     ["{path}:1:need: the needs file has no need column"]),
    ("# a note on the source\narea,population,need\nA,1,2\nB,x,2\nC,3,\n",
     ["{path}:4:population: 'x' is not a number",
      "{path}:5:need: empty; a number is needed"]),
    ("area,population,need\nA,-5,2\nB,3,1\n",
     ["{path}:2:population: -5 is negative; it must be zero or more"]),
    ("area,population,need\nA,1,2\nB,3,1\nA,4,4\n",
     ["{path}:4:area: A is already on line 2"]),
])
def test_bad_input_is_reported_by_line_and_column_and_nothing_is_written(
        tmp_path, capsys, text, errors):
    path = needs(tmp_path, text)
    out = tmp_path / "allocation.csv"
    assert run("--needs", str(path), "--pot", "100", "--out", str(out)) == 2
    assert capsys.readouterr().err == "\n".join(
        [e.format(path=path) for e in errors] + ["Nothing was written.", ""])
    assert not out.exists()


def test_infeasible_floors_are_refused_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "allocation.csv"
    assert run("--needs", str(WARWICKSHIRE), "--pot", "£400,000", "--floor", "100000",
               "--out", str(out)) == 2
    assert capsys.readouterr().err == (
        "joinedup allocate: The floors add up to £500,000, more than the pot of £400,000.\n"
        "Nothing was written.\n")
    assert not out.exists()


@pytest.mark.parametrize("arguments, error", [
    (["--pot", "£800,000.50"], "--pot: '£800,000.50' must be a whole number of pounds"),
    (["--pot", "lots"], "--pot: 'lots' is not an amount of money"),
    (["--pot", "100", "--damping", "5%"],
     "{path}: --damping and --basis previous need last year's amounts, in a previous column"),
])
def test_bad_options_are_refused(capsys, arguments, error):
    assert run("--needs", str(WARWICKSHIRE), *arguments, "--out", "-") == 2
    assert capsys.readouterr().err == (error.format(path=WARWICKSHIRE)
                                       + "\nNothing was written.\n")


def test_runs_as_its_own_process_with_no_django_settings():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    finished = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "allocate", "--needs", str(WARWICKSHIRE),
         "--pot", "£800,000", "--floor", "100000", "--out", "-"],
        capture_output=True, text=True, env=environment, check=False)
    assert (finished.returncode, finished.stderr) == (0, "")
    assert finished.stdout == WARWICKSHIRE_SPLIT


def test_never_imports_django():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    program = (
        "import sys\n"
        "from joinedup.cli import main\n"
        "try:\n"
        f"    main(['allocate', '--needs', {str(WARWICKSHIRE)!r}, '--pot', '800000',"
        " '--out', '-'])\n"
        "except SystemExit as finished:\n"
        "    sys.stderr.write(f'{finished.code} {\"django\" in sys.modules}')\n")
    finished = subprocess.run([sys.executable, "-c", program], capture_output=True,
                              text=True, env=environment, check=False)
    assert finished.stderr == "0 False"
