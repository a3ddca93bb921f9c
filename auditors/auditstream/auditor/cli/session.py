"""``audit session <session_id>``: every request of a session as timeline trees."""

from __future__ import annotations

from auditstream.auditor.cli.timeline import session_app as app

__all__ = ["app"]
