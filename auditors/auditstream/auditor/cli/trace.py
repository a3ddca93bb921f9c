"""``audit trace <trace_id>``: one request path as a timeline tree."""

from __future__ import annotations

from auditstream.auditor.cli.timeline import trace_app as app

__all__ = ["app"]
