"""Ugly records on the redacted topic: to the DLQ, named by the chain, and the sink runs on.

Only a bug or a foreign producer puts such a record on the redacted topic. The sink
must neither archive it nor stop for it: it goes to the DLQ as it came, with the
reason in its headers, and the manifest of its flush names its offset. On the real
broker and S3, counts add up: records in = archived + dead-lettered, read from the
archive, from the DLQ topic and from the sink's own metrics log.
"""

from __future__ import annotations

import json
import signal
import uuid

import pytest

from auditstream.schemas import AuditEventSerializer
from auditstream.schemas.dead_letters import (
    ERROR_CLASS,
    SOURCE_OFFSET,
    SOURCE_PARTITION,
    SOURCE_TOPIC,
    STAGE,
)
from support.events import make_event
from support.sink_harness import SinkUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration

GOOD_BEFORE = 150
GOOD_AFTER = 150


def ugly_records() -> dict[str, bytes | None]:
    """One of each kind of bad input, by name; each must reach the DLQ untouched."""
    encode = AuditEventSerializer()
    good = encode(make_event(), None)
    zero_trace = make_event()
    zero_trace["trace"] = {**zero_trace["trace"], "trace_id": "0" * 32}
    huge = make_event()
    huge["error"] = {"type": "Oversized", "message": "x" * (1 << 20 | 1)}
    return {
        "truncated": good[:25],
        "trailing_bytes": good + b"\x00",
        "wrong_fingerprint": good[:2] + b"\xff" * 8 + good[10:],
        "confluent_framing_unknown_id": b"\x00\x00\x00\x00\x07" + good[10:],
        "tombstone": None,
        "empty": b"",
        "not_avro": b'{"event": "json, not avro"}',
        "invalid_utf8": good[:10] + b"\x80\xff" * 40,
        "zero_trace_id": encode(zero_trace, None),
        "huge_field": encode(huge, None),
    }


class TestDeadLetters:
    def test_ugly_records_go_to_the_dlq_and_the_chain_while_the_sink_archives_the_rest(
        self, sut: SinkUnderTest
    ) -> None:
        """Every good event archived once, every bad record dead-lettered once, as it came."""
        ugly = ugly_records()
        ids = sut.produce(GOOD_BEFORE)
        start = sut.end_offsets()
        sut.produce_values(list(ugly.values()), partition=1)
        ids += sut.produce(GOOD_AFTER)
        sut.start(max_records="40")
        wait_until(
            lambda: (
                sut.chained_records() >= len(ids) and len(sut.chained_dead_letters()) >= len(ugly)
            ),
            timeout_s=120,
            interval_s=1,
            what=f"{len(ids)} chained records and {len(ugly)} dead letters",
            describe=sut.logs,
        )
        sut.stop()

        report = sut.verify()
        assert report.ok, report.failures
        assert sorted(sut.chained_event_ids(report)) == sorted(ids)
        bad_offsets = list(range(start[1], start[1] + len(ugly)))
        assert sut.chained_dead_letters() == [(1, o) for o in bad_offsets]

        letters = sut.dead_letters()
        assert len(letters) == len(ugly)
        for letter, (name, value) in zip(letters, ugly.items(), strict=True):
            headers = dict(letter.headers() or [])
            assert headers[STAGE] == b"sink", name
            assert headers[SOURCE_TOPIC] == sut.topic.encode(), name
            assert headers[SOURCE_PARTITION] == b"1", name
            assert int(headers[SOURCE_OFFSET]) in bad_offsets, name
            assert headers[ERROR_CLASS] in {
                b"DecodeError",
                b"UnknownSchemaError",
                b"InvalidEventError",
            }, name
            assert letter.value() == value, name
        # The sink's own count says the same: in = archived + dead-lettered.
        lines = sut.workers[0].log_path.read_text().splitlines()
        # (librdkafka writes plain-text lines of its own to the same stream.)
        logged = [json.loads(line) for line in lines if line.startswith("{")]
        [stopped] = [line for line in logged if line["event"] == "sink_stopped"]
        assert (stopped["records"], stopped["dead_letters"]) == (len(ids), len(ugly))

    def test_a_sigkill_after_the_letters_and_before_the_manifest_loses_nothing(
        self, sut: SinkUnderTest
    ) -> None:
        """The restarted sink sends the killed flush's letter again and chains it once.

        The DLQ then holds that letter twice, identical down to its source headers; the
        chain, which auditors count, names it once.
        """
        marker = uuid.uuid4().bytes
        ids = []
        for partition in range(sut.partitions):
            ids += sut.produce(30)
            sut.produce_values([b"bad-" + marker + bytes([partition])], partition=partition)
        crashed = sut.start(
            max_records="1000", test_crash_at="after_dead_letters", test_crash_on_flush="1"
        )
        returncode = wait_until(
            crashed.process.poll, timeout_s=120, what="the crash hook", describe=sut.logs
        )
        assert returncode == -signal.SIGKILL, sut.logs()
        assert len(sut.dead_letters()) == 1
        assert sut.chained_dead_letters() == []

        sut.start(max_records="1000")
        wait_until(
            lambda: (
                sut.chained_records() >= len(ids)
                and len(sut.chained_dead_letters()) >= sut.partitions
            ),
            timeout_s=120,
            interval_s=1,
            what="every record chained",
            describe=sut.logs,
        )
        sut.stop()
        report = sut.verify()
        assert report.ok, report.failures
        assert sorted(sut.chained_event_ids(report)) == sorted(ids)
        chained = sut.chained_dead_letters()
        assert sorted(p for p, _ in chained) == list(range(sut.partitions))

        letters = sut.dead_letters()
        sources = [
            (int(h[SOURCE_PARTITION]), int(h[SOURCE_OFFSET]))
            for h in (dict(letter.headers() or []) for letter in letters)
        ]
        assert sorted(set(sources)) == sorted(chained)
        assert len(sources) == sut.partitions + 1  # the killed flush's letter, twice
        first, again = (m for m in letters if m.value() == letters[0].value())
        assert first.headers() == again.headers()
