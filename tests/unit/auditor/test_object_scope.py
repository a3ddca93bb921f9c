"""Which data objects ``audit verify`` downloads and hashes for a tenant and time range."""

from __future__ import annotations

from datetime import UTC, datetime

from auditstream.auditor.verify import object_scope


class TestObjectScope:
    def test_without_filters_every_object_is_checked(self) -> None:
        """No tenant or time means hash everything."""
        assert object_scope("", tenant=None, since=None, until=None) is True

    def test_tenant_and_hours_select_objects_by_key(self) -> None:
        """Only keys of the tenant within the hours pass."""
        accept = object_scope(
            "",
            tenant="acme",
            since=datetime(2026, 1, 5, 10, tzinfo=UTC),
            until=datetime(2026, 1, 5, 11, 30, tzinfo=UTC),
        )
        assert callable(accept)
        key = "events/v1/tenant={t}/dt=2026-01-05/hour={h}/p0-1-2.parquet"
        assert accept(key.format(t="acme", h="10"))
        assert accept(key.format(t="acme", h="11"))
        assert not accept(key.format(t="acme", h="12"))
        assert not accept(key.format(t="globex", h="10"))
        assert not accept("manifests/v1/p0/0.json")
