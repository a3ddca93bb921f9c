"""The archive format: object layout, Arrow schema, S3 storage, writer and reader.

Shared by the sink (writes) and the auditor (reads). This subpackage imports no Kafka
client, so ``audit query`` can use it without one.
"""

from __future__ import annotations

from auditstream.sink.archive.arrow_schema import event_schema, events_to_table, table_to_events
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
from auditstream.sink.archive.reader import (
    ArchivedObject,
    decode_parquet,
    list_data_objects,
    read_object,
)
from auditstream.sink.archive.storage import BucketLock, check_bucket, make_s3_client
from auditstream.sink.archive.writer import (
    UNLOCKED_METADATA,
    ArchiveWriter,
    StoredObject,
    encode_parquet,
)

__all__ = [
    "DATA_ROOT",
    "UNKNOWN_TENANT",
    "UNLOCKED_METADATA",
    "ArchiveWriter",
    "ArchivedObject",
    "BucketLock",
    "ObjectKey",
    "PartitionPath",
    "StoredObject",
    "check_bucket",
    "data_root",
    "decode_parquet",
    "decode_tenant",
    "encode_parquet",
    "encode_tenant",
    "event_schema",
    "event_time",
    "events_to_table",
    "list_data_objects",
    "make_s3_client",
    "normalize_prefix",
    "parse_object_key",
    "read_object",
    "table_to_events",
]
