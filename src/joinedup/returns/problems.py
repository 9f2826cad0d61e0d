"""What is wrong with a file or a row, said so a person can find it and put it right."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One error or warning, located by file, row and column.

    ``row`` counts as a spreadsheet does: the header is row 1, the first figure row 2
    (0 when the problem is with the file as a whole). ``column`` is the header's name, or
    "" for the whole row or file.
    """

    file: str
    row: int
    column: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict:
        return asdict(self)


class UploadRejected(Exception):
    """A file cannot be read at all (wrong type or encoding, empty, corrupt)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))
