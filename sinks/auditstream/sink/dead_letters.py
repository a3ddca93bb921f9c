"""Send a flush's refused records to the DLQ, and wait until Kafka has them all.

A record on the redacted topic that is not a valid AuditEvent is not archived: it goes
to ``topics.dlq`` as it came, with the dead-letter headers every stage writes
(:mod:`auditstream.schemas.dead_letters`), and the flush's manifest names its offset
and reason. The manifest is written only after every letter is confirmed, so the chain
never vouches for a letter Kafka does not hold. A crash between the two sends the
letters again on the retry: the DLQ may then hold a letter twice, with the same source
headers, while the chain names it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from auditstream.schemas.dead_letters import dead_letter_headers
from auditstream.sink.errors import DeadLetterQueueUnavailableError
from auditstream.sink.flush import FlushResult

log = structlog.get_logger(__name__)

STAGE = "sink"

# First retry after this long; the worker's backoff doubles it from there.
_RETRY_AFTER_S = 1.0
# The flush waits this much longer than the producer's message timeout (the same
# setting), so every letter has failed or been confirmed before a retry sends it again.
_SETTLE_S = 1.0


class DeadLetterSender:
    """Sends dead letters with an idempotent producer, built on the first letter.

    Most runs never see a bad record, so the producer (a connection per broker) is
    only made when one comes.

    Args:
        config: The producer's librdkafka configuration.
        topic: The DLQ topic.
        max_value_bytes: Largest record copied into a letter; larger ones are left out
            and their size put in a header.
        timeout_s: The producer's ``message.timeout.ms``, in seconds: how long a letter
            may wait for Kafka's confirmation before it fails.
        producer_factory: Builds the producer from ``config`` (tests pass fakes).
    """

    __slots__ = ("_config", "_factory", "_max_value_bytes", "_producer", "_timeout_s", "_topic")

    def __init__(
        self,
        config: dict[str, Any],
        *,
        topic: str,
        max_value_bytes: int,
        timeout_s: float,
        producer_factory: Callable[[dict[str, Any]], Producer] = Producer,
    ) -> None:
        self._config = config
        self._topic = topic
        self._max_value_bytes = max_value_bytes
        self._timeout_s = timeout_s
        self._factory = producer_factory
        self._producer: Producer | None = None

    def send(self, result: FlushResult) -> None:
        """Send every refused record of a flush; return once Kafka confirmed them all.

        Letters of one source partition share a key, so they keep their order in one
        DLQ partition.

        Args:
            result: The flush; its ``rejected`` records are sent.

        Raises:
            DeadLetterQueueUnavailableError: A letter was refused or not confirmed in
                time; the flush must not be chained yet.
        """
        if self._producer is None:
            self._producer = self._factory(self._config)
        producer, pid = self._producer, result.pid
        key = f"{pid.topic}/{pid.partition}".encode()
        errors: list[KafkaError] = []

        def delivered(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                errors.append(error)

        for record in result.rejected:
            size = len(record.value or b"")
            omit = size > self._max_value_bytes
            headers: list[tuple[str, str | bytes | None]] = list(
                dead_letter_headers(
                    stage=STAGE,
                    error_class=record.error_class,
                    message=record.reason,
                    topic=pid.topic,
                    partition=pid.partition,
                    offset=record.offset,
                    omitted_bytes=size if omit else None,
                )
            )
            value = None if omit else record.value
            try:
                producer.produce(self._topic, value, key, headers=headers, on_delivery=delivered)
            except (BufferError, KafkaException) as exc:
                raise self._unavailable(type(exc).__name__) from exc
        wait_s = self._timeout_s + _SETTLE_S
        unconfirmed = producer.flush(wait_s)
        if errors:
            raise self._unavailable(errors[0].name())
        if unconfirmed:
            raise self._unavailable(f"{unconfirmed} letters unconfirmed after {wait_s:g} s")
        log.info("dead_letters_sent", topic=self._topic, letters=len(result.rejected))

    def _unavailable(self, reason: str) -> DeadLetterQueueUnavailableError:
        return DeadLetterQueueUnavailableError(_RETRY_AFTER_S, topic=self._topic, reason=reason)
