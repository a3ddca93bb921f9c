"""Prometheus metrics of the processor: in = redacted + dlq + duplicates.

Counters sit at every fork an event can take; labels never hold tenant or user ids.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_IN = Counter("auditstream_processor_events_in_total", "Messages read from the raw topic.")
EVENTS_OUT = Counter(
    "auditstream_processor_events_out_total",
    "Events written to the redacted topic.",
    ["event_type"],
)
DLQ = Counter("auditstream_processor_dlq_total", "Messages sent to the DLQ.", ["reason"])
REDELIVERED = Counter(
    "auditstream_processor_redelivered_total",
    "Source messages Faust delivered twice within one assignment, skipped (not in events_in).",
)
DUPLICATES = Counter(
    "auditstream_processor_duplicates_total",
    "Events dropped because their event id was seen in the trace within the dedup window.",
)
UNENRICHED = Counter(
    "auditstream_processor_unenriched_total",
    "Events forwarded without trace enrichment (their key is not their trace id).",
    ["reason"],
)
ENTITIES = Counter(
    "auditstream_processor_entities_total",
    "Redactions made, by entity type.",
    ["entity_type"],
)
UNSCANNED = Counter(
    "auditstream_processor_unscanned_total",
    "Texts (or their remainders) replaced by an <UNSCANNED:n> token because analysis ran "
    "out of its time or size budget, by policy path (also in entities_total as UNSCANNED).",
    ["field"],
)
BATCH_SIZE = Histogram(
    "auditstream_processor_batch_size_events",
    "Events per batch taken from the stream.",
    buckets=(1, 5, 10, 25, 50, 100, 200, 500, 1000, 5000),
)
ANALYSIS_SECONDS = Histogram(
    "auditstream_processor_analysis_seconds",
    "Time to decode, redact and encode one chunk of a batch.",
)
CACHE_LOOKUPS = Counter(
    "auditstream_processor_cache_lookups_total",
    "Analysis cache lookups; hit rate = hit / (hit + miss).",
    ["result"],
)
CACHE_EVICTIONS = Counter(
    "auditstream_processor_cache_evictions_total", "Analysis results evicted from the cache."
)
TRACES = Gauge("auditstream_processor_traces", "Traces in this worker's trace table.")
TRACES_EXPIRED = Counter(
    "auditstream_processor_traces_expired_total", "Traces deleted after their idle time to live."
)
LAG = Gauge(
    "auditstream_processor_lag_messages",
    "Messages between the last one processed and the partition's end.",
    ["partition"],
)
ABANDONED = Counter(
    "auditstream_processor_abandoned_total",
    "Events of a batch left unsent after a rebalance revoked partitions mid-batch "
    "(delivered again from the committed offset; not counted in events_in).",
)
