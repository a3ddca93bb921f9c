"""The sink's age gauges: when each chain head and the newest digest were written."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry

from auditstream.archive.signing import Signer
from auditstream.sink.digests import DigestWriter
from auditstream.sink.metrics import SinkMetrics
from support.chains import NOW, digest_writer, flush, keeper
from support.memory_s3 import MemoryS3


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def _digests(s3: MemoryS3, signer: Signer, metrics: SinkMetrics, at_s: float) -> DigestWriter:
    return digest_writer(s3, signer, {"t": at_s}, metrics=metrics)


class TestChainHeadGauges:
    def test_a_head_sets_its_sequence_and_its_write_time(self) -> None:
        registry = CollectorRegistry()
        metrics = SinkMetrics.create(registry)
        s3 = MemoryS3()
        chains = keeper(s3, clock=lambda: NOW + timedelta(seconds=42))
        chains.append(flush(s3, 2, 0, 9))
        head = chains.append(flush(s3, 2, 10, 19))
        metrics.record_head(2, head)
        assert _value(registry, "auditstream_sink_chain_head_seq", partition="2") == head.seq
        written = _value(registry, "auditstream_sink_chain_head_timestamp_seconds", partition="2")
        assert written == (NOW + timedelta(seconds=42)).timestamp()


class TestDigestGauges:
    def test_a_written_digest_is_counted_and_sets_its_interval(self) -> None:
        registry = CollectorRegistry()
        s3 = MemoryS3()
        keeper(s3).append(flush(s3, 0, 0, 9))
        assert _digests(s3, Signer.generate(), SinkMetrics.create(registry), 75.0).write()
        assert _value(registry, "auditstream_sink_digests_written_total") == 1
        start = (NOW + timedelta(seconds=60)).timestamp()  # the 60 s interval holding 75 s
        assert _value(registry, "auditstream_sink_digest_timestamp_seconds") == start

    def test_a_digest_another_worker_wrote_sets_the_interval_but_is_not_counted(self) -> None:
        registry = CollectorRegistry()
        s3 = MemoryS3()
        signer = Signer.generate()
        keeper(s3, signer).append(flush(s3, 0, 0, 9))
        assert _digests(s3, signer, SinkMetrics.create(CollectorRegistry()), 75.0).write()
        assert not _digests(s3, signer, SinkMetrics.create(registry), 80.0).write()
        assert _value(registry, "auditstream_sink_digests_written_total") == 0
        start = (NOW + timedelta(seconds=60)).timestamp()
        assert _value(registry, "auditstream_sink_digest_timestamp_seconds") == start

    def test_no_digest_known_leaves_the_gauge_at_zero(self) -> None:
        """A worker that has not yet seen a digest reports 0, which reads as very old."""
        registry = CollectorRegistry()
        SinkMetrics.create(registry)
        assert _value(registry, "auditstream_sink_digest_timestamp_seconds") == 0
