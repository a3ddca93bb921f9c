"""Query results equal what was emitted, and pruning opens fewer objects."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from auditstream.auditor.query import query_archive
from auditstream.auditor.settings import AuditorSettings
from auditstream.producer import AuditClient, ClientConfig
from support.pipeline import PipelineUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration

TENANTS = ("acme", "globex", "initech")
BASE = datetime(2026, 3, 14, 8, tzinfo=UTC)
HOURS = 4
PER_CELL = 5  # events per (tenant, hour)


def _micros(when: datetime) -> int:
    return int(when.timestamp()) * 1_000_000


class TestQueryArchive:
    def test_filters_return_exactly_the_emitted_events_and_pruning_opens_fewer_objects(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Tenant, time, type and user filters match what was emitted; pruned scans open less."""
        pipeline.start("process")
        pipeline.start("sink")
        client = AuditClient(
            ClientConfig(
                bootstrap_servers=pipeline.stack.bootstrap_servers,
                topic=pipeline.raw,
                service_name="svc",
            )
        )
        emitted: dict[tuple[str, int, str], list[str]] = {}
        for tenant in TENANTS:
            for hour in range(HOURS):
                for i in range(PER_CELL):
                    when = BASE + timedelta(hours=hour, minutes=i)
                    kind = "tool" if i % 2 else "auth"
                    if kind == "tool":
                        event_id = client.tool_call(
                            "lookup", tenant_id=tenant, user_id="alice", timestamp_us=_micros(when)
                        )
                    else:
                        event_id = client.auth(
                            "login", tenant_id=tenant, user_id=f"u{i}", timestamp_us=_micros(when)
                        )
                    emitted.setdefault((tenant, hour, kind), []).append(event_id)
        assert client.flush(30) == 0
        client.close()
        total = len(TENANTS) * HOURS * PER_CELL

        os.environ.update(pipeline.env)
        settings = AuditorSettings()
        count_sql = "SELECT count(*) AS n FROM events"
        wait_until(
            lambda: (
                query_archive(count_sql, settings=settings).table.column("n")[0].as_py() == total
            ),
            timeout_s=180,
            interval_s=2,
            what=f"{total} archived events",
            describe=pipeline.logs,
        )
        everything = query_archive("SELECT event_id FROM events", settings=settings)
        assert everything.table.num_rows == total

        hour2 = BASE + timedelta(hours=2)
        pruned = query_archive(
            "SELECT event_id FROM events",
            settings=settings,
            tenant="globex",
            since=hour2,
            until=hour2 + timedelta(hours=1),
        )
        expected = emitted[("globex", 2, "tool")] + emitted[("globex", 2, "auth")]
        assert sorted(pruned.table.column("event_id").to_pylist()) == sorted(expected)
        assert 0 < pruned.objects < everything.objects

        tools = query_archive(
            "SELECT event_id, actor.user_id AS user FROM events",
            settings=settings,
            tenant="acme",
            event_type="TOOL_CALL",
        )
        acme_tools = [e for h in range(HOURS) for e in emitted[("acme", h, "tool")]]
        assert sorted(tools.table.column("event_id").to_pylist()) == sorted(acme_tools)
        [pseudonym] = set(tools.table.column("user").to_pylist())
        assert pseudonym.startswith("<USER_ID:")

        by_user = query_archive(
            "SELECT event_id FROM events", settings=settings, tenant="acme", user=pseudonym
        )
        assert sorted(by_user.table.column("event_id").to_pylist()) == sorted(acme_tools)
