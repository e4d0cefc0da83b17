"""Response media types of the GraphQL-over-HTTP spec.

A client that accepts ``application/graphql-response+json`` learns from the status code
whether its request was executed: a request that failed before execution (unparsable,
invalid, variables that do not coerce) is answered 400 with no ``data`` entry. Under the
legacy ``application/json`` (also for ``*/*`` or no Accept) well-formed requests are 200.
"""

from __future__ import annotations

from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> tuple[int, float]:
    """(how specific the best matching range is, its quality); (0, 0) when none matches."""
    kind = media.split("/")[0]
    best = (0, 0.0)
    for pattern, quality in ranges:
        specificity = 3 if pattern == media else 2 if pattern == f"{kind}/*" else 1 if pattern == "*/*" else 0
        if specificity > best[0]:
            best = (specificity, quality)
    return best


def negotiate(accept: str | None) -> str:
    """The response type for an Accept header: graphql-response+json only when asked for by name."""
    if not accept:
        return JSON
    ranges = _ranges(accept)
    specific, quality = _quality(GRAPHQL_RESPONSE, ranges)
    _, json_quality = _quality(JSON, ranges)
    if specific == 3 and quality > 0 and quality >= json_quality:
        return GRAPHQL_RESPONSE
    return JSON


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: no data, and no error belongs to a field (field errors have a path)."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors)
