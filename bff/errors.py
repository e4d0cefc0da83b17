"""Expected failures are schema types; unexpected ones are masked outside debug."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError


@strawberry.interface(description="An expected failure the client can show or act on.")
class Error:
    message: str


@strawberry.type(description="An argument was malformed; `field` names it.")
class InvalidInput(Error):
    field: str | None = None


@strawberry.type(description="Too many attempts; try again after `retryAfterSeconds`.")
class RateLimited(Error):
    retry_after_seconds: int


def is_unexpected(error: GraphQLError) -> bool:
    """Errors from our own code are unexpected; validation and permission errors are not."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)
