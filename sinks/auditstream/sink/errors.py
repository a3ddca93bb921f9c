"""Errors of the sink stage.

Every class derives from :class:`SinkError`, itself an
:class:`~auditstream.schemas.errors.AuditstreamError`. The archive the sink writes has
its own errors (:mod:`auditstream.archive.errors`); the sink raises those too::

    AuditstreamError
    ├── SinkError
    │   ├── SinkConfigError            settings are invalid (names the variable)
    │   ├── DeadLetterQueueUnavailableError  the DLQ topic did not take a flush's dead
    │   │                              letters (also an ArchiveUnavailableError: retried alike)
    │   ├── ConsumerError              Kafka reported a fatal consumer error
    │   ├── ManifestChainError         a partition's chain does not link where it must
    │   ├── UntrustedHeadError         a chain head is signed by a key the sink does not trust
    │   ├── UntrustedSignerError       the sink's own key is not trusted by the keyring
    │   └── FencedError                another worker wrote this chain sequence number first
    └── ArchiveError                   (auditstream.archive.errors)

Messages never contain payload text: keys, offsets, sizes and codes only.
"""

from __future__ import annotations

from auditstream.archive.errors import ArchiveUnavailableError
from auditstream.schemas.errors import AuditstreamError


class SinkError(AuditstreamError):
    """Base class of the sink's errors and of the archive's errors."""


class SinkConfigError(SinkError):
    """The sink's settings are invalid.

    Args:
        detail: Which variable is wrong, what it holds (masked if secret) and what is allowed.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"invalid sink settings: {detail}")


class DeadLetterQueueUnavailableError(SinkError, ArchiveUnavailableError):
    """The DLQ topic did not confirm every dead letter of a flush.

    A flush cannot be chained before its dead letters are durable, so the sink treats
    this as it treats a storage outage: the partition pauses, nothing is committed, and
    the whole flush is retried after ``retry_after_s`` (objects already stored are found
    by checksum; dead letters already delivered may be sent a second time, with the same
    source headers).

    Args:
        retry_after_s: Seconds to wait before the next attempt.
        topic: The DLQ topic.
        reason: librdkafka's error name, or how many letters were still unconfirmed.
    """

    def __init__(self, retry_after_s: float, *, topic: str, reason: str) -> None:
        self.retry_after_s = retry_after_s
        self.reason = f"DLQ topic {topic!r}: {reason}"
        self.key = None
        self.topic = topic
        SinkError.__init__(
            self,
            f"the DLQ topic {topic!r} did not confirm a flush's dead letters ({reason}); "
            f"check the brokers and the sink's write access to the topic; retrying in "
            f"{retry_after_s:g} s",
        )


class ConsumerError(SinkError):
    """Kafka reported a fatal error to the sink's consumer.

    Args:
        code: librdkafka's error name.
        reason: librdkafka's description.
    """

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"fatal Kafka consumer error {code}: {reason}")


class ManifestChainError(SinkError):
    """A partition's manifest chain does not continue where the sink expects it to.

    The sink stops rather than write a manifest that would not link: the archive is the
    source of truth, and a chain that does not link is evidence of tampering or of a
    second archive writing under the same prefix. Run ``audit verify`` on the prefix.

    Args:
        partition: The Kafka partition of the chain.
        seq: The sequence number where the chain breaks.
        expected_hash: What the chain says should be there (SHA-256 hex, or a position).
        found_hash: What was found instead.
    """

    def __init__(self, partition: int, seq: int, *, expected_hash: str, found_hash: str) -> None:
        self.partition = partition
        self.seq = seq
        self.expected_hash = expected_hash
        self.found_hash = found_hash
        super().__init__(
            f"manifest chain of partition {partition} breaks at seq {seq}: expected "
            f"{expected_hash}, found {found_hash}; nothing more was written for this partition, "
            "run `audit verify` on the archive prefix"
        )


class FencedError(SinkError):
    """Another worker wrote the manifest with this sequence number first.

    The manifest key is the fence: after a rebalance two workers may flush the same
    partition, and ``If-None-Match: *`` lets only one manifest per sequence number
    exist. The loser drops its batch (its data objects become orphans that verification
    reports) and continues after the winner's chain head.

    Args:
        partition: The Kafka partition.
        seq: The sequence number that was already taken.
    """

    def __init__(self, partition: int, seq: int) -> None:
        self.partition = partition
        self.seq = seq
        super().__init__(
            f"manifest {seq} of partition {partition} was written by another worker first; "
            "this worker drops its batch and resumes after the new chain head"
        )


class UntrustedHeadError(SinkError):
    """A partition's chain head is signed by a key the sink does not trust.

    The sink would resume right after the head and sign manifests linking to it, vouching
    for whatever the head claims (positions, objects). It stops instead: it never skips or
    overwrites positions on a head it cannot trust.

    Args:
        partition: The Kafka partition.
        key: The head manifest's object key.
        signer: The key id the head names as its signer.
        reason: Why it is not trusted.
    """

    def __init__(self, partition: int, *, key: str, signer: str, reason: str) -> None:
        self.partition = partition
        self.key = key
        self.signer = signer
        self.reason = reason
        super().__init__(
            f"the chain head of partition {partition} ({key!r}) cannot be trusted: signer "
            f"{signer}: {reason}; the sink wrote nothing for this partition and stops. Run "
            "`audit verify --key <trusted key>` on the archive; if the signer is a key you "
            "rotated to, store its rotation record (`audit keys rotate`) or add it to "
            "AUDITSTREAM_TRUST__KEYRING_FILE"
        )


class UntrustedSignerError(SinkError):
    """The sink's signing key is not trusted by the configured keyring.

    Auditors who trust that keyring would reject every manifest the sink signs.

    Args:
        key_id: The sink's key id.
        trusted: The key ids the keyring (with its rotations) trusts.
    """

    def __init__(self, key_id: str, *, trusted: list[str]) -> None:
        self.key_id = key_id
        self.trusted = trusted
        super().__init__(
            f"the sink's signing key {key_id} is not in the configured keyring "
            f"(AUDITSTREAM_TRUST__*, trusting {', '.join(trusted)}) and no rotation record "
            "hands trust to it; add its public key (`audit keys export`) to the keyring, or "
            "rotate to it with `audit keys rotate`"
        )
