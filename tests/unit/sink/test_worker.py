"""The consumer loop's delivery rule, with a scripted consumer and an in-memory store.

Real Kafka and S3 runs are integration tests; here each scenario controls exactly when
records arrive, when the store is down and when time passes, and checks the order of
writes and commits that the delivery promise depends on.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from confluent_kafka import OFFSET_BEGINNING, TopicPartition
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from auditstream.archive import BucketLock, ChainReader, Signer
from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.manifest import manifest_key
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.writer import ArchiveWriter, StoredObject
from auditstream.schemas import AuditEventSerializer
from auditstream.schemas.dead_letters import (
    ERROR_CLASS,
    SOURCE_OFFSET,
    SOURCE_PARTITION,
    SOURCE_TOPIC,
    STAGE,
)
from auditstream.schemas.health import Readiness
from auditstream.sink.batcher import PartitionId
from auditstream.sink.chain_keeper import ChainKeeper
from auditstream.sink.errors import ManifestChainError
from auditstream.sink.flush import FlushResult, WrittenObject
from auditstream.sink.metrics import SinkMetrics
from auditstream.sink.readiness import STATS_INTERVAL_MS
from auditstream.sink.settings import load_sink_settings
from auditstream.sink.worker import SinkWorker

TOPIC = "audit.events.redacted"
# The workers of one group share a signing key, as they share their settings.
GROUP_KEY = "11" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Message:
    def __init__(self, partition, offset, value):
        self._partition, self._offset, self._value = partition, offset, value

    def error(self):
        return None

    def topic(self):
        return TOPIC

    def partition(self):
        return self._partition

    def offset(self):
        return self._offset

    def value(self):
        return self._value


def _missing(operation):
    return ClientError(
        {"Error": {"Code": "404"}, "ResponseMetadata": {"HTTPStatusCode": 404}}, operation
    )


class Store:
    """The S3 calls the sink makes, in memory; ``down`` makes every call fail to connect.

    The log records data puts as ``("put", key)`` and manifest puts as ``("manifest", seq)``.
    """

    def __init__(self, log):
        self.log = log
        self.objects = {}
        self.checksums = {}
        self.down = False

    def _check_up(self):
        if self.down:
            raise EndpointConnectionError(endpoint_url="http://store")

    def head_object(self, **params):
        self._check_up()
        if params["Key"] not in self.objects:
            raise _missing("HeadObject")
        return {"ChecksumSHA256": self.checksums.get(params["Key"])}

    def list_object_versions(self, **params):
        self._check_up()
        return {}

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        return self

    def paginate(self, **params):
        def pages():  # lazy, as boto3's: the request is made when the pages are read
            self._check_up()
            prefix, after = params.get("Prefix", ""), params.get("StartAfter", "")
            keys = sorted(k for k in self.objects if k.startswith(prefix) and k > after)
            yield {"Contents": [{"Key": k} for k in keys]}

        return pages()

    def get_object(self, **params):
        self._check_up()
        if params["Key"] not in self.objects:
            raise _missing("GetObject")
        return {"Body": io.BytesIO(self.objects[params["Key"]])}

    def get_object_lock_configuration(self, **params):
        return {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}

    def get_bucket_versioning(self, **params):
        return {"Status": "Enabled"}

    def put_object(self, **params):
        self._check_up()
        assert params["IfNoneMatch"] == "*"
        assert params["ObjectLockMode"] == "COMPLIANCE"
        key = params["Key"]
        if key in self.objects:
            raise ClientError(
                {
                    "Error": {"Code": "PreconditionFailed"},
                    "ResponseMetadata": {"HTTPStatusCode": 412},
                },
                "PutObject",
            )
        self.objects[key] = params["Body"]
        self.checksums[key] = params.get("ChecksumSHA256")
        if "/manifests/" in f"/{key}":
            self.log.append(("manifest", int(key.rsplit("/", 1)[1].split(".")[0])))
        elif "/digests/" in f"/{key}":
            self.log.append(("digest", key))
        elif not key.startswith("keys/"):
            self.log.append(("put", key))
        return {"VersionId": "v"}


class RecordingProducer:
    """The DLQ producer: logs ``("dead_letter", partition, offset)`` per confirmed letter.

    While ``down``, flush() confirms nothing (the letters time out, as librdkafka's would).
    """

    def __init__(self, log):
        self.log = log
        self.down = False
        self.pending = []
        self.letters = []

    def produce(self, topic, value, key, *, headers, on_delivery):
        self.pending.append((topic, value, key, dict(headers), on_delivery))

    def flush(self, timeout):
        pending, self.pending = self.pending, []
        if self.down:
            return len(pending)
        for topic, value, key, headers, on_delivery in pending:
            source = (int(headers[SOURCE_PARTITION]), int(headers[SOURCE_OFFSET]))
            self.log.append(("dead_letter", *source))
            self.letters.append((topic, value, key, headers))
            on_delivery(None, None)
        return 0


class ScriptedConsumer:
    """Plays a script: a list of message lists (one per consume call) or callables."""

    def __init__(self, script, *, log, clock, stop):
        self.script = list(script)
        self.log = log
        self.clock = clock
        self.stop = stop
        self.assigned = [TopicPartition(TOPIC, p) for p in (0, 1)]
        self.callbacks = {}
        self.started = False
        self.high_watermark = 10**9

    def subscribe(self, topics, **callbacks):
        self.callbacks = callbacks

    def get_watermark_offsets(self, tp, timeout):
        return (0, self.high_watermark)

    # The group is cooperative-sticky: no eager assign()/unassign() here, so a call to
    # either fails the test.
    def incremental_assign(self, partitions):
        self.log.extend(("assign", tp.partition, tp.offset) for tp in partitions)

    def incremental_unassign(self, partitions):
        pass

    def consume(self, num_messages, timeout):
        if not self.started:
            self.started = True
            self.callbacks["on_assign"](self, self.assigned)
        self.clock.now += timeout
        if not self.script:
            self.stop.set()
            return []
        step = self.script.pop(0)
        return step() if callable(step) else step

    def commit(self, offsets, asynchronous):
        assert asynchronous is False
        self.log.extend(("commit", tp.partition, tp.offset) for tp in offsets)
        return offsets

    def pause(self, partitions):
        self.log.extend(("pause", tp.partition) for tp in partitions)

    def resume(self, partitions):
        self.log.extend(("resume", tp.partition) for tp in partitions)

    def seek(self, tp):
        self.log.append(("seek", tp.partition, tp.offset))

    def close(self):
        self.callbacks["on_revoke"](self, self.assigned)
        self.log.append(("close",))


@pytest.fixture
def encode(full_event):
    serializer = AuditEventSerializer()

    def message(partition, offset):
        return Message(partition, offset, serializer(full_event))

    return message


class KilledError(Exception):
    """Stands in for SIGKILL from the test-only crash hook."""


def kill():
    raise KilledError


def run(script, *, store=None, log=None, consumer_class=ScriptedConsumer, readiness=None, **sink):
    log = [] if log is None else log
    clock, stop = Clock(), threading.Event()
    store = store or Store(log)
    settings = load_sink_settings(
        sink={"max_records": 100, "max_age_s": 5.0, "signing_key": GROUP_KEY, **sink}
    )
    consumer = consumer_class(script, log=log, clock=clock, stop=stop)
    producer = RecordingProducer(log)
    worker = SinkWorker(
        settings,
        stop=stop,
        consumer_factory=lambda config: setattr(consumer, "config", config) or consumer,
        producer_factory=lambda config: producer,
        s3_client=store,  # type: ignore[arg-type]
        metrics=SinkMetrics.create(CollectorRegistry()),
        clock=clock,
        kill=kill,
        readiness=readiness,
    )
    worker.dlq = producer  # what the tests look at
    return worker, store, log


def other_worker_chain(store):
    """Another worker of the group (same key), to write competing links."""
    writer = ArchiveWriter(store, bucket="auditstream-archive", lock=BucketLock.LOCKED)
    reader = ChainReader(S3ObjectStore(store, bucket="auditstream-archive"), prefix="")
    chains = ChainKeeper(
        writer,
        reader,
        Signer.from_bytes(GROUP_KEY.encode(), source="test"),
        topic=TOPIC,
        retain_until=lambda: datetime.now(UTC) + timedelta(days=1),
    )
    chains.publish_key()
    return chains


def flushed(store, partition, first, last):
    """A flush result for offsets first..last whose object is in the store."""
    key = ObjectKey(PartitionPath("acme", date(2026, 1, 1), 0), partition, first, last)
    data = f"other-{partition}-{first}-{last}".encode()
    store.objects[key.render("")] = data
    stored = StoredObject(
        key.render(""), len(data), hashlib.sha256(data).hexdigest(), None, None, True
    )
    written = WrittenObject(key, stored, last - first + 1, 0, 0)
    return FlushResult(PartitionId(TOPIC, partition), first, last, last - first + 1, (written,))


def kinds(log):
    """The log's steps, without assignments and digests (written at start, then per interval)."""
    return [entry[0] for entry in log if entry[0] not in ("assign", "digest")]


class TestSinkWorker:
    def test_offsets_are_committed_only_after_the_batch_objects_are_written(self, encode):
        """A full batch is written, then its next offset committed, in that order."""
        worker, _, log = run([[encode(0, o) for o in range(3)]], max_records=3)
        stats = worker.run()
        assert kinds(log) == ["put", "manifest", "commit", "close"]
        assert ("commit", 0, 3) in log
        assert (stats.records, stats.objects) == (3, 1)

    def test_a_quiet_partition_is_flushed_when_its_batch_is_old_enough(self, encode):
        """Without more records, the age rule still archives and commits."""
        worker, _, log = run([[encode(1, 7)], [], [], []], max_age_s=0.5)
        worker.run()
        flushed = [e for e in log if e[0] not in ("assign", "digest")]
        assert flushed[:3] == [("put", flushed[0][1]), ("manifest", 0), ("commit", 1, 8)]

    def test_stopping_flushes_and_commits_what_is_batched(self, encode):
        """A graceful stop loses nothing and leaves nothing uncommitted."""
        worker, _, log = run([[encode(0, 0), encode(1, 0)]])
        worker.run()
        assert sorted(e for e in log if e[0] == "commit") == [("commit", 0, 1), ("commit", 1, 1)]
        assert kinds(log)[-1] == "close"

    def test_during_an_outage_the_partition_pauses_and_nothing_is_committed(self, encode):
        """The batch is kept, retried with backoff, and committed only once stored."""
        holder = {}

        def store_goes_down():
            holder["store"].down = True
            return [encode(0, 0), encode(0, 1)]

        def store_comes_back():
            holder["store"].down = False
            return []

        script = [
            store_goes_down,  # the batch
            [],  # due by age: the put fails, the partition pauses
            [encode(0, 2)],  # fetched before the pause took effect: skipped
            store_comes_back,
            *[[] for _ in range(8)],  # time passes until the retry is due (5 s)
            [encode(0, 2)],  # read again after the seek
        ]
        worker, store, log = run(script, max_age_s=0.5)
        holder["store"] = store
        stats = worker.run()
        first_commit = log.index(("commit", 0, 2))
        assert ("pause", 0) in log[:first_commit]
        assert kinds(log[:first_commit]).count("put") == 1
        assert log[first_commit + 1 : first_commit + 3] == [("resume", 0), ("seek", 0, 2)]
        assert log[first_commit - 1] == ("manifest", 0)
        assert ("commit", 0, 3) in log
        assert stats.records == 3

    def test_a_record_that_does_not_decode_goes_to_the_dlq_before_the_manifest_names_it(
        self, encode
    ):
        """The worker keeps running; the manifest, written after the letter is confirmed,
        names its offset and reason; the commit covers it."""
        bad = Message(0, 2, b"\x00\x00\x00\x00\x07 not avro")
        worker, store, log = run([[encode(0, 0), encode(0, 1), bad], [encode(0, 3)]])
        stats = worker.run()
        assert kinds(log) == ["put", "dead_letter", "manifest", "commit", "close"]
        assert ("dead_letter", 0, 2) in log
        assert ("commit", 0, 4) in log
        assert (stats.records, stats.dead_letters) == (3, 1)
        [(topic, value, key, headers)] = worker.dlq.letters
        assert (topic, value, key) == ("audit.events.dlq", bad.value(), f"{TOPIC}/0".encode())
        assert headers[STAGE] == b"sink"
        assert headers[ERROR_CLASS] == b"UnknownSchemaError"
        assert headers[SOURCE_TOPIC] == TOPIC.encode()
        manifest = json.loads(store.objects[manifest_key("", 0, 0)])
        assert [(d["offset"], d["error_class"]) for d in manifest["dead_letters"]] == [
            (2, "UnknownSchemaError")
        ]
        assert (manifest["records"], manifest["position_after"]) == (3, 4)

    def test_a_batch_of_bad_records_only_is_chained_with_no_object(self, encode):
        """The chain still moves past them, so no offset is left unaccounted for."""
        worker, store, log = run([[Message(1, 5, None), Message(1, 6, b"")]])
        worker.run()
        assert kinds(log) == ["dead_letter", "dead_letter", "manifest", "commit", "close"]
        manifest = json.loads(store.objects[manifest_key("", 1, 0)])
        assert (manifest["objects"], manifest["records"]) == ([], 0)
        assert [d["offset"] for d in manifest["dead_letters"]] == [5, 6]

    def test_while_the_dlq_does_not_confirm_the_partition_pauses_and_nothing_is_chained(
        self, encode
    ):
        """An unconfirmed letter is treated as an outage: retried, then chained once."""
        holder = {}

        def dlq_goes_down():
            holder["worker"].dlq.down = True
            return [encode(0, 0), Message(0, 1, None)]

        def dlq_comes_back():
            holder["worker"].dlq.down = False
            return []

        script = [dlq_goes_down, [], dlq_comes_back, *[[] for _ in range(8)]]
        worker, _, log = run(script, max_age_s=0.5)
        holder["worker"] = worker
        stats = worker.run()
        first_manifest = log.index(("manifest", 0))
        assert ("pause", 0) in log[:first_manifest]
        assert log[first_manifest - 1] == ("dead_letter", 0, 1)
        assert log.count(("dead_letter", 0, 1)) == 1
        assert kinds(log).count("manifest") == 1
        assert ("commit", 0, 2) in log
        assert (stats.records, stats.dead_letters) == (1, 1)


class TestResumeAndFence:
    def test_an_assignment_starts_each_partition_right_after_its_chain_head(self, encode):
        """Kafka's committed offsets are not trusted: the bucket's chain head is."""
        log = []
        store = Store(log)
        chains = other_worker_chain(store)
        chains.append(flushed(store, 0, 0, 41))
        worker, _, log = run([], store=store, log=log)
        worker.run()
        assert ("assign", 0, 42) in log
        assert ("assign", 1, OFFSET_BEGINNING) in log

    def test_a_topic_that_ends_before_the_chain_head_is_refused(self, encode):
        """A recreated topic under the same prefix would otherwise be skipped silently."""
        store = Store([])
        other_worker_chain(store).append(flushed(store, 0, 0, 41))
        worker, _, _ = run([], store=store)
        worker._consumer_factory(None).high_watermark = 10
        with pytest.raises(ManifestChainError, match="high watermark 10"):
            worker.run()

    def test_a_fenced_flush_drops_its_batch_and_continues_after_the_winners_head(self, encode):
        """Only one manifest per sequence number exists; the loser re-reads and seeks."""
        log = []
        store = Store(log)
        rival = other_worker_chain(store)

        def rival_wins_first():
            rival.append(flushed(store, 0, 0, 4))  # covers 0..4 before our flush of 0..2
            return [encode(0, o) for o in range(3)]

        script = [rival_wins_first, [encode(0, o) for o in range(5, 8)]]
        worker, _, log = run(script, store=store, log=log, max_records=3)
        stats = worker.run()
        assert ("seek", 0, 5) in log
        assert [e for e in log if e[0] == "commit"] == [("commit", 0, 8)]
        assert [e for e in log if e[0] == "manifest"] == [("manifest", 0), ("manifest", 1)]
        assert stats.records == 3

    @pytest.mark.parametrize(
        ("point", "expected"),
        [
            ("before_data", []),
            ("after_data", ["put"]),
            ("after_manifest", ["put", "manifest"]),
        ],
    )
    def test_the_test_crash_hook_fires_at_exactly_its_point_of_the_chosen_flush(
        self, encode, point, expected
    ):
        """Flush 2 is killed: flush 1 is complete, flush 2 got exactly as far as the point."""
        script = [[encode(0, o) for o in range(4)]]
        worker, _, log = run(script, max_records=2, test_crash_at=point, test_crash_on_flush=2)
        with pytest.raises(KilledError):
            worker.run()
        first_flush = ["put", "manifest", "commit"]
        assert kinds(log)[: len(first_flush)] == first_flush
        assert kinds(log)[len(first_flush) :] == [*expected, "close"]

    def test_records_fetched_before_a_lost_fence_are_not_batched_after_it(self, encode):
        """After the seek to the winner's head, the rest of that poll is stale: no gap."""
        log = []
        store = Store(log)
        rival = other_worker_chain(store)

        def rival_wins_first():
            rival.append(flushed(store, 0, 0, 1))  # the winner covers 0..1 only
            return [encode(0, o) for o in range(4)]  # we flush 0..2 and hold 3

        script = [rival_wins_first, [encode(0, o) for o in range(2, 6)]]
        worker, _, log = run(script, store=store, log=log, max_records=3)
        worker.run()
        ours = json.loads(store.objects["manifests/v1/p0/00000000000000000001.json"])
        assert (ours["position_before"], ours["position_after"]) == (2, 5)
        assert ours["objects"][0]["first_offset"] == 2
        assert [e for e in log if e[0] == "commit"] == [("commit", 0, 5), ("commit", 0, 6)]


class StoreAwayAtStart(Store):
    """A store that refuses connections to the bucket check until ``down`` is cleared."""

    def get_object_lock_configuration(self, **params):
        self._check_up()
        return super().get_object_lock_configuration(**params)


class WaitingStop(threading.Event):
    """The stop event; its waits return at once, bring the store back after ``outage`` waits."""

    def __init__(self, store, *, outage, stop_instead=False):
        super().__init__()
        self.store, self.outage, self.stop_instead = store, outage, stop_instead
        self.waits = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        if len(self.waits) >= self.outage:
            if self.stop_instead:
                self.set()
            self.store.down = False
        return self.is_set()


def worker_started_during_outage(encode, *, outage, stop_instead=False):
    log, clock = [], Clock()
    store = StoreAwayAtStart(log)
    store.down = True
    stop = WaitingStop(store, outage=outage, stop_instead=stop_instead)
    consumers = []

    def consumer_factory(config):
        consumers.append(ScriptedConsumer([[encode(0, 0)]], log=log, clock=clock, stop=stop))
        return consumers[-1]

    worker = SinkWorker(
        load_sink_settings(sink={"max_age_s": 1.0, "signing_key": GROUP_KEY}),
        stop=stop,
        consumer_factory=consumer_factory,
        producer_factory=lambda config: RecordingProducer(log),
        s3_client=store,  # type: ignore[arg-type]
        metrics=SinkMetrics.create(CollectorRegistry()),
        clock=clock,
        kill=kill,
    )
    return worker, stop, consumers


class TestStartDuringOutage:
    def test_a_worker_started_while_the_store_is_away_waits_with_backoff(self, encode):
        """It logs each wait, backs off, then starts and archives once the store answers."""
        worker, stop, consumers = worker_started_during_outage(encode, outage=3)
        with capture_logs() as logs:
            stats = worker.run()
        waiting = [e for e in logs if e["event"] == "archive_unavailable_at_start"]
        assert [e["attempt"] for e in waiting] == [1, 2, 3]
        assert {e["log_level"] for e in waiting} == {"warning"}
        assert waiting[0]["reason"] == "EndpointConnectionError"
        assert "not consuming yet" in waiting[0]["consequence"]
        # Doubling from 5 s, each wait drawn from the upper half (jitter).
        for wait, ceiling in zip(stop.waits, (5.0, 10.0, 20.0), strict=True):
            assert ceiling / 2 <= wait <= ceiling
        assert len(consumers) == 1
        assert stats.records == 1

    def test_a_stop_while_waiting_ends_the_run_without_joining(self, encode):
        """SIGTERM during the wait ends the worker cleanly; it never joined the group."""
        worker, stop, consumers = worker_started_during_outage(encode, outage=1, stop_instead=True)
        stats = worker.run()
        assert consumers == []
        assert stats.records == 0
        assert len(stop.waits) == 1
        assert stop.is_set()


class CooperativeConsumer(ScriptedConsumer):
    """A consumer of a cooperative-sticky group that also tracks what it owns.

    Rebalances are driven by the script; close revokes what it still owns, as librdkafka
    does under the cooperative protocol.
    """

    def __init__(self, script, *, log, clock, stop):
        super().__init__(script, log=log, clock=clock, stop=stop)
        self.owned = set()

    def incremental_assign(self, partitions):
        self.owned |= {tp.partition for tp in partitions}
        self.log.extend(("assign", tp.partition, tp.offset) for tp in partitions)

    def incremental_unassign(self, partitions):
        self.owned -= {tp.partition for tp in partitions}
        self.log.extend(("unassign", tp.partition) for tp in partitions)

    def rebalance(self, callback, *partitions):
        """Run a rebalance callback for the named partitions, as consume() would."""
        self.callbacks[callback](self, [TopicPartition(TOPIC, p) for p in partitions])

    def close(self):
        self.rebalance("on_revoke", *sorted(self.owned))
        self.log.append(("close",))


def cooperative(script_of, **sink):
    """Run a worker on a cooperative consumer; ``script_of(consumer)`` builds the script."""
    worker, store, log = run([], consumer_class=CooperativeConsumer, **sink)
    consumer = worker._consumer_factory(None)
    consumer.script = list(script_of(consumer))
    return worker, store, log


def objects_of(store, partition):
    """``(first, last)`` offsets of each data object of a partition, in key order."""
    keys = sorted(k for k in store.objects if k.startswith("events/") and f"/p{partition}-" in k)
    return [tuple(int(n) for n in k.rsplit("/p", 1)[1].split(".")[0].split("-")[1:]) for k in keys]


class TestCooperativeRebalance:
    def test_a_revoke_flushes_only_the_partitions_it_names_and_the_rest_keep_their_batch(
        self, encode
    ):
        """Partition 1 is revoked mid-batch: it is archived and let go; 0 batches on."""

        def script(consumer):
            yield [encode(0, 0), encode(0, 1), encode(1, 0), encode(1, 1)]
            yield lambda: (consumer.rebalance("on_revoke", 1), [encode(0, 2), encode(0, 3)])[1]

        worker, store, log = cooperative(script, max_records=4)
        worker.run()
        assert [e for e in log if e[0] == "commit"] == [("commit", 1, 2), ("commit", 0, 4)]
        assert log.index(("unassign", 1)) < log.index(("commit", 0, 4))
        assert objects_of(store, 0) == [(0, 3)]  # one batch across the rebalance
        assert objects_of(store, 1) == [(0, 1)]

    def test_an_added_partition_starts_at_its_chain_head_without_touching_the_others(self, encode):
        """Partition 2 joins at 42 (its head); partition 0's batch spans the rebalance."""
        log = []
        store = Store(log)
        other_worker_chain(store).append(flushed(store, 2, 0, 41))

        def script(consumer):
            yield [encode(0, 0), encode(0, 1)]
            yield lambda: (consumer.rebalance("on_assign", 2), [encode(0, 2), encode(2, 42)])[1]
            yield [encode(0, 3)]

        worker, _, log = run([], store=store, log=log, consumer_class=CooperativeConsumer)
        consumer = worker._consumer_factory(None)
        consumer.script = list(script(consumer))
        worker.run()
        assert ("assign", 2, 42) in log
        assert consumer.owned == set()  # close revoked all three
        assert objects_of(store, 0) == [(0, 3)]
        assert objects_of(store, 2) == [(0, 41), (42, 42)]  # the rival's, then ours
        assert [e for e in log if e[0] == "commit"] == [("commit", 0, 4), ("commit", 2, 43)]

    def test_a_lost_partition_drops_only_its_own_batch(self, encode):
        """Lost partition 0 is not archived here (its new owner re-reads it); 1 is."""

        def script(consumer):
            yield [encode(0, 0), encode(1, 0)]
            yield lambda: (consumer.rebalance("on_lost", 0), [encode(1, 1)])[1]

        worker, store, log = cooperative(script)
        with capture_logs() as logs:
            worker.run()
        assert ("unassign", 0) in log
        assert objects_of(store, 0) == []
        assert objects_of(store, 1) == [(0, 1)]
        released = [e for e in logs if e["event"] == "batch_released_uncommitted"]
        assert [(e["partition"], e["records"]) for e in released] == [(0, 1)]

    def test_an_empty_incremental_assignment_changes_nothing_and_logs_nothing(self, encode):
        """A rebalance that adds nothing here calls on_assign with no partitions."""

        def script(consumer):
            yield [encode(0, 0)]
            yield lambda: (consumer.rebalance("on_assign"), [encode(0, 1)])[1]

        worker, store, _ = cooperative(script)
        with capture_logs() as logs:
            worker.run()
        assert [e["partitions"] for e in logs if e["event"] == "partitions_assigned"] == [
            [f"{TOPIC}[0]", f"{TOPIC}[1]"]
        ]
        assert objects_of(store, 0) == [(0, 1)]


BROKER_UP = '{"brokers": {"127.0.0.1:19092/1": {"state": "UP"}}}'
BROKER_DOWN = '{"brokers": {"127.0.0.1:19092/1": {"state": "DOWN"}}}'


class TestReadiness:
    def test_each_check_follows_the_workers_own_state(self, encode):
        """Assignment, librdkafka's broker statistics and paused partitions drive /readyz."""
        readiness = Readiness()
        seen = []
        holder = {}

        def look(then=None):
            def step():
                seen.append(readiness.status().checks)
                if then is not None:
                    then()
                return []

            return step

        def stats(document):
            return lambda: holder["consumer"].config["stats_cb"](document)

        def store(down):
            def flip():
                holder["store"].down = down

            return flip

        script = [
            look(then=stats(BROKER_UP)),  # seen[0]: assigned, no statistics yet
            look(then=stats(BROKER_DOWN)),  # seen[1]: ready
            look(then=stats(BROKER_UP)),  # seen[2]: broker down
            lambda: (store(True)(), [encode(0, 0)])[1],
            [],  # due by age: the put fails, the partition pauses
            look(then=store(False)),  # seen[3]: the bucket is waited for
            *[[] for _ in range(8)],  # the retry succeeds
            look(),  # seen[4]: ready again
        ]
        worker, store_, _log = run(script, max_age_s=0.5, readiness=readiness)
        holder["store"] = store_
        holder["consumer"] = worker._consumer_factory({})  # run() hands it the real config
        worker.run()
        assert seen[0] == {
            "assignment": "ok",
            "broker": "no broker state yet",
            "bucket": "ok",
            "progress": "no statistics yet",
        }
        assert set(seen[1].values()) == {"ok"}
        assert seen[2]["broker"].startswith("no broker connection up (127.0.0.1:19092/1=DOWN)")
        assert seen[3]["bucket"] == "1 partition(s) paused waiting for the archive"
        assert set(seen[4].values()) == {"ok"}
        assert readiness.status().ready  # stopping is the runner's to report

    def test_the_consumer_emits_statistics_for_readiness(self, encode):
        """The consumer's config asks librdkafka for statistics and hands them to readiness."""
        worker, _store, _log = run([])
        consumer = worker._consumer_factory({})
        worker.run()
        assert consumer.config["statistics.interval.ms"] == STATS_INTERVAL_MS
        assert callable(consumer.config["stats_cb"])
