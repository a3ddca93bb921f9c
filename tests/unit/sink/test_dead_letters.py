"""Dead letters of the sink: what each one carries, and when a flush may go on.

The real broker takes them in ``tests/integration/sink/test_dead_letters.py``.
"""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from auditstream.archive.errors import ArchiveUnavailableError
from auditstream.schemas.dead_letters import (
    ERROR_CLASS,
    ERROR_MESSAGE,
    SOURCE_OFFSET,
    SOURCE_PARTITION,
    SOURCE_TOPIC,
    STAGE,
    VALUE_OMITTED_BYTES,
)
from auditstream.sink.batcher import PartitionId
from auditstream.sink.dead_letters import DeadLetterSender
from auditstream.sink.decoding import RejectedRecord
from auditstream.sink.errors import DeadLetterQueueUnavailableError
from auditstream.sink.flush import FlushResult

PID = PartitionId("audit.events.redacted", 3)


class FakeProducer:
    """Confirms each letter with ``outcome`` (None: delivered) and leaves ``unconfirmed``."""

    def __init__(self, *, outcome=None, unconfirmed=0, refuse=None):
        self.outcome, self.unconfirmed, self.refuse = outcome, unconfirmed, refuse
        self.sent = []
        self.callbacks = []

    def produce(self, topic, value, key, *, headers, on_delivery):
        if self.refuse is not None:
            raise self.refuse
        self.sent.append((topic, value, key, dict(headers)))
        self.callbacks.append(on_delivery)

    def flush(self, timeout):
        for callback in self.callbacks:
            callback(self.outcome, None)
        self.callbacks = []
        return self.unconfirmed


def sender(producer, *, max_value_bytes=100):
    made = []

    def factory(config):
        made.append(config)
        return producer

    dlq = DeadLetterSender(
        {"bootstrap.servers": "127.0.0.1:1"},
        topic="audit.events.dlq",
        max_value_bytes=max_value_bytes,
        timeout_s=1.0,
        producer_factory=factory,
    )
    return dlq, made


def result_with(*rejected: RejectedRecord) -> FlushResult:
    return FlushResult(PID, 10, 20, 0, (), rejected)


class TestDeadLetterSender:
    def test_each_letter_is_the_record_as_it_came_with_the_sinks_reason_headers(self):
        """Stage, error class and message, and the source position, as the processor's."""
        producer = FakeProducer()
        dlq, _ = sender(producer)
        dlq.send(result_with(RejectedRecord(12, b"\x00junk", "DecodeError", "truncated body")))
        [(topic, value, key, headers)] = producer.sent
        assert (topic, value, key) == ("audit.events.dlq", b"\x00junk", b"audit.events.redacted/3")
        assert headers == {
            STAGE: b"sink",
            ERROR_CLASS: b"DecodeError",
            ERROR_MESSAGE: b"truncated body",
            SOURCE_TOPIC: b"audit.events.redacted",
            SOURCE_PARTITION: b"3",
            SOURCE_OFFSET: b"12",
        }

    def test_a_record_too_large_for_the_dlq_is_left_out_and_its_size_recorded(self):
        """The letter still names the record; its bytes stay in the redacted topic."""
        producer = FakeProducer()
        dlq, _ = sender(producer, max_value_bytes=4)
        dlq.send(result_with(RejectedRecord(12, b"12345", "DecodeError", "x")))
        [(_, value, _, headers)] = producer.sent
        assert value is None
        assert headers[VALUE_OMITTED_BYTES] == b"5"

    def test_the_producer_is_made_only_when_a_letter_comes(self):
        """Most runs never see a bad record: no connection for them."""
        producer = FakeProducer()
        dlq, made = sender(producer)
        assert made == []
        dlq.send(result_with(RejectedRecord(12, None, "DecodeError", "tombstone")))
        dlq.send(result_with(RejectedRecord(13, None, "DecodeError", "tombstone")))
        assert len(made) == 1

    @pytest.mark.parametrize(
        ("producer", "reason"),
        [
            (
                FakeProducer(outcome=KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED)),
                "AUTHORIZATION",
            ),
            (FakeProducer(unconfirmed=1), "1 letters unconfirmed"),
            (FakeProducer(refuse=BufferError("queue full")), "BufferError"),
        ],
        ids=["refused", "not_confirmed_in_time", "local_queue_full"],
    )
    def test_a_letter_not_confirmed_stops_the_flush_as_an_outage_would(self, producer, reason):
        """The worker then pauses the partition and retries; nothing is chained."""
        dlq, _ = sender(producer)
        with pytest.raises(DeadLetterQueueUnavailableError, match=reason) as caught:
            dlq.send(result_with(RejectedRecord(12, b"x", "DecodeError", "x")))
        assert isinstance(caught.value, ArchiveUnavailableError)
        assert caught.value.retry_after_s > 0
        assert "audit.events.dlq" in str(caught.value)
