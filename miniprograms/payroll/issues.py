"""A row-level problem as the preview shows it: row, column, code and the message."""

from __future__ import annotations

from dataclasses import dataclass

from infra.i18n import Text
from miniprograms.payroll.vocabulary import RowProblem

MAX_ISSUES = 1_000  # a preview lists this many; a file with more is refused as a whole all the same


@dataclass(frozen=True, slots=True)
class Issue:
    row: int
    column: str
    code: RowProblem
    blocking: bool = True

    @property
    def message(self) -> Text:
        from miniprograms.payroll.words import PROBLEMS

        return PROBLEMS[self.code]


class Issues:
    """Collects issues, keeping the first MAX_ISSUES and counting the rest."""

    def __init__(self) -> None:
        self.listed: list[Issue] = []
        self.blocking = 0
        self.total = 0

    def add(self, row: int, column: str, code: RowProblem, *, blocking: bool = True) -> None:
        self.total += 1
        self.blocking += blocking
        if len(self.listed) < MAX_ISSUES:
            self.listed.append(Issue(row, column, code, blocking))
