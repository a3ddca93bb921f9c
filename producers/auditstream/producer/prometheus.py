"""Export every live client's counters to ``prometheus_client``, when it is installed.

One collector per process, registered in the default registry with the first client,
reads :class:`~auditstream.producer.metrics.ClientStats` snapshots at scrape time, so
emitting costs nothing extra. Clients of one service are summed under its ``service``
label. Names follow ``auditstream_producer_<noun>_<unit>``; labels hold the service and
the shed cause, never tenant or user ids.

Imported only by :func:`auditstream.producer.lifecycle.register`, never by
``import auditstream.producer``; without ``prometheus_client`` it does nothing.
"""

from __future__ import annotations

import importlib.util
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditstream.producer.client import AuditClient

_COUNTERS = {
    "emitted": "Audit events emit() accepted.",
    "delivered": "Audit events the broker acknowledged.",
    "failed": "Delivery errors reported by librdkafka (those events were spooled).",
    "spooled": "Audit events written to the disk spool.",
    "replayed": "Spooled audit events delivered by the replayer.",
    "spool_damaged": "Damaged spool records skipped on replay.",
    "unjournaled": "Audit events produced without a write-ahead record (spool full or failing).",
}
_GAUGES = {
    "queue_depth": "Messages in librdkafka's queue.",
    "spool_depth": "Audit events waiting in the disk spool.",
    "spool_bytes": "Bytes the disk spool holds.",
}

_lock = threading.Lock()
_collector: _Collector | None = None


class _Collector:
    """A custom collector over the live clients (prometheus_client's collector protocol)."""

    def __init__(self) -> None:
        self.clients: weakref.WeakSet[AuditClient] = weakref.WeakSet()

    def describe(self) -> list[Any]:
        return []  # unchecked collector: families are built at scrape time

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (  # noqa: PLC0415 - optional dependency
            CounterMetricFamily,
            GaugeMetricFamily,
        )

        totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        shed: dict[tuple[str, str], int] = defaultdict(int)
        for client in list(self.clients):
            stats = client.stats()
            service = client.config.service_name
            for name in (*_COUNTERS, *_GAUGES):
                totals[name][service] += getattr(stats, name)
            for cause, count in stats.shed_by_cause.items():
                shed[(service, cause)] += count
        for name, help_text in _COUNTERS.items():
            family = CounterMetricFamily(
                f"auditstream_producer_events_{name}", help_text, labels=["service"]
            )
            for service, value in totals[name].items():
                family.add_metric([service], value)
            yield family
        shed_family = CounterMetricFamily(
            "auditstream_producer_shed",
            "Audit events given up, by cause.",
            labels=["service", "cause"],
        )
        for (service, cause), value in shed.items():
            shed_family.add_metric([service, cause], value)
        yield shed_family
        for name, help_text in _GAUGES.items():
            gauge = GaugeMetricFamily(f"auditstream_producer_{name}", help_text, labels=["service"])
            for service, value in totals[name].items():
                gauge.add_metric([service], value)
            yield gauge


def available() -> bool:
    """Return whether ``prometheus_client`` can be imported (without importing it)."""
    return importlib.util.find_spec("prometheus_client") is not None


def register(client: AuditClient) -> bool:
    """Add ``client`` to the process's collector, registering it on first use.

    Args:
        client: A started client.

    Returns:
        Whether the client is exported (False without ``prometheus_client``).
    """
    global _collector  # noqa: PLW0603 - one collector per process
    if not available():
        return False
    from prometheus_client import REGISTRY  # noqa: PLC0415 - optional dependency

    with _lock:
        if _collector is None:
            _collector = _Collector()
            REGISTRY.register(_collector)
        _collector.clients.add(client)
    return True
