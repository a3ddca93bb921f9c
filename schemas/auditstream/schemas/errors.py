"""The root of every Auditstream error, and the codec's errors.

Every stage derives its own base from :class:`AuditstreamError`, so an operator (or a
caller) can catch the whole family with one ``except``::

    AuditstreamError
    └── CodecError
        ├── EncodeError            an event does not fit the schema (a programming error)
        ├── DecodeError            bytes that are not a valid AuditEvent
        │   ├── UnknownSchemaError a well-formed frame naming a schema we do not ship
        │   └── SchemaRegistryUnavailableError  the registry did not answer for a frame's id
        └── InvalidEventError      decodes, but breaks a rule the schema cannot express
    └── WorkerIdentityError        no group.instance.id slot could be claimed (identity.py)
    └── SchemaRegistrySetupError   the registry client is missing or refuses its settings

Messages never contain payload text: only sizes, offsets, field names and fingerprints.
"""

from __future__ import annotations


class AuditstreamError(Exception):
    """Base class of every error raised by Auditstream."""


class CodecError(AuditstreamError):
    """Base class of the event contract's errors (encoding, decoding, validation)."""


class EncodeError(CodecError):
    """An event could not be encoded: it does not match the AuditEvent schema.

    Args:
        reason: What is wrong, naming the field but never its value.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"cannot encode AuditEvent: {reason}")


class DecodeError(CodecError):
    """Bytes could not be decoded into an AuditEvent.

    Args:
        reason: What was expected and what was found.
        offset_in_payload: Byte offset where decoding stopped, when known.
        size: Size of the payload in bytes.
    """

    def __init__(self, reason: str, *, offset_in_payload: int | None = None, size: int) -> None:
        self.reason = reason
        self.offset_in_payload = offset_in_payload
        self.size = size
        where = "" if offset_in_payload is None else f" at byte {offset_in_payload}"
        super().__init__(f"cannot decode AuditEvent ({size} bytes){where}: {reason}")


class UnknownSchemaError(DecodeError):
    """A framed payload names a schema this build does not know.

    The producer runs a newer (or foreign) schema: upgrade the consumer's
    ``auditstream`` package so it ships that ``.avsc`` file.

    Args:
        schema_ref: The fingerprint (hex) or registry schema id found in the frame.
        size: Size of the payload in bytes.
    """

    def __init__(self, schema_ref: str, *, size: int) -> None:
        self.schema_ref = schema_ref
        super().__init__(
            f"unknown writer schema {schema_ref}; upgrade auditstream on this consumer so it "
            "ships that schema version",
            offset_in_payload=0,
            size=size,
        )


class SchemaRegistryUnavailableError(DecodeError):
    """The schema registry did not answer for a Confluent frame's schema id.

    The payload may well be a good event: once the registry answers again, replay the
    dead letters that carry this error class into the raw topic.

    Args:
        url: The registry's URL (without credentials).
        schema_id: The id found in the frame.
        detail: What failed: the error class and, for an HTTP answer, its status.
        size: Size of the payload in bytes.
    """

    def __init__(self, url: str, schema_id: int, detail: str, *, size: int) -> None:
        self.url = url
        self.schema_id = schema_id
        self.detail = detail
        super().__init__(
            f"schema registry {url} did not resolve registry id {schema_id} ({detail}); "
            "check that the registry is reachable from this worker, then replay these "
            "dead letters",
            offset_in_payload=0,
            size=size,
        )


class InvalidEventError(CodecError):
    """A decoded event breaks a rule of the contract that Avro cannot express.

    Args:
        field: Dotted path of the offending field.
        reason: What the rule is and how the value breaks it (never the value itself).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"invalid AuditEvent field {field!r}: {reason}")


class WorkerIdentityError(AuditstreamError):
    """No ``group.instance.id`` slot could be claimed for a worker.

    Args:
        reason: What went wrong (all slots taken, or the lock folder unusable), naming
            the folder.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"cannot claim a worker identity: {reason}")


class SchemaRegistrySetupError(AuditstreamError):
    """A Confluent Schema Registry is configured, but no client for it can be built.

    Args:
        url: The registry's URL (without credentials).
        reason: What is missing or refused, and what to do.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot use the schema registry {url}: {reason}")
