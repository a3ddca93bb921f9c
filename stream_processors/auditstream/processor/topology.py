"""Check the topic layout before a worker joins the group, and create the trace changelog.

Exactly-once here rests on partition numbers: outputs go to the same partition number of
the redacted topic and the DLQ as their source, and the trace table's changelog partition
p belongs to raw partition p (Faust writes a key's changelog record to its source
partition). So the redacted topic and the DLQ need at least as many partitions as the raw
topic, and the changelog exactly as many. The raw, redacted and DLQ topics belong to the
operator (``deploy/local/stack.sh`` creates them locally); the changelog belongs to the
processor, which creates it when missing (compacted, one partition per raw partition),
because Faust's own topic declaration is off (``topic_allow_declare=False`` in the app)
and would otherwise size it by ``topic_partitions`` rather than by the raw topic.

Synchronous (confluent-kafka's admin client); runs once in ``audit process`` before Faust
starts. It must not run on the event loop.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from auditstream.processor.errors import TopologyError
from auditstream.processor.settings import ProcessorSettings

TRACE_TABLE = "traces"
ADMIN_TIMEOUT_S = 30.0  # one metadata round trip and a topic creation on a healthy cluster
CHANGELOG_REPLICATION_MAX = 3  # Kafka's usual durability; fewer when the cluster is smaller


def changelog_topic(app_id: str, table: str = TRACE_TABLE) -> str:
    """Return the name Faust gives a table's changelog topic.

    Args:
        app_id: The Faust app id.
        table: The table name.

    Returns:
        ``<app_id>-<table>-changelog``.
    """
    return f"{app_id}-{table}-changelog"


def prepare_topics(settings: ProcessorSettings) -> int:
    """Check the topics and create the trace changelog when missing.

    Args:
        settings: The processor's settings.

    Returns:
        The raw topic's partition count (the trace table's partition count).

    Raises:
        TopologyError: A topic is missing, too small, or the changelog exists with a
            different partition count.
    """
    conf: dict[str, Any] = dict(settings.kafka.to_librdkafka())
    # librdkafka's own lines (it logs to stderr by default, even at exit) go through
    # Python logging, so the worker's log stays one JSON record per line.
    conf["logger"] = logging.getLogger(f"{__name__}.librdkafka")
    admin = AdminClient(conf)
    topics = settings.topics
    changelog = changelog_topic(settings.processor.app_id)
    try:
        metadata = admin.list_topics(timeout=ADMIN_TIMEOUT_S)
    except KafkaException as exc:
        raise TopologyError(f"cannot read cluster metadata ({exc.args[0]})") from exc
    counts = {name: len(t.partitions) for name, t in metadata.topics.items() if t.error is None}
    raw = counts.get(topics.raw)
    if raw is None:
        raise TopologyError(f"raw topic {topics.raw!r} does not exist; create it first")
    for name in (topics.redacted, topics.dlq):
        found = counts.get(name)
        if found is None or found < raw:
            raise TopologyError(
                f"topic {name!r} has {found or 0} partitions, needs at least {raw} (the raw "
                f"topic's count): outputs keep their source partition number"
            )
    existing = counts.get(changelog)
    if existing is not None:
        if existing != raw:
            raise TopologyError(
                f"changelog {changelog!r} has {existing} partitions, the raw topic {raw}; "
                "delete the changelog (the trace table rebuilds empty) or use a new app id"
            )
        return raw
    replication = min(CHANGELOG_REPLICATION_MAX, len(metadata.brokers))
    new = NewTopic(
        changelog,
        raw,
        replication,
        config={"cleanup.policy": "compact", "min.insync.replicas": str(max(1, replication - 1))},
    )
    future = admin.create_topics([new], operation_timeout=ADMIN_TIMEOUT_S)[changelog]
    try:
        future.result(timeout=ADMIN_TIMEOUT_S)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:  # a sibling worker won the race
            raise TopologyError(f"cannot create changelog {changelog!r} ({exc.args[0]})") from exc
    return raw
