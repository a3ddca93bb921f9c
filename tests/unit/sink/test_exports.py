"""The sink's public surface, and that the archive does not load the Kafka worker."""

from __future__ import annotations

import subprocess
import sys

import auditstream.sink
import auditstream.sink.archive


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

    def test_the_archive_package_exports_exactly_these_names(self):
        """The auditor builds on these; keep the list sorted and deliberate."""
        assert auditstream.sink.archive.__all__ == [
            "DATA_ROOT",
            "DIGEST_ROOT",
            "KEYS_ROOT",
            "MANIFEST_ROOT",
            "UNKNOWN_TENANT",
            "UNLOCKED_METADATA",
            "ArchiveWriter",
            "ArchivedObject",
            "BucketLock",
            "ChainHead",
            "ChainReader",
            "Digest",
            "DigestHead",
            "Finding",
            "FindingKind",
            "Manifest",
            "ManifestDeadLetter",
            "ManifestObject",
            "ObjectKey",
            "PartitionPath",
            "PartitionReport",
            "Signer",
            "StoredObject",
            "VerificationReport",
            "VerifyProgress",
            "canonical_json",
            "check_bucket",
            "data_root",
            "decode_parquet",
            "decode_tenant",
            "digest_key",
            "encode_parquet",
            "encode_tenant",
            "event_schema",
            "event_time",
            "events_to_table",
            "key_id_of",
            "list_chained_objects",
            "list_data_objects",
            "make_s3_client",
            "manifest_key",
            "normalize_prefix",
            "parse_object_key",
            "public_key_key",
            "read_object",
            "table_to_events",
            "verify_archive",
            "verify_partition_chain",
        ]

    def test_every_exported_name_resolves(self):
        """Lazy names (the worker) resolve on first use."""
        for module in (auditstream.sink, auditstream.sink.archive):
            missing = [name for name in module.__all__ if not hasattr(module, name)]
            assert missing == []

    def test_importing_the_archive_does_not_load_the_worker(self):
        """The auditor imports the archive; the consumer loop stays out of its process."""
        code = (
            "import sys, auditstream.sink.archive, auditstream.sink; "
            "print(any(m in sys.modules for m in "
            "('auditstream.sink.worker', 'auditstream.sink.runner')))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip() == "False"
