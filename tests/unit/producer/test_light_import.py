"""The SDK stays light: importing it loads none of the workers' heavy dependencies."""

from __future__ import annotations

import json
import subprocess
import sys

import auditstream.producer

HEAVY_MODULES = (
    "faust",
    "presidio_analyzer",
    "pyarrow",
    "pydantic",
    "duckdb",
    "boto3",
    "spacy",
    "structlog",
    # optional integrations: used when present, never imported by the SDK itself
    "prometheus_client",
    "opentelemetry",
    "langchain_core",
)

PUBLIC_NAMES = [
    "SECRET_PATTERNS",
    "AuditClient",
    "AuditEventError",
    "ClientConfig",
    "ClientStats",
    "CommonFields",
    "ConfigError",
    "ContentPolicy",
    "EventStatus",
    "EventType",
    "FsyncPolicy",
    "ProducerError",
    "ProducerLike",
    "SchemaRegistryConfig",
    "ScrubResult",
    "SecretPattern",
    "ShedPolicy",
    "Span",
    "SpoolUnavailableError",
    "StatsCallback",
    "TraceContext",
    "TraceparentError",
    "continue_trace",
    "current_trace",
    "current_traceparent",
    "current_tracestate",
    "format_traceparent",
    "parse_traceparent",
    "scrub",
]


class TestLightImport:
    def test_import_loads_no_heavy_dependency(self) -> None:
        """A fresh interpreter importing the SDK has none of the heavy modules loaded."""
        code = (
            "import json, sys\n"
            "import auditstream.producer\n"
            f"heavy = {HEAVY_MODULES!r}\n"
            "print(json.dumps({'imported': 'auditstream.producer' in sys.modules,\n"
            "  'heavy': sorted(m for m in sys.modules if m.split('.')[0] in heavy)}))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report == {"imported": True, "heavy": []}

    def test_import_reads_no_environment_and_starts_no_client(self) -> None:
        """Importing with a broken AUDITSTREAM_* environment still succeeds."""
        env = {"AUDITSTREAM_PRODUCER__CONTENT_POLICY": "nonsense", "PATH": ""}
        done = subprocess.run(
            [sys.executable, "-c", "import auditstream.producer"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr


class TestPublicSurface:
    def test_all_is_pinned(self) -> None:
        """__all__ lists exactly the documented public names, sorted."""
        assert auditstream.producer.__all__ == PUBLIC_NAMES
        assert sorted(PUBLIC_NAMES, key=lambda n: (not n.isupper(), n)) == PUBLIC_NAMES

    def test_every_public_name_exists(self) -> None:
        """Each name in __all__ is importable from the package."""
        missing = [n for n in PUBLIC_NAMES if not hasattr(auditstream.producer, n)]
        assert missing == []
