"""Topic layout checks at worker start, against the real broker."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from auditstream.processor.errors import TopologyError
from auditstream.processor.settings import ProcessorSettings
from auditstream.processor.topology import changelog_topic, prepare_topics
from support.pipeline import PARTITIONS, PipelineUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration


def _settings(pipeline: PipelineUnderTest, **overrides: str) -> ProcessorSettings:
    topics = {"raw": pipeline.raw, "redacted": pipeline.redacted, "dlq": pipeline.dlq} | overrides
    return ProcessorSettings(
        kafka={"bootstrap_servers": pipeline.stack.bootstrap_servers},  # type: ignore[arg-type]
        topics=topics,  # type: ignore[arg-type]
        processor={"app_id": f"test-topology-{uuid.uuid4().hex[:8]}"},  # type: ignore[arg-type]
    )


class TestPrepareTopics:
    def test_the_changelog_is_created_compacted_with_the_raw_partition_count(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """A missing changelog is created; a second start finds it and agrees."""
        settings = _settings(pipeline)
        assert prepare_topics(settings) == PARTITIONS
        admin = AdminClient({"bootstrap.servers": pipeline.stack.bootstrap_servers})
        name = changelog_topic(settings.processor.app_id)
        # A new topic's partitions reach the metadata a moment after its creation returns.
        partitions = wait_until(
            lambda: admin.list_topics(name, timeout=10).topics[name].partitions,
            timeout_s=30,
            what=f"the partitions of {name} in the metadata",
        )
        assert len(partitions) == PARTITIONS
        assert prepare_topics(settings) == PARTITIONS

    def test_a_missing_raw_topic_fails_naming_it(self, pipeline: PipelineUnderTest) -> None:
        """No raw topic: TopologyError with its name, before any consumer joins."""
        with pytest.raises(TopologyError, match="no-such-raw"):
            prepare_topics(_settings(pipeline, raw=f"no-such-raw-{uuid.uuid4().hex[:6]}"))

    def test_a_redacted_topic_with_fewer_partitions_fails(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Outputs keep their partition number, so a smaller redacted topic is refused."""
        small = f"test.{pipeline.run_id}.small"
        admin = AdminClient({"bootstrap.servers": pipeline.stack.bootstrap_servers})
        admin.create_topics([NewTopic(small, 1, 1)])[small].result(timeout=30)
        with pytest.raises(TopologyError, match="needs at least 3"):
            prepare_topics(_settings(pipeline, redacted=small))
