"""Prometheus metrics of the sink: one counter at every fork a record can take.

``auditstream_sink_events_archived_total`` and ``auditstream_sink_dead_lettered_total``
are the sink's side of the pipeline's ``in = archived + dlq`` balance (both count at
commit, so their sum is what the sink committed). Labels never hold tenant or user ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from auditstream.archive.chain import ChainHead

# Flushes are one S3 put per (tenant, hour) group: tens of milliseconds on loopback,
# seconds on a slow link, up to the botocore timeouts when the store struggles.
_FLUSH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@dataclass(frozen=True, slots=True)
class SinkMetrics:
    """The sink's metric objects.

    Attributes:
        events_archived: Records stored in the archive (and then committed).
        objects_written: Objects created in the archive.
        bytes_written: Bytes of the objects created.
        flush_seconds: Time from the start of a flush to its commit.
        dead_lettered: Records on the redacted topic that were not valid AuditEvents, sent
            to the DLQ (and then committed).
        flush_retries: Flushes postponed because the store was unavailable.
        batches_dropped: Batches given up uncommitted (partition revoked or lost during an
            outage, or shutdown); the partition's next owner re-reads them.
        manifests_written: Manifests appended to a partition chain.
        fenced: Flushes dropped because another worker wrote the manifest first.
        digests_written: Signed digests of the chain heads written.
        chain_head: Sequence number of each partition's chain head (label ``partition``).
        chain_head_time: When each partition's chain head was written, in Unix seconds
            (label ``partition``); ``time() - max`` of it is the archive's chain-head age.
        digest_time: Start of the interval of the newest digest this worker wrote or
            found written, in Unix seconds; ``time() - max`` of it is the digest age.
        paused: 1 while a partition is paused for a storage outage (label ``partition``).
    """

    events_archived: Counter
    objects_written: Counter
    bytes_written: Counter
    flush_seconds: Histogram
    dead_lettered: Counter
    flush_retries: Counter
    batches_dropped: Counter
    manifests_written: Counter
    fenced: Counter
    digests_written: Counter
    chain_head: Gauge
    chain_head_time: Gauge
    digest_time: Gauge
    paused: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> SinkMetrics:
        """Create and register the metrics.

        Args:
            registry: Where to register them (a fresh one in tests).
        """
        return cls(
            events_archived=Counter(
                "auditstream_sink_events_archived",
                "Events stored in the archive and committed.",
                registry=registry,
            ),
            objects_written=Counter(
                "auditstream_sink_objects_written",
                "Objects created in the archive.",
                registry=registry,
            ),
            bytes_written=Counter(
                "auditstream_sink_bytes_written",
                "Bytes of objects created in the archive.",
                registry=registry,
            ),
            flush_seconds=Histogram(
                "auditstream_sink_flush_seconds",
                "Duration of a partition flush, from first write to commit.",
                buckets=_FLUSH_BUCKETS,
                registry=registry,
            ),
            dead_lettered=Counter(
                "auditstream_sink_dead_lettered",
                "Records of the redacted topic that are not valid AuditEvents, sent to the "
                "DLQ and committed.",
                registry=registry,
            ),
            flush_retries=Counter(
                "auditstream_sink_flush_retries",
                "Flushes postponed because the archive was unavailable.",
                registry=registry,
            ),
            batches_dropped=Counter(
                "auditstream_sink_batches_dropped",
                "Batches released uncommitted; their records are re-read by the next owner.",
                registry=registry,
            ),
            manifests_written=Counter(
                "auditstream_sink_manifests_written",
                "Manifests appended to a partition's chain.",
                registry=registry,
            ),
            fenced=Counter(
                "auditstream_sink_fenced",
                "Flushes dropped because another worker wrote that manifest first.",
                registry=registry,
            ),
            digests_written=Counter(
                "auditstream_sink_digests_written",
                "Signed digests of every partition's chain head.",
                registry=registry,
            ),
            chain_head=Gauge(
                "auditstream_sink_chain_head_seq",
                "Sequence number of the partition's newest manifest.",
                ["partition"],
                registry=registry,
            ),
            chain_head_time=Gauge(
                "auditstream_sink_chain_head_timestamp_seconds",
                "When the partition's newest manifest was written (Unix time).",
                ["partition"],
                registry=registry,
            ),
            digest_time=Gauge(
                "auditstream_sink_digest_timestamp_seconds",
                "Start of the interval of the newest digest written or found (Unix time).",
                registry=registry,
            ),
            paused=Gauge(
                "auditstream_sink_partition_paused",
                "1 while the partition is paused because the archive is unavailable.",
                ["partition"],
                registry=registry,
            ),
        )

    def record_head(self, partition: int, head: ChainHead) -> None:
        """Set a partition's chain-head gauges from the manifest at its head.

        Args:
            partition: The Kafka partition of the chain.
            head: Its newest manifest, just written or read at resume.
        """
        label = str(partition)
        self.chain_head.labels(partition=label).set(head.seq)
        written = datetime.fromisoformat(head.manifest.written_at)
        self.chain_head_time.labels(partition=label).set(written.timestamp())


@cache
def default_metrics() -> SinkMetrics:
    """Return the process-wide metrics, registered once in the default registry."""
    return SinkMetrics.create()
