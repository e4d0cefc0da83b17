"""Stitches each domain's query, mutation and subscription roots into one schema.

A domain joins by adding its roots to the tuples below.
"""

from __future__ import annotations

import logging

import strawberry
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from bff.errors import InvalidInput, RateLimited, is_unexpected
from bff.identity.schema import IdentityMutation, IdentityQuery, IdentitySubscription
from bff.observability import OperationMetrics
from bff.tracking.schema import TrackingMutation, TrackingQuery
from superapp.settings import Settings

log = logging.getLogger("bff.graphql")

QUERIES: tuple[type, ...] = (IdentityQuery, TrackingQuery)
MUTATIONS: tuple[type, ...] = (IdentityMutation, TrackingMutation)
SUBSCRIPTIONS: tuple[type, ...] = (IdentitySubscription,)


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Log only unexpected errors, with their traceback; the rest are the client's."""
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error in %s", error.path, exc_info=error.original_error)


def build_schema(
    settings: Settings,
    *,
    queries: tuple[type, ...] = QUERIES,
    mutations: tuple[type, ...] = MUTATIONS,
    subscriptions: tuple[type, ...] = SUBSCRIPTIONS,
) -> strawberry.Schema:
    # Factories: Strawberry builds fresh extension instances per request; the parser and
    # validation caches live at module level, so they are shared all the same.
    extensions = [
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        OperationMetrics,
    ]
    if not settings.debug:
        extensions.append(lambda: MaskErrors(should_mask_error=is_unexpected))
    return Schema(
        query=merge_types("Query", queries),
        mutation=merge_types("Mutation", mutations),
        subscription=merge_types("Subscription", subscriptions),
        extensions=extensions,
        types=[InvalidInput, RateLimited],
    )
