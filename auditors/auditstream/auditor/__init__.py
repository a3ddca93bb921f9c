"""The auditor tools: query the archive (later: trace, verify, export). Reads, never writes."""

from __future__ import annotations

from auditstream.auditor.errors import (
    ArchiveAccessError,
    AuditorConfigError,
    AuditorError,
    InvalidTimeRangeError,
    QueryError,
)
from auditstream.auditor.output import OutputFormat
from auditstream.auditor.query import QueryResult, query_archive, run_query
from auditstream.auditor.settings import AuditorSection, AuditorSettings, load_auditor_settings
from auditstream.auditor.timerange import parse_instant

__all__ = [
    "ArchiveAccessError",
    "AuditorConfigError",
    "AuditorError",
    "AuditorSection",
    "AuditorSettings",
    "InvalidTimeRangeError",
    "OutputFormat",
    "QueryError",
    "QueryResult",
    "load_auditor_settings",
    "parse_instant",
    "query_archive",
    "run_query",
]
