"""Trace enrichment and duplicate detection: pure functions over a trace's state.

The Faust wiring (the changelog-backed trace table) lives in :mod:`auditstream.processor.app`;
this package knows nothing of Faust or Kafka.
"""

from __future__ import annotations

from auditstream.processor.enrichment.enrich import (
    EnrichmentLimits,
    enrich,
    is_duplicate,
    is_expired,
    new_state,
)
from auditstream.processor.enrichment.expiry import ExpiryIndex
from auditstream.processor.enrichment.state import TraceState, TraceStateError

__all__ = [
    "EnrichmentLimits",
    "ExpiryIndex",
    "TraceState",
    "TraceStateError",
    "enrich",
    "is_duplicate",
    "is_expired",
    "new_state",
]
