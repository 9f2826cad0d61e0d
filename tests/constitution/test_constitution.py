"""Each body's constitution, kept with versions: the pages, the API and the demo."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from joinedup.constitution import keeping
from joinedup.constitution.models import CharterEntry, Document, DocumentVersion
from joinedup.history.reading import history_of
from joinedup.partnership.models import Body

pytestmark = pytest.mark.django_db

BOARD, THEME = "gsp-board", "active-healthy-gateshead"


def test_the_demo_gives_every_body_terms_and_rules_and_the_board_two_versions():
    bodies = Body.objects.count()
    assert Document.objects.filter(kind="terms").count() == bodies
    assert Document.objects.filter(kind="membership").count() == bodies
    assert list(Document.objects.filter(kind="conduct").values_list("body__slug", flat=True)) \
        == [BOARD]
    terms = Document.objects.get(body__slug=BOARD, kind="terms")
    assert list(terms.versions.values_list("number", flat=True)) == [2, 1]
    assert "decision half" not in terms.versions.get(number=1).text
    assert "two halves" in terms.current().text


def test_a_body_without_a_code_of_conduct_is_bound_by_the_boards():
    theme = Body.objects.get(slug=THEME)
    binding = keeping.in_force(theme, "conduct")
    assert binding == DocumentVersion.objects.get(document__body__slug=BOARD,
                                                  document__kind="conduct", number=1)
    assert keeping.in_force(theme, "terms").document.body == theme


def test_anyone_reads_the_constitution_and_old_versions(client_as):
    client = client_as(None)
    index = client.get(reverse("constitution:index")).content.decode()
    assert all(escape(body.name) in index for body in Body.objects.all())
    page = client.get(reverse("constitution:body", args=[BOARD])).content.decode()
    terms = Document.objects.get(body__slug=BOARD, kind="terms")
    assert "Write a new version" not in page
    assert terms.current().reason in page
    old = client.get(reverse("constitution:version", args=[BOARD, "terms", 1]))
    assert old.status_code == 200
    text = old.content.decode()
    assert "This version has been replaced" in text
    assert "Read version 2, in force" in text
    assert client.get(reverse("constitution:version", args=[BOARD, "terms", 3])).status_code \
        == 404
    assert client.get(reverse("constitution:charter")).status_code == 302


def test_the_officer_writes_a_new_version_and_the_old_one_stays(client_as, person):
    url = reverse("constitution:write", args=[THEME, "terms"])
    assert client_as("theme_lead").get(url).status_code == 403
    client = client_as("officer")
    document = Document.objects.get(body__slug=THEME, kind="terms")
    first = document.current()
    # a mistake: no reason. The page says so, and keeps the text typed.
    answer = client.post(url, {"text": "New terms of reference, carefully typed.", "reason": ""})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "There is a problem" in html and "Say why the document is changed." in html
    assert "New terms of reference, carefully typed." in html
    assert document.versions.count() == 1
    answer = client.post(url, {"text": "New terms of reference, carefully typed.",
                               "reason": "The theme took on the physical activity strategy."})
    assert answer["Location"] == reverse("constitution:body", args=[THEME])
    assert list(document.versions.values_list("number", "text")) == [
        (2, "New terms of reference, carefully typed."), (1, first.text)]
    second = document.current()
    assert (second.written_by, second.reason) == (
        person("officer"), "The theme took on the physical activity strategy.")
    assert [(c.action, c.person, c.reason) for c in history_of(second, person("officer"))] == [
        ("create", person("officer"), "The theme took on the physical activity strategy.")]
    page = client.get(reverse("constitution:body", args=[THEME])).content.decode()
    assert "New terms of reference, carefully typed." in page
    assert client.get(first.get_absolute_url()).content.decode().count(first.text[:60]) == 1


def test_the_same_text_again_is_refused(person):
    document = Document.objects.get(body__slug=THEME, kind="membership")
    with pytest.raises(ValidationError) as refused:
        keeping.write_version(document.body, "membership", document.current().text,
                              reason="No change", person=person("officer"))
    assert refused.value.message_dict == {"text": [
        "The text is the same as the version in force: change it, or leave it as it is."]}


def test_the_charter_page_lists_entries_now_and_before(client_as):
    html = client_as("police").get(reverse("constitution:charter")).content.decode()
    assert 'data-testid="current"' in html and 'data-testid="past"' in html
    past = CharterEntry.objects.past().get()
    assert past.end_reason in html
    assert "Add an entry" not in html
    officer = client_as("officer").get(reverse("constitution:charter")).content.decode()
    assert "Add an entry" in officer
    assert "The information-sharing charter first agreed." in officer  # the history


def test_a_bad_entry_comes_back_with_what_was_typed(client_as):
    client = client_as("officer")
    before = CharterEntry.objects.count()
    answer = client.post(reverse("constitution:charter"), {
        "provider": "", "data": "indicators", "purpose": "Typed purpose kept",
        "agreed_by": "", "starts_day": "31", "starts_month": "2", "starts_year": "2010",
        "reason": "Typed reason kept"})
    assert answer.status_code == 200
    html = answer.content.decode()
    for message in ("Choose the partner that shares its data.",
                    "Say who agreed it, such as the Board at its meeting of 12 May 2009.",
                    "The start date must be a real date, such as 1 4 2009"):
        assert message in html
    assert "Typed purpose kept" in html and "Typed reason kept" in html
    assert CharterEntry.objects.count() == before
