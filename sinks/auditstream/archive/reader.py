"""Find and read data objects in the archive (the auditor's side; never writes).

Listing is pruned by key prefix: a tenant selects one ``tenant=<t>/`` prefix, and a time
range starts each listing at the ``dt=`` of its first day (keys sort by day, then hour)
and stops after its last day, so a narrow query lists a narrow slice of a large archive.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from auditstream.archive.errors import BucketUnreachableError
from auditstream.archive.layout import (
    UNKNOWN_TENANT,
    ObjectKey,
    data_root,
    decode_tenant,
    encode_tenant,
    parse_object_key,
)
from auditstream.archive.store import ObjectStore

_HOUR = timedelta(hours=1)


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
    store: ObjectStore,
    *,
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
        store: The bucket, or a directory copy of it.
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
        tenant_prefixes = list(store.list_prefixes(root))
    else:
        segment = UNKNOWN_TENANT if tenant == UNKNOWN_TENANT else encode_tenant(tenant)
        tenant_prefixes = [f"{root}tenant={segment}/"]
    found = []
    for tenant_prefix in tenant_prefixes:
        # "…/dt=2026-01-05" sorts just before every key of that day.
        start_after = f"{tenant_prefix}dt={since.date().isoformat()}" if since else ""
        last_day = until.date().isoformat() if until else None
        for listed in store.list_objects(tenant_prefix, start_after=start_after):
            fields = parse_object_key(listed.key, prefix)
            if fields is None:
                continue
            if last_day is not None and fields.path.day.isoformat() > last_day:
                break  # keys sort by day: nothing later can match
            if in_hours(fields, since, until):
                found.append(ArchivedObject(listed.key, listed.size, fields))
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


def read_object(store: ObjectStore, *, key: str) -> bytes:
    """Read one object's bytes.

    Args:
        store: The bucket, or a directory copy of it.
        key: The object key.

    Returns:
        The bytes.

    Raises:
        BucketUnreachableError: The object is missing, or the bucket refused the read.
        ArchiveUnavailableError: The store did not answer.
        CopyUnreadableError: The copy's file cannot be read.
    """
    found = store.get(key)
    if found is None:
        raise BucketUnreachableError(store.name, reason=f"cannot read {key!r}: no such object")
    return found.data


def decode_parquet(data: bytes) -> pa.Table:
    """Decode one archive object's bytes into an Arrow table.

    Args:
        data: The object's bytes, as :func:`read_object` returns them.

    Returns:
        The rows, with the schema stored in the file.
    """
    return pq.read_table(io.BytesIO(data))
