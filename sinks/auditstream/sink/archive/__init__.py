"""The archive format: layout, Arrow schema, storage, writer, reader, manifests, verification.

Shared by the sink (writes) and the auditor (reads and verifies). This subpackage imports
no Kafka client, so ``audit query`` and ``audit verify`` can use it without one.
"""

from __future__ import annotations

from auditstream.sink.archive.arrow_schema import event_schema, events_to_table, table_to_events
from auditstream.sink.archive.chain import ChainHead, ChainReader
from auditstream.sink.archive.chained import list_chained_objects
from auditstream.sink.archive.digest import DIGEST_ROOT, Digest, DigestHead, digest_key
from auditstream.sink.archive.layout import (
    DATA_ROOT,
    UNKNOWN_TENANT,
    ObjectKey,
    PartitionPath,
    data_root,
    decode_tenant,
    encode_tenant,
    event_time,
    normalize_prefix,
    parse_object_key,
)
from auditstream.sink.archive.manifest import (
    KEYS_ROOT,
    MANIFEST_ROOT,
    Manifest,
    ManifestDeadLetter,
    ManifestObject,
    manifest_key,
    public_key_key,
)
from auditstream.sink.archive.reader import (
    ArchivedObject,
    decode_parquet,
    list_data_objects,
    read_object,
)
from auditstream.sink.archive.signing import Signer, canonical_json, key_id_of
from auditstream.sink.archive.storage import BucketLock, check_bucket, make_s3_client
from auditstream.sink.archive.verify import (
    Finding,
    FindingKind,
    PartitionReport,
    VerificationReport,
    VerifyProgress,
    verify_archive,
    verify_partition_chain,
)
from auditstream.sink.archive.writer import (
    UNLOCKED_METADATA,
    ArchiveWriter,
    StoredObject,
    encode_parquet,
)

__all__ = [
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
