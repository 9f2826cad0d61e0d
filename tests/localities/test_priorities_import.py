"""Residents' priorities from a file: every row checked before anything is saved, each
problem with its row and column; a forum member enters only their forum's areas."""

from __future__ import annotations

import pytest

from joinedup.history.models import Change
from joinedup.localities.models import ResidentPriority
from joinedup.localities.priorities import import_priorities_file
from joinedup.partnership.models import Person

pytestmark = pytest.mark.django_db

HEADER = "area,issue,consultation,collected_on,count,sample_size,outcomes\n"
FELLING, BRIDGES = "E05001076", "E05001069"   # East Gateshead's ward; Central's


def person(username: str) -> Person:
    return Person.objects.get(username=username)


def test_a_survey_is_imported_and_ranked_with_its_sample():
    data = (HEADER + f"{FELLING},Anti-social behaviour,Felling survey 2009,2009-03-01,212,"
            "540,Fewer violent crimes\n"
            f"{FELLING},Litter and fly-tipping,Felling survey 2009,2009-03-01,150,540,\n")
    before = ResidentPriority.objects.count()
    result = import_priorities_file(data.encode(), "felling.csv", person=person("cllr.east"))
    assert (result.problems, result.saved) == ([], 2)
    saved = ResidentPriority.objects.get(issue="Anti-social behaviour", area__code=FELLING,
                                         consultation="Felling survey 2009")
    assert (saved.source, saved.count, saved.sample_size, saved.entered_by.username) == (
        "survey", 212, 540, "cllr.east")
    assert ResidentPriority.objects.count() == before + 2
    assert Change.objects.for_object(saved).get().reason == "Imported from felling.csv"


def test_one_wrong_row_saves_nothing_and_each_problem_is_located():
    data = (HEADER + f"{FELLING},Speeding,Felling survey 2009,2009-03-01,30,540,\n"
            f"{BRIDGES},Parking,Felling survey 2009,2009-03-01,12,,\n"
            f"{FELLING},Noise,Felling survey 2009,12/03/2009,x,5,No such outcome\n"
            f"{FELLING},Speeding,Felling survey 2009,2009-03-01,31,20,\n")
    before = ResidentPriority.objects.count()
    result = import_priorities_file(data.encode(), "bad.csv", person=person("cllr.east"))
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "area", f"{BRIDGES} is outside the areas of your area forums"),
        (4, "collected_on", "“12/03/2009” is not a date such as 2009-03-12"),
        (4, "count", "“x” is not a whole number"),
        (4, "outcomes", "there is no outcome “No such outcome”"),
        (5, "sample_size", "20 answered, but 31 raised the issue"),
    ]
    assert (result.saved, ResidentPriority.objects.count()) == (0, before)


def test_the_same_issue_twice_in_a_file_is_refused():
    data = (HEADER + f"{FELLING},Speeding,Felling survey 2009,2009-03-01,30,540,\n"
            f"{FELLING},Speeding,Felling survey 2009,2009-03-01,31,540,\n")
    result = import_priorities_file(data.encode(), "twice.csv", person=person("officer"))
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "issue", "the same issue is on row 2")]


def test_a_missing_column_and_an_unreadable_file_are_explained():
    result = import_priorities_file(b"area,issue\nE05001076,Speeding\n", "short.csv",
                                    person=person("officer"))
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (1, "consultation", "this column is missing"),
        (1, "collected_on", "this column is missing"),
        (1, "count", "this column is missing")]
    result = import_priorities_file(b"%PDF-1.4 ...", "survey.pdf", person=person("officer"))
    assert (result.saved, [(p.row, p.column, p.message) for p in result.problems]) == (0, [
        (0, "", "This file is a PDF document, not a returns file. Send a CSV file (.csv) or "
                "an Excel workbook (.xlsx).")])


def test_importing_again_replaces_the_count():
    first = HEADER + f"{FELLING},Speeding,Felling survey 2009,2009-03-01,30,540,\n"
    again = HEADER + f"{FELLING},Speeding,Felling survey 2009,2009-03-01,45,540,\n"
    import_priorities_file(first.encode(), "a.csv", person=person("officer"))
    import_priorities_file(again.encode(), "b.csv", person=person("officer"))
    assert list(ResidentPriority.objects.filter(issue="Speeding", area__code=FELLING)
                .values_list("count", flat=True)) == [45]
