"""Prometheus counters at every fork an event can take: in = redacted + dlq."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_IN = Counter("auditstream_processor_events_in_total", "Messages read from the raw topic.")
EVENTS_OUT = Counter(
    "auditstream_processor_events_out_total",
    "Events written to the redacted topic.",
    ["event_type"],
)
DLQ = Counter("auditstream_processor_dlq_total", "Messages sent to the DLQ.", ["reason"])
BATCH_SIZE = Histogram(
    "auditstream_processor_batch_size_events",
    "Events per batch taken from the stream.",
    buckets=(1, 5, 10, 25, 50, 100, 200, 500, 1000, 5000),
)
ANALYSIS_SECONDS = Histogram(
    "auditstream_processor_analysis_seconds", "Time to decode, redact and encode one batch."
)
