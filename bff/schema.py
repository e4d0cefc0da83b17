"""Stitches each domain's query, mutation and subscription roots into one schema.

A domain joins by adding its roots to the tuples below.
"""

from __future__ import annotations

import logging

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from bff.execution import BasicLeafFastPath
from bff.errors import InvalidInput, RateLimited, is_unexpected
from bff.identity.schema import IdentityMutation, IdentityQuery, IdentitySubscription
from bff.kyc.schema import KycMutation, KycQuery
from bff.miniprogram.schema import MiniProgramMutation, MiniProgramQuery
from bff.miniprogram_runtime.schema import MiniProgramRuntimeMutation, MiniProgramRuntimeQuery
from bff.ledger.schema import LedgerMutation, LedgerQuery
from bff.ledger.types import SCALARS as LEDGER_SCALARS
from bff.nul_text import RefuseNulText
from bff.observability import OperationMetrics
from bff.openplatform.schema import OpenPlatformMutation, OpenPlatformQuery
from bff.tracking.schema import TrackingMutation, TrackingQuery
from infra.settings import Settings

log = logging.getLogger("bff.graphql")

QUERIES: tuple[type, ...] = (
    IdentityQuery, LedgerQuery, MiniProgramQuery, MiniProgramRuntimeQuery, TrackingQuery, OpenPlatformQuery,
    KycQuery,
)
MUTATIONS: tuple[type, ...] = (
    IdentityMutation, LedgerMutation, MiniProgramMutation, MiniProgramRuntimeMutation, TrackingMutation,
    OpenPlatformMutation, KycMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (IdentitySubscription,)
SCALARS: dict = {**LEDGER_SCALARS}


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
    # Strawberry builds extension instances per request (factories). The limiters' rule
    # classes are built once here: the validation cache is keyed by the rules, so fresh
    # rule classes per request would make every request a cache miss.
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    extensions = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        RefuseNulText,
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
        execution_context_class=BasicLeafFastPath,
        config=StrawberryConfig(scalar_map=SCALARS),
    )
