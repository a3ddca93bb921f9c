"""audit status reads lag and the DLQ from the real broker."""

from __future__ import annotations

import pytest
from confluent_kafka import Producer

from auditstream.auditor.status import read_status
from auditstream.producer import AuditClient, ClientConfig
from auditstream.schemas.settings import KafkaSettings, TopicSettings
from support.pipeline import PipelineUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration


class TestStatus:
    def test_status_shows_caught_up_stages_and_the_dead_letters_with_their_reasons(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """After the pipeline drains, processor lag is 0 and the DLQ shows each bad message."""
        pipeline.start("process")
        pipeline.start("sink")
        producer = Producer({"bootstrap.servers": pipeline.stack.bootstrap_servers})
        for value in (b"", b"junk", b"\xc3\x01\x00"):
            producer.produce(pipeline.raw, value=value, key=b"bad")
        assert producer.flush(30) == 0
        client = AuditClient(
            ClientConfig(
                bootstrap_servers=pipeline.stack.bootstrap_servers,
                topic=pipeline.raw,
                service_name="svc",
            )
        )
        for i in range(20):
            client.auth("login", tenant_id="acme", user_id=f"u{i}")
        assert client.flush(30) == 0
        client.close()
        env = pipeline.env
        kafka = KafkaSettings(bootstrap_servers=pipeline.stack.bootstrap_servers)
        topics = TopicSettings(raw=pipeline.raw, redacted=pipeline.redacted, dlq=pipeline.dlq)

        last: list[object] = []

        def drained() -> object:
            pipeline.assert_workers_running()
            status = read_status(
                kafka,
                topics,
                processor_group=env["AUDITSTREAM_PROCESSOR__APP_ID"],
                sink_group=env["AUDITSTREAM_SINK__GROUP_ID"],
            )
            last[:] = [status]
            processor, sink = status.stages
            caught_up = processor.lag == 0 and all(p.lag <= 1 for p in sink.partitions)
            return status if caught_up and status.dlq_total == 3 else None

        status = wait_until(
            drained,
            timeout_s=180,
            interval_s=2,
            what="a drained pipeline",
            describe=lambda: f"last status: {last}",
        )
        processor, sink = status.stages
        assert processor.topic == pipeline.raw
        assert sum(p.end_offset for p in processor.partitions) >= 23
        assert all(p.committed is not None for p in sink.partitions if p.end_offset > 0)
        assert sorted(d.error_class for d in status.dlq_newest) == ["DecodeError"] * 3
        assert all(d.source.startswith(f"{pipeline.raw}/") for d in status.dlq_newest)
