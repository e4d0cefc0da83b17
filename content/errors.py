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


class ContentError(Exception):
    def __init__(self, code: ContentErrorCode, message: Text, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def invalid(field: str, message: Text) -> ContentError:
    return ContentError(ContentErrorCode.INVALID_INPUT, message, field=field)
