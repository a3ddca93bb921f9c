"""The archive format: layout, Arrow schema, storage, writer, reader, manifests, verification.

Its own package, ``auditstream.archive``: the sink writes through it, the auditor reads and
verifies through it and never imports ``auditstream.sink``. It imports no Kafka client and
no settings machinery (it asks for the shape of S3 settings, :class:`S3Settings`), so a
third party can verify an archive with this package alone.
"""

from __future__ import annotations

from auditstream.archive.arrow_schema import event_schema, events_to_table, table_to_events
from auditstream.archive.chain import ChainHead, ChainReader
from auditstream.archive.chained import list_chained_objects
from auditstream.archive.digest import DIGEST_ROOT, Digest, DigestHead, digest_key
from auditstream.archive.errors import (
    ArchiveEncodeError,
    ArchiveError,
    ArchiveUnavailableError,
    ArchiveWriteError,
    BucketError,
    BucketNotLockedError,
    BucketUnreachableError,
    ManifestFormatError,
    ObjectExistsError,
    SigningKeyError,
)
from auditstream.archive.layout import (
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
from auditstream.archive.manifest import (
    KEYS_ROOT,
    MANIFEST_ROOT,
    Manifest,
    ManifestDeadLetter,
    ManifestObject,
    manifest_key,
    public_key_key,
)
from auditstream.archive.reader import (
    ArchivedObject,
    decode_parquet,
    list_data_objects,
    read_object,
)
from auditstream.archive.signing import Signer, canonical_json, key_id_of
from auditstream.archive.storage import BucketLock, S3Settings, check_bucket, make_s3_client
from auditstream.archive.verify import (
    Finding,
    FindingKind,
    PartitionReport,
    VerificationReport,
    VerifyProgress,
    verify_archive,
    verify_partition_chain,
)
from auditstream.archive.writer import (
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
