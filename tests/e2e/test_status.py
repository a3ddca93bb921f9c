"""audit status reads lag and the DLQ from the real broker, chain heads from the real bucket."""

from __future__ import annotations

import json
import socket

import pytest
from confluent_kafka import Producer
from typer.testing import CliRunner, Result

from auditstream.auditor.cli.status import app as status_app
from auditstream.auditor.status import PipelineStatus, read_status
from auditstream.producer import AuditClient, ClientConfig
from auditstream.schemas.settings import KafkaSettings, S3Settings, TopicSettings
from support.pipeline import PipelineUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration


def pipeline_status(pipeline: PipelineUnderTest, *, s3: S3Settings | None = None) -> PipelineStatus:
    """One status snapshot of the pipeline under test (the archive part when s3 is given)."""
    pipeline.assert_workers_running()
    env = pipeline.env
    return read_status(
        KafkaSettings(bootstrap_servers=pipeline.stack.bootstrap_servers),
        TopicSettings(raw=pipeline.raw, redacted=pipeline.redacted, dlq=pipeline.dlq),
        processor_group=env["AUDITSTREAM_PROCESSOR__APP_ID"],
        sink_group=env["AUDITSTREAM_SINK__GROUP_ID"],
        s3=s3,
    )


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
        last: list[object] = []

        def drained() -> object:
            status = pipeline_status(pipeline)
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


def status_env(pipeline: PipelineUnderTest, **overrides: str) -> dict[str, str]:
    """The auditor's variables for this pipeline (the workers' own sections left out)."""
    env = {
        k: v
        for k, v in pipeline.env.items()
        if k.startswith(("AUDITSTREAM_KAFKA__", "AUDITSTREAM_S3__", "AUDITSTREAM_TOPICS__"))
    }
    env["AUDITSTREAM_AUDITOR__PROCESSOR_GROUP"] = pipeline.env["AUDITSTREAM_PROCESSOR__APP_ID"]
    env["AUDITSTREAM_AUDITOR__SINK_GROUP"] = pipeline.env["AUDITSTREAM_SINK__GROUP_ID"]
    return env | overrides


def emit(pipeline: PipelineUnderTest, count: int, *, tag: str) -> None:
    client = AuditClient(
        ClientConfig(
            bootstrap_servers=pipeline.stack.bootstrap_servers,
            topic=pipeline.raw,
            service_name="svc",
        )
    )
    for i in range(count):
        client.auth("login", tenant_id="acme", user_id=f"{tag}-{i}")
    assert client.flush(30) == 0
    client.close()


def listed_heads(pipeline: PipelineUnderTest) -> dict[int, int]:
    """Each partition's highest manifest seq, from a plain listing (the test's own oracle)."""
    heads: dict[int, int] = {}
    root = f"{pipeline.prefix}manifests/v1/"
    for page in (
        pipeline.s3()
        .get_paginator("list_objects_v2")
        .paginate(Bucket=pipeline.stack.bucket, Prefix=root)
    ):
        for entry in page.get("Contents", []):
            folder, name = entry["Key"][len(root) :].split("/")
            partition, seq = int(folder[1:]), int(name.removesuffix(".json"))
            heads[partition] = max(seq, heads.get(partition, -1))
    return heads


def newest_digest(pipeline: PipelineUnderTest) -> tuple[str, dict[int, int]]:
    """The newest digest's key and the seqs it lists, read with plain S3 calls."""
    s3 = pipeline.s3()
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=pipeline.stack.bucket, Prefix=f"{pipeline.prefix}digests/v1/"
    )
    key = max(entry["Key"] for page in pages for entry in page.get("Contents", []))
    return key, digest_seqs(pipeline, key)


def digest_seqs(pipeline: PipelineUnderTest, key: str) -> dict[int, int]:
    """The chain seqs one digest lists, read with plain S3 calls."""
    s3 = pipeline.s3()
    body = json.loads(s3.get_object(Bucket=pipeline.stack.bucket, Key=key)["Body"].read())
    return {h["partition"]: h["seq"] for h in body["heads"]}


def invoke_status_json() -> Result:
    """Run ``audit status --json``; retried while Kafka itself fails (nothing on stdout)."""
    errors: list[str] = []

    def attempt() -> Result | None:
        result = CliRunner().invoke(status_app, ["--json"])
        errors[:] = [result.stderr]
        return result if result.stdout else None

    return wait_until(
        attempt,
        timeout_s=60,
        interval_s=1,
        what="a status snapshot from Kafka",
        describe=lambda: f"stderr: {errors}",
    )


def archived_and_committed(status: PipelineStatus) -> bool:
    """The sink is idle: every partition's commit equals its chain head's position after."""
    archive = status.archive
    assert archive is not None
    assert archive.unavailable is None, archive.unavailable
    sink = status.stages[1]
    committed = {p.partition: p.committed for p in sink.partitions if p.end_offset > 0}
    positions = {h.partition: h.position_after for h in archive.heads}
    return bool(positions) and committed == positions


class TestArchiveStatus:
    def test_status_reports_each_chain_head_and_whether_the_digest_lists_it(
        self, pipeline: PipelineUnderTest, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Heads match the listing; a fresh digest lists them; after more flushes it is behind."""
        pipeline.extra_env["AUDITSTREAM_SINK__DIGEST_INTERVAL_S"] = "2"
        pipeline.start("process")
        sink = pipeline.start("sink")
        emit(pipeline, 30, tag="first")
        env = pipeline.env
        s3 = S3Settings(
            endpoint_url=env["AUDITSTREAM_S3__ENDPOINT_URL"],
            access_key_id=env["AUDITSTREAM_S3__ACCESS_KEY_ID"],
            secret_access_key=env["AUDITSTREAM_S3__SECRET_ACCESS_KEY"],
            bucket=env["AUDITSTREAM_S3__BUCKET"],
            prefix=pipeline.prefix,
        )
        last: list[object] = []

        def snapshot() -> PipelineStatus:
            status = pipeline_status(pipeline, s3=s3)
            last[:] = [status.archive]
            return status

        def digest_current() -> PipelineStatus | None:
            status = snapshot()
            assert status.archive is not None
            digest = status.archive.digest
            idle = archived_and_committed(status)
            return status if idle and digest is not None and digest.lists_current_heads else None

        status = wait_until(
            digest_current,
            timeout_s=240,
            interval_s=2,
            what="30 events archived and a digest listing every head",
            describe=lambda: f"last archive status: {last}\n{pipeline.logs()}",
        )
        archive = status.archive
        assert archive is not None
        assert archive.digest is not None
        assert archive.lock == "locked"
        assert {h.partition: h.seq for h in archive.heads} == listed_heads(pipeline)
        # The sink keeps writing a digest every 2 s, so a newer one may exist by now:
        # the one status named lists the heads, and so does the newest.
        heads_now = {h.partition: h.seq for h in archive.heads}
        assert digest_seqs(pipeline, archive.digest.key) == heads_now
        newest_key, newest_seqs = newest_digest(pipeline)
        assert newest_key >= archive.digest.key
        assert newest_seqs == heads_now
        assert all(0 <= h.age_s < 600 for h in archive.heads if h.age_s is not None)

        # A sink that writes no digest for an hour: the heads move on past the last one.
        sink.process.terminate()
        sink.process.wait(timeout=60)
        pipeline.retire(sink)
        old_key, old_seqs = newest_digest(pipeline)
        pipeline.extra_env["AUDITSTREAM_SINK__DIGEST_INTERVAL_S"] = "3600"
        pipeline.start("sink")
        emit(pipeline, 30, tag="second")

        def moved_on() -> PipelineStatus | None:
            status = snapshot()
            assert status.archive is not None
            heads = {h.partition: h.seq for h in status.archive.heads}
            grown = sum(heads.values()) > sum(old_seqs.values())
            return status if grown and archived_and_committed(status) else None

        status = wait_until(
            moved_on,
            timeout_s=240,
            interval_s=2,
            what="30 more events archived after the restart",
            describe=lambda: f"last archive status: {last}\n{pipeline.logs()}",
        )
        archive = status.archive
        assert archive is not None
        assert archive.digest is not None
        heads = listed_heads(pipeline)
        assert {h.partition: h.seq for h in archive.heads} == heads
        assert archive.digest.key == old_key
        expected_behind = sum(
            seq - old_seqs[p] if p in old_seqs else seq + 1 for p, seq in heads.items()
        )
        assert expected_behind > 0
        assert archive.digest.behind_by == expected_behind
        assert archive.digest.consistent
        assert not archive.digest.lists_current_heads

        for name, value in status_env(pipeline).items():
            monkeypatch.setenv(name, value)
        result = invoke_status_json()
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert {h["partition"]: h["seq"] for h in data["archive"]["heads"]} == heads
        assert data["archive"]["digest"]["key"] == old_key
        assert data["archive"]["digest"]["behind_by"] == expected_behind

    def test_an_unreachable_store_leaves_the_kafka_part_and_says_why(
        self, pipeline: PipelineUnderTest, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Lag comes from the real broker; the archive part names the store that did not answer."""
        with socket.socket() as probe:  # a port nobody listens on once closed
            probe.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
        for name, value in status_env(pipeline, AUDITSTREAM_S3__ENDPOINT_URL=closed).items():
            monkeypatch.setenv(name, value)
        result = invoke_status_json()
        assert result.exit_code == 2, result.stderr
        data = json.loads(result.stdout)
        assert [s["topic"] for s in data["stages"]] == [pipeline.raw, pipeline.redacted]
        assert data["archive"]["available"] is False
        assert data["archive"]["unavailable"].startswith(f"the store at {closed} did not answer")
        assert "audit stack status" in result.stderr
