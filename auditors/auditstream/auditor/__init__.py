"""The auditor and operator tools: query, trace, verify, export, status, report.

Reads the archive (and Kafka metadata for status); never writes either. Charts
(matplotlib) and the CLI (Rich) load only in their own modules.
"""

from __future__ import annotations

from auditstream.auditor.archive_status import ArchiveStatus, read_archive_status
from auditstream.auditor.errors import (
    ArchiveAccessError,
    AuditorConfigError,
    AuditorError,
    InvalidTimeRangeError,
    QueryError,
)
from auditstream.auditor.export import ExportFormat, ExportSummary, export_evidence, verify_package
from auditstream.auditor.output import OutputFormat
from auditstream.auditor.query import QueryResult, query_archive, run_query, select_objects
from auditstream.auditor.settings import AuditorSection, AuditorSettings, load_auditor_settings
from auditstream.auditor.status import PipelineStatus, read_status
from auditstream.auditor.timeline import Timeline, load_session, load_trace
from auditstream.auditor.timerange import parse_instant
from auditstream.auditor.verify import verify_bucket, verify_copy

__all__ = [
    "ArchiveAccessError",
    "ArchiveStatus",
    "AuditorConfigError",
    "AuditorError",
    "AuditorSection",
    "AuditorSettings",
    "ExportFormat",
    "ExportSummary",
    "InvalidTimeRangeError",
    "OutputFormat",
    "PipelineStatus",
    "QueryError",
    "QueryResult",
    "Timeline",
    "export_evidence",
    "load_auditor_settings",
    "load_session",
    "load_trace",
    "parse_instant",
    "query_archive",
    "read_archive_status",
    "read_status",
    "run_query",
    "select_objects",
    "verify_bucket",
    "verify_copy",
    "verify_package",
]
