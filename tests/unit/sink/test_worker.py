"""The consumer loop's delivery rule, with a scripted consumer and an in-memory store.

Real Kafka and S3 runs are integration tests; here each scenario controls exactly when
records arrive, when the store is down and when time passes, and checks the order of
writes and commits that the delivery promise depends on.
"""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import EndpointConnectionError
from confluent_kafka import TopicPartition
from prometheus_client import CollectorRegistry

from auditstream.schemas import AuditEventSerializer
from auditstream.sink.errors import UndecodableEventError
from auditstream.sink.metrics import SinkMetrics
from auditstream.sink.settings import load_sink_settings
from auditstream.sink.worker import SinkWorker

TOPIC = "audit.events.redacted"


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


class Store:
    """The S3 calls the sink makes, in memory; ``down`` makes puts fail to connect."""

    def __init__(self, log):
        self.log = log
        self.objects = {}
        self.down = False

    def get_object_lock_configuration(self, **params):
        return {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}

    def get_bucket_versioning(self, **params):
        return {"Status": "Enabled"}

    def put_object(self, **params):
        if self.down:
            raise EndpointConnectionError(endpoint_url="http://store")
        assert params["IfNoneMatch"] == "*"
        assert params["ObjectLockMode"] == "COMPLIANCE"
        self.objects[params["Key"]] = params["Body"]
        self.log.append(("put", params["Key"]))
        return {"VersionId": "v"}


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

    def subscribe(self, topics, **callbacks):
        self.callbacks = callbacks

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


def run(script, *, store_down_until_step=None, **sink):
    log, clock, stop = [], Clock(), threading.Event()
    store = Store(log)
    settings = load_sink_settings(sink={"max_records": 100, "max_age_s": 5.0, **sink})
    consumer = ScriptedConsumer(script, log=log, clock=clock, stop=stop)
    worker = SinkWorker(
        settings,
        stop=stop,
        consumer_factory=lambda config: consumer,
        s3_client=store,  # type: ignore[arg-type]
        metrics=SinkMetrics.create(CollectorRegistry()),
        clock=clock,
    )
    return worker, store, log


def kinds(log):
    return [entry[0] for entry in log]


class TestSinkWorker:
    def test_offsets_are_committed_only_after_the_batch_objects_are_written(self, encode):
        """A full batch is written, then its next offset committed, in that order."""
        worker, _, log = run([[encode(0, o) for o in range(3)]], max_records=3)
        stats = worker.run()
        assert kinds(log) == ["put", "commit", "close"]
        assert log[1] == ("commit", 0, 3)
        assert (stats.records, stats.objects) == (3, 1)

    def test_a_quiet_partition_is_flushed_when_its_batch_is_old_enough(self, encode):
        """Without more records, the age rule still archives and commits."""
        worker, _, log = run([[encode(1, 7)], [], [], []], max_age_s=0.5)
        worker.run()
        assert log[:2] == [("put", log[0][1]), ("commit", 1, 8)]

    def test_stopping_flushes_and_commits_what_is_batched(self, encode):
        """A graceful stop loses nothing and leaves nothing uncommitted."""
        worker, _, log = run([[encode(0, 0), encode(1, 0)]])
        worker.run()
        assert sorted(e for e in log if e[0] == "commit") == [("commit", 0, 1), ("commit", 1, 1)]
        assert kinds(log)[-1] == "close"

    def test_during_an_outage_the_partition_pauses_and_nothing_is_committed(self, encode):
        """The batch is kept, retried with backoff, and committed only once stored."""
        holder = {}

        def store_comes_back():
            holder["store"].down = False
            return []

        script = [
            [encode(0, 0), encode(0, 1)],  # the batch
            [],  # due by age: the put fails, the partition pauses
            [encode(0, 2)],  # fetched before the pause took effect: skipped
            store_comes_back,
            *[[] for _ in range(8)],  # time passes until the retry is due (5 s)
            [encode(0, 2)],  # read again after the seek
        ]
        worker, store, log = run(script, max_age_s=0.5)
        holder["store"] = store
        store.down = True
        stats = worker.run()
        first_commit = log.index(("commit", 0, 2))
        assert ("pause", 0) in log[:first_commit]
        assert kinds(log[:first_commit]).count("put") == 1
        assert log[first_commit + 1 : first_commit + 3] == [("resume", 0), ("seek", 0, 2)]
        assert ("commit", 0, 3) in log
        assert stats.records == 3

    def test_an_undecodable_record_stops_the_worker_before_it(self, encode):
        """Records before it are archived and committed; its own offset never is."""
        bad = Message(0, 2, b"\x00\x00\x00\x00\x07 not avro")
        worker, _, log = run([[encode(0, 0), encode(0, 1), bad, encode(0, 3)]])
        with pytest.raises(UndecodableEventError) as caught:
            worker.run()
        assert (caught.value.partition, caught.value.offset) == (0, 2)
        assert [e for e in log if e[0] == "commit"] == [("commit", 0, 2)]
        assert kinds(log)[-1] == "close"
