"""The sink's public surface, and that the archive does not load the Kafka worker."""

from __future__ import annotations

import subprocess
import sys

import auditstream.archive
import auditstream.sink


class TestExports:
    def test_the_sink_package_exports_exactly_these_names(self):
        """Changing the public surface is a deliberate act: update this list with it."""
        assert auditstream.sink.__all__ == [
            "ArchiveEncodeError",
            "ArchiveUnavailableError",
            "ArchiveWriteError",
            "BatchDecoder",
            "BucketError",
            "BucketNotLockedError",
            "BucketUnreachableError",
            "ConsumerError",
            "DeadLetterQueueUnavailableError",
            "FencedError",
            "ManifestChainError",
            "ManifestFormatError",
            "ObjectExistsError",
            "SigningKeyError",
            "SinkConfigError",
            "SinkError",
            "SinkSection",
            "SinkSettings",
            "SinkStats",
            "SinkWorker",
            "consumer_config",
            "load_sink_settings",
            "run_sink",
        ]

    def test_every_exported_name_resolves(self):
        """Lazy names (the worker) resolve on first use."""
        for module in (auditstream.sink, auditstream.archive):
            missing = [name for name in module.__all__ if not hasattr(module, name)]
            assert missing == []

    def test_importing_the_archive_does_not_load_the_worker(self):
        """The auditor imports the archive; the consumer loop stays out of its process."""
        code = (
            "import sys, auditstream.archive, auditstream.sink; "
            "print(any(m in sys.modules for m in "
            "('auditstream.sink.worker', 'auditstream.sink.runner')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip() == "False"
