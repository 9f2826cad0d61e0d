"""The 7S self-assessment questionnaire, read from data and checked.

The questionnaire lives in ``questionnaire.toml`` beside this module: the seven elements of
the public sector 7S model in the model's order, the questions under each, and the labels of
the scores 1 to 5. The shipped questions are the ones the Audit Commission's 2009 case
studies on local strategic partnerships end with, each naming the case study it comes from.
A partnership may add its own questions, whose codes start with ``own-``.

Reading the file checks it, and any fault raises :class:`QuestionnaireError` naming the
element or question code and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

QUESTIONNAIRE_FILE = Path(__file__).with_name("questionnaire.toml")

#: The seven elements in the model's order: the goals, then the transformational elements,
#: then the transactional ones.
ELEMENT_KINDS: tuple[tuple[str, str], ...] = (
    ("goals", "super-ordinate"),
    ("staff-and-skills", "transformational"),
    ("style", "transformational"),
    ("synergies", "transformational"),
    ("standards", "transactional"),
    ("steering", "transactional"),
    ("systems", "transactional"),
)
ELEMENT_KEYS: tuple[str, ...] = tuple(key for key, _ in ELEMENT_KINDS)

#: The case studies the shipped questions are quoted from, by file name.
SEED_DOCUMENTS: Mapping[str, str] = {
    "000_bff36bf838071422.txt": "Area forums in Gateshead Strategic Partnership",
    "001_b5a86c592e0f79e6.txt": "Layered performance management in Sunderland City Partnership",
    "002_499f9c5636e629bc.txt":
        "Neighbourhood working in Blackburn with Darwen Strategic Partnership",
    "003_927d3508c2461f4b.txt": "Narrowing the gap — Warwickshire Public Service Board",
    "004_3dc59ae7c72e3142.txt": "Influencing mainstream resources in Leicestershire Together",
}

SCORE_VALUES = (1, 2, 3, 4, 5)
OWN_PREFIX = "own-"
_OWN_CODE = re.compile(r"own-[a-z0-9]+(?:-[a-z0-9]+)*")


class QuestionnaireError(ValueError):
    """The questionnaire, or a question added to it, breaks one of its rules."""


@dataclass(frozen=True)
class Source:
    """Where a shipped question is quoted from: a case study, its heading and the place."""

    file: str
    section: str
    number: int

    @property
    def title(self) -> str:
        return SEED_DOCUMENTS[self.file]


@dataclass(frozen=True)
class Question:
    """One question, scored 1 to 5. A partnership's own questions have no sources."""

    code: str
    text: str
    element: str
    sources: tuple[Source, ...] = ()

    @property
    def is_own(self) -> bool:
        return self.code.startswith(OWN_PREFIX)


@dataclass(frozen=True)
class Element:
    """One of the seven elements of the model, with its questions in order."""

    key: str
    name: str
    kind: str
    description: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Score:
    value: int
    label: str


@dataclass(frozen=True)
class Questionnaire:
    elements: tuple[Element, ...]
    scores: tuple[Score, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for element in self.elements for q in element.questions)

    def element(self, key: str) -> Element:
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(key)

    def question(self, code: str) -> Question:
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)

    def score_label(self, value: int) -> str:
        return self.scores[SCORE_VALUES.index(value)].label


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """Read and check the questionnaire; the shipped one unless ``path`` is given."""
    with (path or QUESTIONNAIRE_FILE).open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise QuestionnaireError(f"the questionnaire is not valid TOML: {error}") from None
    return parse_questionnaire(data)


def parse_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """Check the questionnaire read from TOML and build it."""
    scores = _scores(data.get("scores"))
    raw_elements = data.get("elements")
    if not isinstance(raw_elements, list):
        raise QuestionnaireError("the questionnaire has no [[elements]]")
    keys = tuple(raw.get("key") if isinstance(raw, Mapping) else None for raw in raw_elements)
    if keys != ELEMENT_KEYS:
        raise QuestionnaireError(
            "the questionnaire must have the seven elements in the model's order ("
            + ", ".join(ELEMENT_KEYS) + "); it has (" + ", ".join(map(str, keys)) + ")"
        )
    elements = tuple(
        _element(raw, kind) for raw, (_, kind) in zip(raw_elements, ELEMENT_KINDS, strict=True)
    )
    _check_unique(q for element in elements for q in element.questions)
    return Questionnaire(elements=elements, scores=scores)


def add_own_questions(
    questionnaire: Questionnaire, questions: Iterable[Question]
) -> Questionnaire:
    """A new questionnaire with a partnership's own questions after each element's shipped ones.

    Own questions are checked as the shipped ones are, and their codes must start with
    ``own-`` (lower-case letters, digits and hyphens).
    """
    added: dict[str, list[Question]] = {key: [] for key in ELEMENT_KEYS}
    for question in questions:
        if not _OWN_CODE.fullmatch(question.code):
            raise QuestionnaireError(
                f"own question code {question.code!r} must start with 'own-' and use only "
                "lower-case letters, digits and hyphens"
            )
        if question.element not in added:
            raise QuestionnaireError(
                f"own question {question.code!r} is under {question.element!r}, "
                "which is not one of the seven elements"
            )
        _check_text(question.code, question.text)
        added[question.element].append(question)
    elements = tuple(
        replace(element, questions=element.questions + tuple(added[element.key]))
        for element in questionnaire.elements
    )
    _check_unique(q for element in elements for q in element.questions)
    return replace(questionnaire, elements=elements)


def _scores(raw: Any) -> tuple[Score, ...]:
    well_formed = isinstance(raw, list) and all(isinstance(item, Mapping) for item in raw)
    values = [item.get("value") for item in raw] if well_formed else None
    if values != list(SCORE_VALUES):
        raise QuestionnaireError("the scores must be 1, 2, 3, 4 and 5, in that order")
    scores = []
    for item in raw:
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise QuestionnaireError(f"score {item['value']} has no label")
        scores.append(Score(value=item["value"], label=label.strip()))
    return tuple(scores)


def _element(raw: Mapping[str, Any], kind: str) -> Element:
    key = raw["key"]
    if raw.get("kind") != kind:
        raise QuestionnaireError(
            f"element {key!r} is {kind} in the 7S model, not {raw.get('kind')!r}"
        )
    for field in ("name", "description"):
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise QuestionnaireError(f"element {key!r} has no {field}")
    raw_questions = raw.get("questions", [])
    if not isinstance(raw_questions, list) or not raw_questions:
        raise QuestionnaireError(f"element {key!r} has no questions")
    return Element(
        key=key,
        name=raw["name"].strip(),
        kind=kind,
        description=raw["description"].strip(),
        questions=tuple(_question(item, key) for item in raw_questions),
    )


def _question(raw: Any, element: str) -> Question:
    code = raw.get("code") if isinstance(raw, Mapping) else None
    if not isinstance(code, str) or not re.fullmatch(re.escape(element) + r"-[1-9][0-9]*", code):
        raise QuestionnaireError(
            f"question code {code!r} under element {element!r} must be "
            f"'{element}-' followed by a number"
        )
    text = raw.get("text")
    _check_text(code, text)
    raw_sources = raw.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise QuestionnaireError(f"question {code!r} names no source")
    return Question(
        code=code,
        text=text,
        element=element,
        sources=tuple(_source(item, code) for item in raw_sources),
    )


def _source(raw: Any, code: str) -> Source:
    file = raw.get("file") if isinstance(raw, Mapping) else None
    if file not in SEED_DOCUMENTS:
        raise QuestionnaireError(
            f"question {code!r} names {file!r}, which is not one of the seed documents"
        )
    section = raw.get("section")
    if not isinstance(section, str) or not section.strip():
        raise QuestionnaireError(f"question {code!r} names no section of {file}")
    number = raw.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise QuestionnaireError(
            f"question {code!r} must give its place in {file} as a number from 1"
        )
    return Source(file=file, section=section, number=number)


def _check_text(code: str, text: Any) -> None:
    if not isinstance(text, str) or not text.strip():
        raise QuestionnaireError(f"question {code!r} has no text")
    if text != text.strip():
        raise QuestionnaireError(f"question {code!r} has spaces before or after its text")
    if not text.endswith("?"):
        raise QuestionnaireError(f"question {code!r} must end with '?'")


def _check_unique(questions: Iterable[Question]) -> None:
    codes: set[str] = set()
    texts: dict[str, str] = {}
    for question in questions:
        if question.code in codes:
            raise QuestionnaireError(f"question code {question.code!r} is used more than once")
        codes.add(question.code)
        if question.text in texts:
            raise QuestionnaireError(
                f"question {question.code!r} repeats the text of {texts[question.text]!r}"
            )
        texts[question.text] = question.code
