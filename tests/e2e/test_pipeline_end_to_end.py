"""The whole path on the real stack: SDK -> Kafka -> processor -> sink -> S3 Object Lock.

These tests assert the delivery promise, not the plumbing: every event archived exactly
once, no planted personal data anywhere downstream, write-once storage enforced by the
server, bad input dead-lettered with a reason while good input keeps flowing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError
from confluent_kafka import Producer

from auditstream.producer import AuditClient, ClientConfig
from support.pipeline import PipelineUnderTest, rows_as_text
from support.wait import wait_until

pytestmark = pytest.mark.integration

FIRST_NAMES = ["Maria", "James", "Aiko", "Lukas", "Priya", "Olusegun", "Chloe", "Mateo"]
LAST_NAMES = ["Gonzalez", "Whitaker", "Tanaka", "Schmidt", "Raman", "Adeyemi", "Martin", "Rossi"]
PHONES = ["+1 212 736 5000", "+44 20 7946 0958", "+1 415 867 5309", "+49 30 901820"]
CARDS = ["4111 1111 1111 1111", "5500 0000 0000 0004", "3400 0000 0000 009"]
SSNS = ["536-22-8754", "212-67-4411", "401-32-9876"]
KEYS = ["sk-proj-Q3v8XkP2mN7rT5yW1zA4bC6dE9fG0hJ2", "AKIAIOSFODNN7EXAMPLE", "ghp_" + "a1B2" * 9]


def _planted(i: int) -> dict[str, str]:
    first, last = FIRST_NAMES[i % 8], LAST_NAMES[(i // 8) % 8]
    return {
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{i}@example.org",
        "phone": PHONES[i % len(PHONES)],
        "card": CARDS[i % len(CARDS)],
        "ssn": SSNS[i % len(SSNS)],
        "key": KEYS[i % len(KEYS)],
        "user_id": f"customer-{i:05d}",
        "ip": f"198.51.100.{i % 250 + 1}",
    }


def _prompt(p: dict[str, str], i: int) -> str:
    kinds = [
        f"Hello, my name is {p['name']} and my e-mail is {p['email']}. "
        f"Please call me on {p['phone']}.",
        f"My name is {p['name']}. Charge card {p['card']} for order ORD-{i:05d}.",
        f"I am {p['name']}, social security number {p['ssn']}, e-mail {p['email']}.",
        f"My name is {p['name']}. Debug this: OPENAI_API_KEY={p['key']} fails with 401.",
    ]
    return kinds[i % len(kinds)]


def _client(pipeline: PipelineUnderTest, service: str) -> AuditClient:
    return AuditClient(
        ClientConfig(
            bootstrap_servers=pipeline.stack.bootstrap_servers,
            topic=pipeline.raw,
            service_name=service,
            environment="e2e",
        )
    )


class TestThinPathEndToEnd:
    def test_a_thousand_events_are_archived_once_each_with_no_planted_pii_anywhere(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """1,000 events in: 1,000 distinct event ids archived, none of the planted values out."""
        pipeline.start("process")
        pipeline.start("sink")
        client = _client(pipeline, "chat-api")
        planted: set[str] = set()
        emitted_ids = []
        for i in range(1000):
            p = _planted(i)
            planted.update(v for k, v in p.items() if k != "ip")
            emitted_ids.append(
                client.llm_request(
                    provider="openai",
                    model="gpt-4o-mini",
                    prompt=_prompt(p, i),
                    response=f"Thanks, I noted {p['email']}.",
                    tokens_input=100,
                    tokens_output=20,
                    tenant_id=f"tenant-{i % 3}",
                    user_id=p["user_id"],
                    ip_address=p["ip"],
                )
            )
        assert client.flush(30) == 0
        client.close()

        rows = wait_until(
            lambda: (r := pipeline.archived_rows()) and len(r) >= 1000 and r,
            timeout_s=300,
            interval_s=2,
            what="1,000 archived events",
            describe=lambda: f"{len(pipeline.archived_rows())} archived\n{pipeline.logs()}",
        )
        archived_ids = [row["event_id"] for row in rows]
        assert len(archived_ids) == 1000
        assert set(archived_ids) == set(emitted_ids)

        archive_text = rows_as_text(rows)
        leaked = sorted(v for v in planted if v in archive_text)
        assert leaked == [], f"planted values found in the archive: {leaked[:5]}"

        redacted = pipeline.read_topic(pipeline.redacted)
        assert len(redacted) == 1000
        topic_bytes = b"\n".join(m.value() for m in redacted)
        leaked = sorted(v for v in planted if v.encode() in topic_bytes)
        assert leaked == [], f"planted values found in the redacted topic: {leaked[:5]}"

    def test_archived_objects_are_locked_in_compliance_mode_and_refuse_change(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Every object has COMPLIANCE retention in the future; overwrite and delete fail."""
        pipeline.start("process")
        pipeline.start("sink")
        client = _client(pipeline, "tools")
        for i in range(30):
            client.tool_call("crm.lookup", input=f"id={i}", tenant_id="acme")
        assert client.flush(30) == 0
        client.close()
        keys = wait_until(
            pipeline.archived_keys,
            timeout_s=180,
            what="an archived object",
            describe=pipeline.logs,
        )
        s3 = pipeline.s3()
        now = dt.datetime.now(dt.UTC)
        for key in keys:
            head = s3.head_object(Bucket=pipeline.stack.bucket, Key=key)
            assert head["ObjectLockMode"] == "COMPLIANCE"
            assert head["ObjectLockRetainUntilDate"] > now
        key = keys[0]
        with pytest.raises(ClientError) as overwrite:
            s3.put_object(Bucket=pipeline.stack.bucket, Key=key, Body=b"tampered", IfNoneMatch="*")
        assert overwrite.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
        version = s3.head_object(Bucket=pipeline.stack.bucket, Key=key)["VersionId"]
        with pytest.raises(ClientError):
            s3.delete_object(Bucket=pipeline.stack.bucket, Key=key, VersionId=version)
        assert s3.head_object(Bucket=pipeline.stack.bucket, Key=key)["VersionId"] == version


MALFORMED = {
    "empty": b"",
    "plain_text": b"hello, not avro",
    "json": b'{"event_id": "123"}',
    "unknown_fingerprint": b"\xc3\x01\xde\xad\xbe\xef\x00\x11\x22\x33\x02\x04",
    "truncated_header": b"\xc3\x01\x99",
    "confluent_without_registry": b"\x00\x00\x00\x00\x2a\x02",
}


class TestMalformedInput:
    def test_malformed_messages_go_to_the_dlq_and_good_events_after_them_are_archived(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Bad bytes are dead-lettered with reasons; the pipeline keeps archiving; counts add up."""
        pipeline.start("process")
        pipeline.start("sink")
        producer = Producer({"bootstrap.servers": pipeline.stack.bootstrap_servers})
        for name, value in MALFORMED.items():
            producer.produce(pipeline.raw, value=value, key=f"bad-{name}".encode())
        producer.produce(pipeline.raw, value=None, key=b"bad-tombstone")
        assert producer.flush(30) == 0
        client = _client(pipeline, "chat-api")
        good = [client.auth("login", tenant_id="acme", user_id=f"u{i}") for i in range(50)]
        assert client.flush(30) == 0
        client.close()

        expected_bad = len(MALFORMED) + 1
        dead = wait_until(
            lambda: (
                (m := pipeline.read_topic(pipeline.dlq, idle_s=1)) and len(m) >= expected_bad and m
            ),
            timeout_s=180,
            interval_s=2,
            what=f"{expected_bad} dead letters",
            describe=pipeline.logs,
        )
        rows = wait_until(
            lambda: (r := pipeline.archived_rows()) and len(r) >= len(good) and r,
            timeout_s=180,
            interval_s=2,
            what="50 archived events",
            describe=pipeline.logs,
        )
        assert sorted(r["event_id"] for r in rows) == sorted(good)
        assert len(dead) == expected_bad
        for message in dead:
            headers = dict(message.headers())
            assert headers["auditstream.stage"] == b"processor"
            assert headers["auditstream.error_class"] in {b"DecodeError", b"UnknownSchemaError"}
            assert headers["auditstream.error_message"]
            assert headers["auditstream.source_topic"] == pipeline.raw.encode()
            assert int(headers["auditstream.source_offset"]) >= 0
        assert {m.key() for m in dead} == {f"bad-{n}".encode() for n in MALFORMED} | {
            b"bad-tombstone"
        }
        assert len(rows) + len(dead) == len(good) + expected_bad
