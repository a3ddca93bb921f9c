"""The archive package's public surface, and what it keeps out of a process that imports it."""

from __future__ import annotations

import subprocess
import sys

import auditstream.archive

# Run in a fresh interpreter: this test process has long imported everything.
_IMPORTED_BY = """
import importlib, pkgutil, sys
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), name + "."):
        importlib.import_module(info.name)
print(" ".join(sorted(sys.modules)))
"""


def modules_loaded_by(*packages: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORTED_BY, *packages], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


class TestArchivePackage:
    def test_it_exports_exactly_these_names(self):
        """The sink and the auditor build on these; keep the list sorted and deliberate."""
        assert auditstream.archive.__all__ == [
            "DATA_ROOT",
            "DIGEST_ROOT",
            "KEYS_ROOT",
            "MANIFEST_ROOT",
            "UNKNOWN_TENANT",
            "UNLOCKED_METADATA",
            "ArchiveEncodeError",
            "ArchiveError",
            "ArchiveUnavailableError",
            "ArchiveWriteError",
            "ArchiveWriter",
            "ArchivedObject",
            "BucketError",
            "BucketLock",
            "BucketNotLockedError",
            "BucketUnreachableError",
            "ChainHead",
            "ChainReader",
            "Digest",
            "DigestHead",
            "Finding",
            "FindingKind",
            "Manifest",
            "ManifestDeadLetter",
            "ManifestFormatError",
            "ManifestObject",
            "ObjectExistsError",
            "ObjectKey",
            "PartitionPath",
            "PartitionReport",
            "S3Settings",
            "Signer",
            "SigningKeyError",
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
        missing = [n for n in auditstream.archive.__all__ if not hasattr(auditstream.archive, n)]
        assert missing == []

    def test_it_imports_no_kafka_client_no_settings_machinery_and_no_sink(self):
        """A third party verifies an archive with this package alone."""
        loaded = modules_loaded_by("auditstream.archive")
        unwanted = {"confluent_kafka", "aiokafka", "faust", "pydantic_settings", "auditstream.sink"}
        assert {
            m.split(".")[0] if not m.startswith("auditstream") else m for m in loaded
        } & unwanted == set()

    def test_no_auditor_module_imports_the_sink(self):
        """The auditor reads the archive through auditstream.archive, never through the sink."""
        loaded = modules_loaded_by("auditstream.auditor")
        assert sorted(m for m in loaded if m.startswith("auditstream.sink")) == []
