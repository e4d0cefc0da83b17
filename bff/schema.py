"""Stitches each domain's query, mutation and subscription roots into one schema.

A domain joins by adding its roots to the tuples below.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from bff.document_limits import DocumentLimits
from bff.execution import BasicLeafFastPath, WithoutSuggestions
from bff.errors import InvalidInput, RateLimited, is_unexpected
from bff.audit.schema import AuditQuery
from bff.clearing.schema import ClearingMutation, ClearingQuery
from bff.content.schema import ContentMutation, ContentQuery, ContentSubscription
from bff.identity.schema import IdentityMutation, IdentityQuery, IdentitySubscription
from bff.kyc.schema import KycMutation, KycQuery
from bff.marketing.home import HomeQuery
from bff.marketing.schema import MarketingMutation, MarketingQuery
from bff.miniprogram.schema import MiniProgramMutation, MiniProgramQuery
from bff.miniprogram_runtime.schema import MiniProgramRuntimeMutation, MiniProgramRuntimeQuery
from bff.ledger.enterprises import EnterpriseMutation, EnterpriseQuery
from bff.ledger.operators import OperatorLedgerQuery
from bff.ledger.payments import PayeeQuery, PaymentMutation
from bff.ledger.schema import LedgerMutation, LedgerQuery
from bff.ledger.types import SCALARS as LEDGER_SCALARS
from bff.monitoring.schema import MonitoringMutation, MonitoringQuery
from bff.nul_text import RefuseNulText
from bff.observability import OperationMetrics
from bff.openplatform.schema import OpenPlatformMutation, OpenPlatformQuery, OpenPlatformSubscription
from bff.tracking.schema import TrackingMutation, TrackingQuery
from bff.validation import BoundedValidation
from bff.unavailable import mark_unavailable
from infra.kv import REDIS_UNAVAILABLE
from infra.i18n import t
from infra.settings import Settings

log = logging.getLogger("bff.graphql")

QUERIES: tuple[type, ...] = (
    IdentityQuery, LedgerQuery, MiniProgramQuery, MiniProgramRuntimeQuery, TrackingQuery, OpenPlatformQuery,
    KycQuery, PayeeQuery, EnterpriseQuery, ClearingQuery, ContentQuery, MarketingQuery, HomeQuery, MonitoringQuery,
    OperatorLedgerQuery, AuditQuery,
)
MUTATIONS: tuple[type, ...] = (
    IdentityMutation, LedgerMutation, PaymentMutation, MiniProgramMutation, MiniProgramRuntimeMutation, TrackingMutation,
    OpenPlatformMutation, KycMutation, EnterpriseMutation, ClearingMutation, ContentMutation, MarketingMutation,
    MonitoringMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (IdentitySubscription, ContentSubscription, OpenPlatformSubscription)
SCALARS: dict = {**LEDGER_SCALARS}


class Schema(strawberry.Schema):
    masks_errors = True  # MaskErrors is on: build_schema turns it off with DEBUG

    def masked(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        """``errors`` as MaskErrors leaves them, for answers built outside the extensions (bff.lean)."""
        if not self.masks_errors:
            return errors
        masker = _masker()
        return [masker.anonymise_error(error) if is_unexpected(error) else error for error in errors]

    def process_errors(self, errors, execution_context=None) -> None:
        """Log only unexpected errors, with their traceback; the rest are the client's.

        Redis out of reach is not a bug: the request is marked, and the endpoint answers 503.
        """
        for error in errors:
            if isinstance(error.original_error, REDIS_UNAVAILABLE):
                request = getattr(getattr(execution_context, "context", None), "request", None)
                if request is not None:
                    mark_unavailable(request.scope, error.original_error)
            elif is_unexpected(error):
                log.error("unexpected error in %s", error.path, exc_info=error.original_error)


# What ``build_schema`` reads of the settings: apps made with the same values can share one
# schema (``superapp.schema.shared_schema``); tests/test_schema_sharing.py checks the list.
SCHEMA_SETTINGS = ("debug", "introspection", "max_aliases", "max_fragments", "max_query_depth", "max_selections",
                   "max_tokens")


def build_schema(
    settings: Settings,
    *,
    queries: tuple[type, ...] = QUERIES,
    mutations: tuple[type, ...] = MUTATIONS,
    subscriptions: tuple[type, ...] = SUBSCRIPTIONS,
    validation_rules: tuple[type[ASTValidationRule], ...] = (),
) -> strawberry.Schema:
    """``validation_rules`` are added to the specified ones (tests count validation work with them).

    Without GRAPHQL_INTROSPECTION (on with DEBUG) the schema cannot be introspected and
    errors make no "did you mean" suggestions: the committed SDL is the clients' contract.
    """
    limits = DocumentLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_fragments=settings.max_fragments,
        max_selections=settings.max_selections,
    )
    # The validation cache is keyed by the rules: they are one tuple, built once here.
    rules = (*validation_rules, *(() if settings.introspection else (NoSchemaIntrospectionCustomRule,)))
    hide_suggestions = not settings.introspection
    extensions = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=1024),
        lambda: BoundedValidation(limits=limits, extra_rules=rules, hide_suggestions=hide_suggestions),
        RefuseNulText,
        OperationMetrics,
    ]
    if not settings.debug:
        extensions.append(_masker)
    schema = Schema(
        query=merge_types("Query", queries),
        mutation=merge_types("Mutation", mutations),
        subscription=merge_types("Subscription", subscriptions),
        extensions=extensions,
        types=[InvalidInput, RateLimited],
        execution_context_class=WithoutSuggestions if hide_suggestions else BasicLeafFastPath,
        config=StrawberryConfig(scalar_map=SCALARS),
    )
    schema.masks_errors = not settings.debug
    return schema


def _masker() -> MaskErrors:
    """Made per operation: the message is in the reader's language."""
    return MaskErrors(should_mask_error=is_unexpected, error_message=t("bff.unexpected_error"))
