"""What authoring, review, images and feeds refuse, as stable codes (``ContentErrorCode``)."""

from __future__ import annotations

from enum import StrEnum

from infra.i18n import Text


class ContentErrorCode(StrEnum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    NOT_YOURS = "NOT_YOURS"  # another operator's draft
    OWN_ITEM = "OWN_ITEM"  # maker-checker: the author may not approve it
    WRONG_STATE = "WRONG_STATE"
    REASON_REQUIRED = "REASON_REQUIRED"
    NOT_AN_IMAGE = "NOT_AN_IMAGE"
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    BAD_CURSOR = "BAD_CURSOR"
    UNKNOWN_SEGMENT = "UNKNOWN_SEGMENT"  # an audience naming no marketing segment
    QUESTIONNAIRE_OUTDATED = "QUESTIONNAIRE_OUTDATED"  # answers to another version of the risk questionnaire
    UNKNOWN_QUESTION = "UNKNOWN_QUESTION"
    DUPLICATE_ANSWER = "DUPLICATE_ANSWER"
    MISSING_ANSWER = "MISSING_ANSWER"
    OPTION_OUT_OF_RANGE = "OPTION_OUT_OF_RANGE"


class ContentError(Exception):
    def __init__(self, code: ContentErrorCode, message: Text, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class RiskAnswerError(ContentError):
    """A risk questionnaire refused; ``question`` names the question at fault (None: the version answered)."""

    def __init__(self, code: ContentErrorCode, message: Text, *, question: str | None) -> None:
        super().__init__(code, message, field="questionnaireVersion" if question is None else "answers")
        self.question = question


def invalid(field: str, message: Text) -> ContentError:
    return ContentError(ContentErrorCode.INVALID_INPUT, message, field=field)
