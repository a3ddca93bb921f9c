"""Find and read data objects in the archive (the auditor's side; never writes).

Listing is pruned by key prefix: a tenant selects one ``tenant=<t>/`` prefix, and a time
range starts each listing at the ``dt=`` of its first day (keys sort by day, then hour)
and stops after its last day, so a narrow query lists a narrow slice of a large archive.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import BotoCoreError, ClientError

from auditstream.archive.errors import ArchiveUnavailableError, BucketUnreachableError
from auditstream.archive.layout import (
    UNKNOWN_TENANT,
    ObjectKey,
    data_root,
    decode_tenant,
    encode_tenant,
    parse_object_key,
)
from auditstream.archive.storage import TRANSIENT_ERRORS, client_error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_HOUR = timedelta(hours=1)
# The reader is interactive: a short hint, since a person is waiting.
_RETRY_AFTER_S = 1.0


@dataclass(frozen=True, slots=True)
class ArchivedObject:
    """A data object found in the archive.

    Attributes:
        key: The full object key.
        size: Size in bytes.
        fields: What the key says: partition, offsets, tenant, day and hour.
    """

    key: str
    size: int
    fields: ObjectKey

    @property
    def tenant(self) -> str | None:
        """The tenant id, or None for events without one."""
        return decode_tenant(self.fields.path.tenant)


def list_data_objects(
    client: S3Client,
    *,
    bucket: str,
    prefix: str,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ArchivedObject]:
    """List the data objects whose events may match a tenant and a time range.

    Pruning is by object: an object is kept when its hour overlaps ``[since, until)``;
    rows inside it still need a filter on ``timestamp`` for an exact range. Keys that
    are not version-1 data objects are skipped.

    Args:
        client: The S3 client.
        bucket: The archive bucket.
        prefix: ``S3Settings.prefix`` the archive was written with.
        tenant: Only this tenant; :data:`~auditstream.archive.layout.UNKNOWN_TENANT`
            selects events without a tenant; None selects all tenants.
        since: Aware datetime; only events at or after it.
        until: Aware datetime; only events before it.

    Returns:
        The objects, sorted by key.

    Raises:
        BucketUnreachableError: The bucket is missing or may not be listed.
        ArchiveUnavailableError: The store did not answer.
    """
    root = data_root(prefix)
    if tenant is None:
        tenant_prefixes = list(_common_prefixes(client, bucket, root))
    else:
        segment = UNKNOWN_TENANT if tenant == UNKNOWN_TENANT else encode_tenant(tenant)
        tenant_prefixes = [f"{root}tenant={segment}/"]
    found = []
    for tenant_prefix in tenant_prefixes:
        # "…/dt=2026-01-05" sorts just before every key of that day.
        start_after = f"{tenant_prefix}dt={since.date().isoformat()}" if since else ""
        last_day = until.date().isoformat() if until else None
        for key, size in _keys(client, bucket, tenant_prefix, start_after):
            fields = parse_object_key(key, prefix)
            if fields is None:
                continue
            if last_day is not None and fields.path.day.isoformat() > last_day:
                break  # keys sort by day: nothing later can match
            if in_hours(fields, since, until):
                found.append(ArchivedObject(key, size, fields))
    return sorted(found, key=lambda o: o.key)


def in_hours(fields: ObjectKey, since: datetime | None, until: datetime | None) -> bool:
    """Whether an object's hour overlaps ``[since, until)`` (the pruning of a query).

    Args:
        fields: What the object's key says.
        since: Aware datetime, or None.
        until: Aware datetime, or None.
    """
    start = fields.hour_start
    return (since is None or start + _HOUR > since) and (until is None or start < until)


def key_selector(
    prefix: str,
    *,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Callable[[str], bool]:
    """Return a test on object keys: the objects :func:`list_data_objects` would select.

    Args:
        prefix: ``S3Settings.prefix`` the archive was written with.
        tenant: Only this tenant (as :func:`list_data_objects` takes it); None for all.
        since: Aware datetime; only objects of hours ending after it.
        until: Aware datetime; only objects of hours starting before it.
    """
    segment = None
    if tenant is not None:
        segment = UNKNOWN_TENANT if tenant == UNKNOWN_TENANT else encode_tenant(tenant)

    def accept(key: str) -> bool:
        fields = parse_object_key(key, prefix)
        if fields is None or (segment is not None and fields.path.tenant != segment):
            return False
        return in_hours(fields, since, until)

    return accept


def read_object(client: S3Client, *, bucket: str, key: str) -> bytes:
    """Read one object's bytes.

    Args:
        client: The S3 client.
        bucket: The archive bucket.
        key: The object key.

    Returns:
        The bytes.

    Raises:
        BucketUnreachableError: The object or bucket is missing, or may not be read.
        ArchiveUnavailableError: The store did not answer.
    """
    try:
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        code, status = client_error_code(exc)
        raise BucketUnreachableError(
            bucket, reason=f"cannot read {key!r}: {code} (HTTP {status})"
        ) from exc
    except TRANSIENT_ERRORS as exc:
        raise ArchiveUnavailableError(_RETRY_AFTER_S, reason=type(exc).__name__, key=key) from exc
    except BotoCoreError as exc:
        raise BucketUnreachableError(bucket, reason=type(exc).__name__) from exc


def decode_parquet(data: bytes) -> pa.Table:
    """Decode one archive object's bytes into an Arrow table.

    Args:
        data: The object's bytes, as :func:`read_object` returns them.

    Returns:
        The rows, with the schema stored in the file.
    """
    return pq.read_table(io.BytesIO(data))


def _common_prefixes(client: S3Client, bucket: str, root: str) -> Iterator[str]:
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=root, Delimiter="/"
    )
    with _translated(bucket):
        for page in pages:
            for entry in page.get("CommonPrefixes", []):
                if "Prefix" in entry:
                    yield entry["Prefix"]


def _keys(
    client: S3Client, bucket: str, prefix: str, start_after: str
) -> Iterator[tuple[str, int]]:
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, StartAfter=start_after
    )
    with _translated(bucket):
        for page in pages:
            for entry in page.get("Contents", []):
                yield entry["Key"], entry["Size"]


@contextmanager
def _translated(bucket: str) -> Iterator[None]:
    """Turn botocore errors raised while listing into sink errors."""
    try:
        yield
    except ClientError as exc:
        code, status = client_error_code(exc)
        reason = f"{code} (HTTP {status})"
        if code == "NoSuchBucket":
            reason = "the bucket does not exist"
        raise BucketUnreachableError(bucket, reason=f"cannot list: {reason}") from exc
    except TRANSIENT_ERRORS as exc:
        raise ArchiveUnavailableError(_RETRY_AFTER_S, reason=type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise BucketUnreachableError(bucket, reason=type(exc).__name__) from exc
