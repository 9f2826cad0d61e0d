"""The 7S questionnaire: the shipped file, its quotations from the case studies, its rules."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from joinedup.reviews.questionnaire import (
    QUESTIONNAIRE_FILE,
    SEED_DOCUMENTS,
    Question,
    QuestionnaireError,
    add_own_questions,
    load_questionnaire,
    parse_questionnaire,
)

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="the case studies are not shipped; they sit in ../shared/seeds"
)


def shipped_data() -> dict:
    with QUESTIONNAIRE_FILE.open("rb") as handle:
        return tomllib.load(handle)


def error_from(data: dict) -> str:
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(data)
    return str(caught.value)


def first_question(data: dict, element: str) -> dict:
    return next(e for e in data["elements"] if e["key"] == element)["questions"][0]


def one_line(text: str) -> str:
    return " ".join(text.split())


def seed_questions(file: str) -> list[str]:
    """The questions a case study ends with, in order, read with nothing but the text itself.

    The list runs from the heading "Questions for LSPs and their partners to consider" to
    "Further information"; list numbers, line breaks and Markdown marks are dropped, and so is
    anything after the last question mark (Leicestershire repeats a heading there).
    """
    text = one_line((SEEDS / file).read_text(encoding="utf-8"))
    found = re.search(
        r"Questions for LSPs and their partners to consider (.*?) Further information", text)
    assert found, file
    body = re.sub(r"(^|\s)\d+\.\s", " ", " " + found.group(1))
    body = re.sub(r"#+|-{3,}", " ", body).strip()  # Markdown headings and rules
    *questions, _after = body.split("?")  # what follows the last "?" is not a question
    return [part.strip() + "?" for part in questions]


# ---------------------------------------------------------------- the shipped questionnaire

def test_the_shipped_questionnaire_has_the_seven_elements_in_the_models_order():
    questionnaire = load_questionnaire()
    assert [(e.key, e.name, e.kind) for e in questionnaire.elements] == [
        ("goals", "Super-ordinate goals", "super-ordinate"),
        ("staff-and-skills", "Staff and skills", "transformational"),
        ("style", "Style", "transformational"),
        ("synergies", "Synergies", "transformational"),
        ("standards", "Standards", "transactional"),
        ("steering", "Steering", "transactional"),
        ("systems", "Systems", "transactional"),
    ]
    assert [len(e.questions) for e in questionnaire.elements] == [3, 1, 2, 1, 2, 3, 3]


def test_the_scores_run_from_not_in_place_to_embedded_and_improving():
    questionnaire = load_questionnaire()
    assert [(s.value, s.label) for s in questionnaire.scores] == [
        (1, "Not in place"),
        (2, "Just starting"),
        (3, "In place in parts"),
        (4, "In place and working"),
        (5, "Embedded and improving"),
    ]
    assert questionnaire.score_label(4) == "In place and working"


@pytest.mark.parametrize("code, element, text", [
    ("systems-1", "systems",
     "Does your LSP take a layered approach to performance and resource management?"),
    ("steering-1", "steering",
     "How well is financial management steered by the LSP to achieve local outcomes?"),
    # Sunderland's words; the issue shortens them to "How well does your LSP keep ...".
    ("systems-3", "systems", "How well does your LSP work to keep its evidence base up to date?"),
])
def test_the_questions_the_issue_quotes_sit_under_their_elements(code, element, text):
    questionnaire = load_questionnaire()
    question = questionnaire.question(code)
    assert (question.element, question.text) == (element, text)
    assert question in questionnaire.element(element).questions


def test_a_question_asked_in_four_case_studies_appears_once_naming_all_four():
    question = load_questionnaire().question("systems-1")
    assert [(s.file, s.number) for s in question.sources] == [
        ("000_bff36bf838071422.txt", 2),
        ("001_b5a86c592e0f79e6.txt", 2),
        ("002_499f9c5636e629bc.txt", 2),
        ("004_3dc59ae7c72e3142.txt", 2),
    ]
    assert question.sources[0].title == "Area forums in Gateshead Strategic Partnership"
    assert not question.is_own


@needs_seeds
def test_every_question_is_quoted_word_for_word_from_the_case_study_it_names():
    for question in load_questionnaire().questions:
        for source in question.sources:
            text = one_line((SEEDS / source.file).read_text(encoding="utf-8"))
            assert question.text in text, (question.code, source.file)
            assert source.section in text, (question.code, source.file)


@needs_seeds
@pytest.mark.parametrize("file", sorted(SEED_DOCUMENTS))
def test_every_question_each_case_study_ends_with_is_in_the_questionnaire_at_its_place(file):
    questionnaire = load_questionnaire()
    cited = sorted(
        (source.number, question.text)
        for question in questionnaire.questions
        for source in question.sources
        if source.file == file
    )
    assert [text for _, text in cited] == seed_questions(file)
    assert [number for number, _ in cited] == list(range(1, len(cited) + 1))


@needs_seeds
def test_the_seed_documents_are_the_case_studies_in_the_shared_folder():
    assert sorted(SEED_DOCUMENTS) == sorted(p.name for p in SEEDS.glob("*.txt"))


# ---------------------------------------------------------------- the rules, one at a time

def test_the_elements_must_be_the_seven_in_order():
    data = shipped_data()
    data["elements"][1], data["elements"][2] = data["elements"][2], data["elements"][1]
    assert error_from(data) == (
        "the questionnaire must have the seven elements in the model's order (goals, "
        "staff-and-skills, style, synergies, standards, steering, systems); it has (goals, "
        "style, staff-and-skills, synergies, standards, steering, systems)"
    )


def test_an_element_cannot_be_left_out():
    data = shipped_data()
    del data["elements"][3]
    assert error_from(data) == (
        "the questionnaire must have the seven elements in the model's order (goals, "
        "staff-and-skills, style, synergies, standards, steering, systems); it has (goals, "
        "staff-and-skills, style, standards, steering, systems)"
    )


def test_an_element_keeps_its_kind():
    data = shipped_data()
    data["elements"][2]["kind"] = "transactional"
    assert error_from(data) == (
        "element 'style' is transformational in the 7S model, not 'transactional'")


def test_an_element_needs_a_description():
    data = shipped_data()
    data["elements"][4]["description"] = " "
    assert error_from(data) == "element 'standards' has no description"


def test_an_element_needs_questions():
    data = shipped_data()
    data["elements"][3]["questions"] = []
    assert error_from(data) == "element 'synergies' has no questions"


def test_a_code_must_name_its_element_and_a_number():
    data = shipped_data()
    first_question(data, "steering")["code"] = "systems-9"
    assert error_from(data) == (
        "question code 'systems-9' under element 'steering' must be 'steering-' followed by "
        "a number"
    )


def test_a_code_is_used_once():
    data = shipped_data()
    first_question(data, "style")["code"] = "style-2"
    assert error_from(data) == "question code 'style-2' is used more than once"


def test_a_question_is_asked_once():
    data = shipped_data()
    first_question(data, "style")["text"] = first_question(data, "goals")["text"]
    assert error_from(data) == "question 'style-1' repeats the text of 'goals-1'"


@pytest.mark.parametrize("text,problem", [
    ("", "has no text"),
    ("Partners exploit efficiency gains.", "must end with '?'"),
    (" How well do partners work together? ", "has spaces before or after its text"),
])
def test_a_question_is_one_plain_question(text, problem):
    data = shipped_data()
    first_question(data, "synergies")["text"] = text
    assert error_from(data) == f"question 'synergies-1' {problem}"


def test_a_shipped_question_names_its_source():
    data = shipped_data()
    del first_question(data, "standards")["sources"]
    assert error_from(data) == "question 'standards-1' names no source"


def test_a_source_is_one_of_the_case_studies():
    data = shipped_data()
    first_question(data, "standards")["sources"][0]["file"] = "005_unknown.txt"
    assert error_from(data) == (
        "question 'standards-1' names '005_unknown.txt', which is not one of the seed documents"
    )


def test_a_source_names_its_section():
    data = shipped_data()
    first_question(data, "standards")["sources"][0]["section"] = ""
    assert error_from(data) == "question 'standards-1' names no section of 001_b5a86c592e0f79e6.txt"


def test_a_source_gives_the_questions_place():
    data = shipped_data()
    first_question(data, "standards")["sources"][0]["number"] = 0
    assert error_from(data) == (
        "question 'standards-1' must give its place in 001_b5a86c592e0f79e6.txt as a number from 1"
    )


def test_the_scores_are_one_to_five():
    data = shipped_data()
    del data["scores"][4]
    assert error_from(data) == "the scores must be 1, 2, 3, 4 and 5, in that order"


def test_each_score_has_a_label():
    data = shipped_data()
    data["scores"][2]["label"] = ""
    assert error_from(data) == "score 3 has no label"


def test_a_file_that_is_not_toml_is_refused(tmp_path):
    broken = tmp_path / "questionnaire.toml"
    broken.write_text("[[elements]\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"^the questionnaire is not valid TOML: "):
        load_questionnaire(broken)


# ---------------------------------------------------------------- a partnership's own questions

def test_a_partnership_adds_its_own_questions_after_the_shipped_ones():
    shipped = load_questionnaire()
    own = [
        Question(code="own-board-packs", element="style",
                 text="Do Board members read the pack before the meeting?"),
        Question(code="own-2", element="systems",
                 text="How soon after a quarter ends does the Board see its figures?"),
    ]
    extended = add_own_questions(shipped, own)
    assert [q.code for q in extended.element("style").questions] == [
        "style-1", "style-2", "own-board-packs"]
    assert [q.code for q in extended.element("systems").questions] == [
        "systems-1", "systems-2", "systems-3", "own-2"]
    assert extended.question("own-2").is_own
    assert len(extended.questions) == len(shipped.questions) + 2
    # the shipped questionnaire is unchanged
    assert len(shipped.element("style").questions) == 2
    assert extended.scores == shipped.scores


@pytest.mark.parametrize("question, message", [
    (Question(code="extra-1", element="style", text="Is it?"),
     "own question code 'extra-1' must start with 'own-' and use only lower-case letters, "
     "digits and hyphens"),
    (Question(code="own-Board", element="style", text="Is it?"),
     "own question code 'own-Board' must start with 'own-' and use only lower-case letters, "
     "digits and hyphens"),
    (Question(code="own-1", element="skills", text="Is it?"),
     "own question 'own-1' is under 'skills', which is not one of the seven elements"),
    (Question(code="own-1", element="style", text="  "),
     "question 'own-1' has no text"),
    (Question(code="own-1", element="style", text="Meetings start on time."),
     "question 'own-1' must end with '?'"),
    (Question(code="own-1", element="style",
              text="How are elected members engaged with the LSP?"),
     "question 'own-1' repeats the text of 'staff-and-skills-1'"),
])
def test_an_own_question_is_checked_as_the_shipped_ones_are(question, message):
    with pytest.raises(QuestionnaireError) as caught:
        add_own_questions(load_questionnaire(), [question])
    assert str(caught.value) == message


def test_an_own_code_is_used_once():
    own = [Question(code="own-1", element="style", text="Is the agenda sent a week ahead?"),
           Question(code="own-1", element="steering", text="Are budgets pooled?")]
    with pytest.raises(QuestionnaireError) as caught:
        add_own_questions(load_questionnaire(), own)
    assert str(caught.value) == "question code 'own-1' is used more than once"
