"""Prometheus metrics: GraphQL operations by name, and HTTP requests by route."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

GRAPHQL_OPERATIONS = Counter(
    "graphql_operations_total", "GraphQL operations", ["operation", "type", "outcome"]
)
GRAPHQL_LATENCY = Histogram(
    "graphql_operation_seconds", "GraphQL operation latency", ["operation", "type"], buckets=_BUCKETS
)
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["route", "method", "status"])
HTTP_LATENCY = Histogram("http_request_seconds", "HTTP latency", ["route", "method"], buckets=_BUCKETS)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_MAX_NAMES = 500
_seen_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """Client-chosen names are bounded so a hostile client cannot explode the series."""
    if not name:
        return "anonymous"
    if name in _seen_names:
        return name
    if not _NAME.fullmatch(name) or len(_seen_names) >= _MAX_NAMES:
        return "other"
    _seen_names.add(name)
    return name


_operation_series: dict[tuple[str, str, str], tuple[object, object]] = {}


def record_operation(name: str | None, kind: str, outcome: str, seconds: float) -> None:
    """Count one operation and observe its latency (the children of each label set are kept)."""
    label = operation_label(name)
    key = (label, kind, outcome)
    series = _operation_series.get(key)
    if series is None:
        series = _operation_series[key] = (
            GRAPHQL_OPERATIONS.labels(label, kind, outcome), GRAPHQL_LATENCY.labels(label, kind),
        )
    series[0].inc()
    series[1].observe(seconds)


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        try:
            kind = ctx.operation_type.value
        except Exception:  # noqa: BLE001 - unparsable documents have no type
            kind = "unknown"
        outcome = "error" if getattr(ctx.result, "errors", None) else "ok"
        record_operation(ctx.operation_name, kind, outcome, time.perf_counter() - started)
