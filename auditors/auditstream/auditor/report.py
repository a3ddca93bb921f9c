"""Figures for ``audit report``, read from the archive: what happened, and how fast.

Three views, each one SQL query over ``events``:

* events per hour by event type;
* redactions by entity type (from each event's ``processing.redactions``);
* pipeline delay per hour: ``processing.ingested_at`` minus the event's own time, p50 and
  p99, in seconds. The archive keeps no history of consumer lag, but this delay is what
  lag does to events, and it is measured on every archived event.

Reads the archive, never writes; drawing is :mod:`auditstream.auditor.report_render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditstream.auditor.query import run_query
from auditstream.auditor.settings import AuditorSettings

_BY_HOUR_AND_TYPE = """
SELECT date_trunc('hour', "timestamp") AS hour, event_type, count(*) AS events
FROM events GROUP BY 1, 2 ORDER BY 1, 2
"""
_REDACTIONS = """
SELECT r.entity_type AS entity_type, sum(r.count)::BIGINT AS replaced
FROM events, unnest(processing.redactions) AS t(r)
GROUP BY 1 ORDER BY 2 DESC
"""
_DELAY_BY_HOUR = """
SELECT date_trunc('hour', "timestamp") AS hour,
       quantile_cont(epoch(processing.ingested_at) - epoch("timestamp"), 0.5) AS p50_s,
       quantile_cont(epoch(processing.ingested_at) - epoch("timestamp"), 0.99) AS p99_s,
       count(*) AS events
FROM events WHERE processing.ingested_at IS NOT NULL
GROUP BY 1 ORDER BY 1
"""


@dataclass(frozen=True)
class ReportData:
    """What the report shows.

    Attributes:
        by_hour: ``(hour, event_type, events)`` rows.
        redactions: ``(entity_type, replaced)`` rows, most replaced first.
        delay: ``(hour, p50 seconds, p99 seconds, events)`` rows.
    """

    by_hour: list[tuple[datetime, str, int]]
    redactions: list[tuple[str, int]]
    delay: list[tuple[datetime, float, float, int]]

    @property
    def total_events(self) -> int:
        """Events covered by the report."""
        return sum(n for _, _, n in self.by_hour)


def collect_report(
    *,
    settings: AuditorSettings,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReportData:
    """Run the report's queries over the (pruned) archive.

    Args:
        settings: The auditor's settings.
        tenant: Only this tenant's events.
        since: Only events at or after this time.
        until: Only events before this time.

    Returns:
        The figures.

    Raises:
        ArchiveAccessError: The archive cannot be read.
        QueryError: A query failed.
    """

    def rows(sql: str) -> list[dict[str, Any]]:
        table = run_query(sql, settings=settings, tenant=tenant, since=since, until=until)
        return table.to_pylist()

    by_hour, redactions, delay = rows(_BY_HOUR_AND_TYPE), rows(_REDACTIONS), rows(_DELAY_BY_HOUR)
    return ReportData(
        by_hour=[(r["hour"], r["event_type"], int(r["events"])) for r in by_hour],
        redactions=[(r["entity_type"], int(r["replaced"])) for r in redactions],
        delay=[(r["hour"], float(r["p50_s"]), float(r["p99_s"]), int(r["events"])) for r in delay],
    )
