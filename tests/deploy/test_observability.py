"""The alert rules and the dashboard name only metrics the code exports.

The exported names are read from the code's own registries (the processor's module
metrics, the sink's :class:`SinkMetrics`, the SDK's collector), in the form Prometheus
scrapes them: counters with ``_total``, histograms with ``_bucket``/``_sum``/``_count``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.metrics_core import Metric

import auditstream.processor.metrics  # noqa: F401  # registers the processor's metrics
from auditstream.producer import prometheus as producer_prometheus
from auditstream.sink.metrics import SinkMetrics

CHART = Path(__file__).parents[2] / "deploy" / "helm" / "auditstream"
RULES = CHART / "templates" / "prometheusrule.yaml"
DASHBOARD = CHART / "files" / "grafana-dashboard.json"

_METRIC = re.compile(r"\bauditstream_[a-z0-9_]+\b")


def _scraped_names(families: list[Metric]) -> set[str]:
    names: set[str] = set()
    for family in families:
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names.update(f"{family.name}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
        else:
            names.add(family.name)
    return names


@pytest.fixture(scope="module")
def exported() -> set[str]:
    sink = CollectorRegistry()
    SinkMetrics.create(sink)
    families = [
        *(f for f in REGISTRY.collect() if f.name.startswith("auditstream_processor_")),
        *sink.collect(),
        *producer_prometheus._Collector().collect(),
    ]
    return _scraped_names(families)


def _named_in(text: str) -> set[str]:
    return set(_METRIC.findall(text))


class TestMetricNames:
    def test_the_code_exports_every_stage(self, exported: set[str]) -> None:
        """The registries this test reads are not empty, so a missing name means missing."""
        assert "auditstream_processor_events_in_total" in exported
        assert "auditstream_sink_events_archived_total" in exported
        assert "auditstream_producer_spool_depth" in exported

    def test_every_metric_in_the_alert_rules_exists(self, exported: set[str]) -> None:
        named = _named_in(RULES.read_text())
        assert named, "the rules name no metric"
        assert named - exported == set()

    def test_every_metric_in_the_dashboard_exists(self, exported: set[str]) -> None:
        dashboard = json.loads(DASHBOARD.read_text())
        exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        named = _named_in("\n".join(exprs))
        assert named, "the dashboard names no metric"
        assert named - exported == set()


class TestAlertCoverage:
    @pytest.mark.parametrize(
        ("concern", "metric"),
        [
            ("processor lag", "auditstream_processor_lag_messages"),
            ("DLQ rate", "auditstream_processor_dlq_total"),
            ("chain-head age", "auditstream_sink_chain_head_timestamp_seconds"),
            ("digest age", "auditstream_sink_digest_timestamp_seconds"),
            ("SDK spool depth", "auditstream_producer_spool_depth"),
            ("UNSCANNED redactions", "auditstream_processor_unscanned_total"),
        ],
    )
    def test_an_alert_watches(self, concern: str, metric: str) -> None:
        alerts = re.split(r"\n\s+- alert: ", RULES.read_text())[1:]
        assert any(metric in alert for alert in alerts), f"no alert on {concern}"
