"""The pipeline's health as an operator sees it: lag, throughput, the DLQ, the archive.

Reads Kafka metadata (watermarks, committed offsets, the DLQ's newest headers); it
never joins a consumer group's rebalance and never commits. Lag counts transaction
markers too, so an idle partition written by the transactional processor may show a
lag of 1. The archive's chain heads and newest digest come from
:mod:`auditstream.auditor.archive_status`, which reads the bucket and never writes.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from auditstream.auditor.archive_status import ArchiveStatus, read_archive_status
from auditstream.auditor.errors import AuditorError
from auditstream.schemas import dead_letters
from auditstream.schemas.settings import KafkaSettings, S3Settings, TopicSettings

_TIMEOUT_S = 10.0
DLQ_SAMPLE = 5  # newest dead letters shown
DLQ_SCAN_MAX = 100_000  # per partition; a DLQ this large is an incident of its own


class KafkaUnavailableError(AuditorError):
    """Kafka did not answer.

    Args:
        servers: The bootstrap servers tried.
        reason: What the client said.
    """

    def __init__(self, servers: str, reason: str) -> None:
        self.servers = servers
        self.reason = reason
        super().__init__(
            f"cannot read pipeline status from Kafka at {servers}: {reason}; check that the "
            "brokers run (audit stack status) and AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"
        )


@dataclass(frozen=True)
class PartitionLag:
    """One partition of a consumed topic.

    Attributes:
        partition: Partition number.
        end_offset: The partition's high watermark.
        committed: The group's committed offset, None when it never committed.
        lag: Messages not yet processed (the whole partition when nothing is committed).
    """

    partition: int
    end_offset: int
    committed: int | None
    lag: int


@dataclass(frozen=True)
class StageStatus:
    """Lag of one stage's consumer group on its input topic.

    Attributes:
        stage: ``processor`` or ``sink``.
        group: Consumer group id.
        topic: Input topic.
        partitions: Per-partition figures.
    """

    stage: str
    group: str
    topic: str
    partitions: list[PartitionLag]

    @property
    def lag(self) -> int:
        """Total lag over the partitions."""
        return sum(p.lag for p in self.partitions)

    @property
    def end_offsets(self) -> int:
        """Sum of the partitions' high watermarks (for throughput between two samples)."""
        return sum(p.end_offset for p in self.partitions)


@dataclass(frozen=True)
class DeadLetter:
    """The headers of one dead letter (never its bytes).

    Attributes:
        partition: DLQ partition.
        offset: DLQ offset.
        timestamp_ms: When it was dead-lettered.
        error_class: The error class the processor named.
        message: The error message.
        source: ``topic/partition@offset`` of the original message.
    """

    partition: int
    offset: int
    timestamp_ms: int
    error_class: str
    message: str
    source: str


@dataclass(frozen=True)
class PipelineStatus:
    """A snapshot of the pipeline.

    Attributes:
        taken_at: Monotonic time of the snapshot.
        stages: Processor and sink lag.
        dlq_total: Committed messages in the DLQ topic (retained ones).
        dlq_complete: False when the count stopped early (a very large DLQ); then
            ``dlq_total`` is a lower bound.
        dlq_newest: The newest dead letters, newest first.
        archive: Chain heads and the newest digest; None when the archive was not read.
    """

    taken_at: float
    stages: list[StageStatus]
    dlq_total: int
    dlq_complete: bool
    dlq_newest: list[DeadLetter] = field(default_factory=list)
    archive: ArchiveStatus | None = None


def read_status(
    kafka: KafkaSettings,
    topics: TopicSettings,
    *,
    processor_group: str,
    sink_group: str,
    s3: S3Settings | None = None,
) -> PipelineStatus:
    """Take one snapshot of lag and the DLQ, and of the archive when ``s3`` is given.

    Args:
        kafka: How to reach Kafka.
        topics: The pipeline's topics.
        processor_group: The processor's consumer group (its app id).
        sink_group: The sink's consumer group.
        s3: Where the archive is; None skips it. An unreachable archive does not fail
            the snapshot: ``archive.unavailable`` says why.

    Returns:
        The snapshot.

    Raises:
        KafkaUnavailableError: Kafka did not answer in time.
    """
    conf = {
        **kafka.to_librdkafka(),
        "group.id": "auditstream-status",  # only used to read offsets; never subscribes
        "enable.auto.commit": False,
        "isolation.level": "read_committed",  # aborted DLQ writes are not dead letters
    }
    try:
        watcher = Consumer(conf)
        try:
            stages = [
                _stage(kafka, watcher, "processor", processor_group, topics.raw),
                _stage(kafka, watcher, "sink", sink_group, topics.redacted),
            ]
            dlq_total, dlq_complete, newest = _dlq(watcher, topics.dlq)
        finally:
            watcher.close()
    except KafkaException as exc:
        raise KafkaUnavailableError(kafka.bootstrap_servers, str(exc.args[0])) from exc
    # Taken before the archive is read: throughput divides offsets by this clock.
    taken_at = time.monotonic()
    archive = None if s3 is None else read_archive_status(s3)
    return PipelineStatus(taken_at, stages, dlq_total, dlq_complete, newest, archive)


def _partitions(watcher: Consumer, topic: str) -> list[int]:
    metadata = watcher.list_topics(topic, timeout=_TIMEOUT_S).topics.get(topic)
    if metadata is None or metadata.error is not None:
        return []
    return sorted(metadata.partitions)


def _stage(
    kafka: KafkaSettings, watcher: Consumer, stage: str, group: str, topic: str
) -> StageStatus:
    partitions = _partitions(watcher, topic)
    group_reader = Consumer(
        {**kafka.to_librdkafka(), "group.id": group, "enable.auto.commit": False}
    )
    try:
        committed = group_reader.committed(
            [TopicPartition(topic, p) for p in partitions], timeout=_TIMEOUT_S
        )
    finally:
        group_reader.close()
    rows = []
    for tp in committed:
        low, high = watcher.get_watermark_offsets(tp, timeout=_TIMEOUT_S)
        position = tp.offset if tp.offset >= 0 else None
        lag = high - (position if position is not None else low)
        rows.append(PartitionLag(tp.partition, high, position, max(lag, 0)))
    return StageStatus(stage, group, topic, rows)


def _dlq(watcher: Consumer, topic: str) -> tuple[int, bool, list[DeadLetter]]:
    """Count the DLQ's committed messages by reading their headers.

    Offsets cannot be subtracted: the processor writes the DLQ in transactions, so commit
    markers (and aborted writes) take offsets too. A DLQ should stay small; past
    ``DLQ_SCAN_MAX`` messages per partition the count stops and is reported as partial.
    """
    total = 0
    complete = True
    newest: list[DeadLetter] = []
    for partition in _partitions(watcher, topic):
        tp = TopicPartition(topic, partition)
        low, high = watcher.get_watermark_offsets(tp, timeout=_TIMEOUT_S)
        if high <= low:
            continue
        watcher.assign([TopicPartition(topic, partition, low)])
        tail: deque[DeadLetter] = deque(maxlen=DLQ_SAMPLE)
        counted = 0
        idle_polls = 0
        deadline = time.monotonic() + _TIMEOUT_S
        while time.monotonic() < deadline and counted < DLQ_SCAN_MAX:
            batch = watcher.consume(1000, timeout=0.5)
            good = [m for m in batch if not m.error()]
            counted += len(good)
            tail.extend(_dead_letter(m) for m in good)
            position = watcher.position([tp])[0].offset
            # A trailing commit marker is never delivered, so "caught up" is either the
            # position reaching the end or the partition going quiet.
            idle_polls = 0 if good else idle_polls + 1
            if position >= high or idle_polls >= 2:
                break
        else:
            complete = False
        total += counted
        newest.extend(tail)
    newest.sort(key=lambda d: d.timestamp_ms, reverse=True)
    return total, complete, newest[:DLQ_SAMPLE]


def _dead_letter(message: Message) -> DeadLetter:
    raw = message.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    headers = {
        str(k): v.decode(errors="replace") if isinstance(v, bytes) else str(v) for k, v in pairs
    }
    return DeadLetter(
        partition=message.partition() or 0,
        offset=message.offset() or 0,
        timestamp_ms=message.timestamp()[1],
        error_class=headers.get(dead_letters.ERROR_CLASS, "?"),
        message=headers.get(dead_letters.ERROR_MESSAGE, ""),
        source=(
            f"{headers.get(dead_letters.SOURCE_TOPIC, '?')}/"
            f"{headers.get(dead_letters.SOURCE_PARTITION, '?')}@"
            f"{headers.get(dead_letters.SOURCE_OFFSET, '?')}"
        ),
    )
