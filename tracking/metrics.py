"""Prometheus counters of tracking: what ingest did with each event, what the worker stored."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS_INGESTED = Counter(
    "tracking_events_ingested_total", "Tracking events at ingest by outcome", ["outcome"]
)  # outcome: accepted, duplicate, rejected, deferred (backpressure)
EVENTS_REJECTED = Counter("tracking_events_rejected_total", "Tracking events rejected by reason", ["code"])
EVENTS_STORED = Counter("tracking_events_stored_total", "Tracking events committed by the worker")
EVENTS_DEAD_LETTERED = Counter("tracking_events_dead_lettered_total", "Tracking events the database refused")
