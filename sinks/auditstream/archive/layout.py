"""Object keys of the archive: where an event's Parquet object lives, and back.

Data objects are Hive-partitioned by tenant and event time (UTC)::

    [<prefix>/]events/v1/tenant=<tenant>/dt=<YYYY-MM-DD>/hour=<HH>/p<partition>-<first>-<last>.parquet

``first`` and ``last`` are the Kafka offsets of the object's first and last record, so a
key names exactly which records it holds. Tenant ids are made path-safe: every byte of
their UTF-8 form outside ``[A-Za-z0-9._-]`` is percent-encoded (as pyarrow's Hive
partitioning decodes it), a leading ``_`` too, because ``_`` prefixes are reserved for
markers, and an event without a tenant goes under ``tenant=_unknown``.

This module is pure: no I/O, no clients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from auditstream.schemas.model import AuditEvent

DATA_ROOT = "events/v1/"
"""Key prefix (below the configured prefix) of every data object of format version 1."""

UNKNOWN_TENANT = "_unknown"
"""Path segment of events that carry no tenant id."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_KEY = re.compile(
    r"^tenant=(?P<tenant>[^/]+)/dt=(?P<dt>\d{4}-\d{2}-\d{2})/hour=(?P<hour>\d{2})/"
    r"p(?P<partition>\d+)-(?P<first>\d+)-(?P<last>\d+)\.parquet$"
)
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def normalize_prefix(prefix: str) -> str:
    """Return a configured key prefix as ``""`` or ``"some/path/"``.

    Args:
        prefix: ``S3Settings.prefix``, with or without slashes around it.
    """
    stripped = prefix.strip("/")
    return f"{stripped}/" if stripped else ""


def data_root(prefix: str) -> str:
    """Return the key prefix of all data objects, e.g. ``"archive/events/v1/"``.

    Args:
        prefix: ``S3Settings.prefix``.
    """
    return normalize_prefix(prefix) + DATA_ROOT


def encode_tenant(tenant_id: str | None) -> str:
    """Return the path segment value for a tenant id.

    Args:
        tenant_id: The event's ``actor.tenant_id``; None or empty means unknown.

    Returns:
        A string of ``[A-Za-z0-9._%-]`` only, e.g. ``acme%2Feu`` for ``acme/eu``.
    """
    if not tenant_id:
        return UNKNOWN_TENANT
    out = []
    for index, byte in enumerate(tenant_id.encode("utf-8")):
        # A leading "_" is encoded so no tenant can collide with a marker like _unknown.
        if byte in _SAFE and not (index == 0 and byte == ord("_")):
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def decode_tenant(segment: str) -> str | None:
    """Invert :func:`encode_tenant`.

    Args:
        segment: The value after ``tenant=`` in a key.

    Returns:
        The tenant id, or None for ``_unknown``.
    """
    if segment == UNKNOWN_TENANT:
        return None
    raw = _PERCENT.sub(lambda m: chr(int(m[1], 16)), segment)
    # Each %XX stood for one UTF-8 byte; latin-1 maps chars 0-255 back to those bytes.
    return raw.encode("latin-1").decode("utf-8", errors="replace")


def event_time(timestamp_us: int) -> datetime:
    """Return an event timestamp (microseconds since the epoch) as an aware UTC datetime.

    Args:
        timestamp_us: The event's ``timestamp`` field.
    """
    # timedelta arithmetic is exact to the microsecond; fromtimestamp() goes through a float.
    return _EPOCH + timedelta(microseconds=timestamp_us)


@dataclass(frozen=True, slots=True, order=True)
class PartitionPath:
    """The Hive partition an event belongs to: tenant segment, UTC day and hour.

    Attributes:
        tenant: The encoded tenant segment (see :func:`encode_tenant`).
        day: The UTC date of the event.
        hour: The UTC hour of the event, 0-23.
    """

    tenant: str
    day: date
    hour: int

    @classmethod
    def of_event(cls, event: AuditEvent) -> PartitionPath:
        """Return the partition of an event, from its tenant and its ``timestamp``.

        Args:
            event: A decoded event.
        """
        actor = event.get("actor") or {}
        when = event_time(event["timestamp"])
        return cls(encode_tenant(actor.get("tenant_id")), when.date(), when.hour)

    def key_prefix(self, prefix: str) -> str:
        """Return the key prefix of this partition, ending in ``/``.

        Args:
            prefix: ``S3Settings.prefix``.
        """
        return (
            f"{data_root(prefix)}tenant={self.tenant}/dt={self.day.isoformat()}/"
            f"hour={self.hour:02d}/"
        )


@dataclass(frozen=True, slots=True)
class ObjectKey:
    """The fields of a data object's key.

    Attributes:
        path: The Hive partition.
        partition: The Kafka partition the records came from.
        first_offset: Offset of the first record in the object.
        last_offset: Offset of the last record in the object.
    """

    path: PartitionPath
    partition: int
    first_offset: int
    last_offset: int

    def render(self, prefix: str) -> str:
        """Return the full object key.

        Args:
            prefix: ``S3Settings.prefix``.
        """
        return (
            f"{self.path.key_prefix(prefix)}"
            f"p{self.partition}-{self.first_offset}-{self.last_offset}.parquet"
        )

    @property
    def hour_start(self) -> datetime:
        """The UTC start of the hour this object's events fall in."""
        day = self.path.day
        return datetime(day.year, day.month, day.day, self.path.hour, tzinfo=UTC)


def parse_object_key(key: str, prefix: str) -> ObjectKey | None:
    """Parse a data object's key back into its fields.

    Args:
        key: A full object key, as listed from the bucket.
        prefix: ``S3Settings.prefix`` the archive was written with.

    Returns:
        The fields, or None when the key is not a version-1 data object under ``prefix``.
    """
    root = data_root(prefix)
    if not key.startswith(root):
        return None
    match = _KEY.match(key[len(root) :])
    if match is None:
        return None
    hour = int(match["hour"])
    try:
        day = date.fromisoformat(match["dt"])
    except ValueError:
        return None
    if hour > 23:
        return None
    return ObjectKey(
        path=PartitionPath(match["tenant"], day, hour),
        partition=int(match["partition"]),
        first_offset=int(match["first"]),
        last_offset=int(match["last"]),
    )
