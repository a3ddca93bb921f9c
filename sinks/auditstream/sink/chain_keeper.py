"""The worker's side of the manifest chains: resume from the bucket, append after a flush.

The bucket, not Kafka, says where each partition continues: :meth:`ChainKeeper.resume`
reads the partition's chain head and checks that a trusted key signed it (a head it
cannot trust stops the worker: resuming would vouch for whatever the head claims);
:meth:`ChainKeeper.append` writes the next manifest with ``If-None-Match: *``. The
manifest key is the fence: if another worker took the sequence number first,
:class:`FencedError` tells the caller to drop its batch and resume after the new head.
No Kafka here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from auditstream.archive.chain import ChainHead, ChainReader
from auditstream.archive.errors import ObjectExistsError
from auditstream.archive.manifest import (
    Manifest,
    ManifestDeadLetter,
    ManifestObject,
    manifest_key,
    public_key_key,
)
from auditstream.archive.signing import Signer, public_key_pem, verify_signature
from auditstream.archive.trust import Keyring
from auditstream.archive.writer import ArchiveWriter
from auditstream.sink.errors import FencedError, ManifestChainError, UntrustedHeadError
from auditstream.sink.flush import FlushResult

log = structlog.get_logger(__name__)


class ChainKeeper:
    """Keeps the chain head of every partition this worker flushes.

    Args:
        writer: The archive writer (manifests are written and locked like data).
        reader: Reads heads and published keys from the same prefix.
        signer: Signs every manifest.
        keyring: Keys whose heads may be resumed from besides the signer's own
            (:func:`~auditstream.sink.keys.load_trust`).
        topic: The topic whose partitions the chains describe.
        retain_until: Returns the retention end for an object written now.
        clock: Returns the current aware UTC time.
    """

    __slots__ = (
        "_clock",
        "_heads",
        "_keyring",
        "_reader",
        "_retain_until",
        "_signer",
        "_topic",
        "_writer",
    )

    def __init__(
        self,
        writer: ArchiveWriter,
        reader: ChainReader,
        signer: Signer,
        *,
        keyring: Keyring | None = None,
        topic: str,
        retain_until: Callable[[], datetime],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._writer = writer
        self._reader = reader
        self._signer = signer
        self._keyring = Keyring.of(signer.public_key).union(keyring or Keyring({}))
        self._topic = topic
        self._retain_until = retain_until
        self._clock = clock
        # partition -> head; None for a partition whose chain is known to be empty.
        self._heads: dict[int, ChainHead | None] = {}

    @property
    def signer(self) -> Signer:
        """The signer of this worker's manifests."""
        return self._signer

    def publish_key(self) -> None:
        """Publish the signer's public key as ``keys/<key id>.pub`` (write-once, locked).

        A key already published under its id is left as it is (the id is its hash).

        Raises:
            ArchiveUnavailableError: The store did not answer.
            ArchiveWriteError: The store refused the write.
        """
        key = public_key_key(self._reader.prefix, self._signer.key_id)
        data = public_key_pem(self._signer.public_key)
        stored = self._writer.put_idempotent(key, data, retain_until=self._retain_until())
        log.info("signing_key_published", key_id=self._signer.key_id, created=stored.created)

    def head(self, partition: int) -> ChainHead | None:
        """Return the head this worker last saw (after :meth:`resume` or :meth:`append`).

        Args:
            partition: The Kafka partition.
        """
        return self._heads.get(partition)

    def forget(self, partition: int) -> None:
        """Drop what is known about a partition (it was revoked, or another worker won).

        Args:
            partition: The Kafka partition.
        """
        self._heads.pop(partition, None)

    def resume(self, partition: int) -> ChainHead | None:
        """Read a partition's chain head from the bucket and check its signature.

        Args:
            partition: The Kafka partition.

        Returns:
            The head, or None when the partition has no manifest yet.

        Raises:
            ManifestChainError: The head belongs to another topic, or the manifest after it
                was deleted (hidden by a delete marker).
            UntrustedHeadError: The head is not signed by a trusted key, its signature
                fails, or it names another partition or sequence number than its key.
            ManifestFormatError: The head is not a valid manifest.
            ArchiveUnavailableError: The store did not answer.
        """
        known = self._heads.get(partition)
        seq = self._reader.head_seq(partition, known=known.seq if known else None)
        head = None if seq is None else self._reader.manifest(partition, seq)
        if head is not None:
            self._check(head, partition, seq)
        following = head.seq + 1 if head else 0
        if self._reader.deleted(manifest_key(self._reader.prefix, partition, following)):
            raise ManifestChainError(
                partition,
                following,
                expected_hash="no manifest after the head",
                found_hash="a deleted manifest (a delete marker hides it); the chain was cut",
            )
        self._heads[partition] = head
        return head

    def append(self, result: FlushResult) -> ChainHead:
        """Write, sign and lock the manifest of a flush as the partition's next link.

        Args:
            result: What the flush wrote.

        Returns:
            The new head.

        Raises:
            FencedError: Another worker wrote this sequence number first.
            ManifestChainError: The flush does not start at or after the chain position.
            ArchiveUnavailableError: The store did not answer; nothing may be committed.
            ArchiveWriteError: The store refused the write.
        """
        partition = result.pid.partition
        if partition not in self._heads:
            self.resume(partition)
        head = self._heads[partition]
        position_before = head.position_after if head else result.first_offset
        seq = head.seq + 1 if head else 0
        if result.first_offset < position_before:
            raise ManifestChainError(
                partition,
                seq,
                expected_hash=f"a batch from offset {position_before}",
                found_hash=f"a batch from offset {result.first_offset}",
            )
        manifest = Manifest(
            topic=self._topic,
            partition=partition,
            seq=seq,
            position_before=position_before,
            position_after=result.next_offset,
            records=result.records,
            objects=tuple(
                ManifestObject(
                    key=o.stored.key,
                    sha256=o.stored.sha256,
                    size=o.stored.size,
                    records=o.records,
                    first_offset=o.key.first_offset,
                    last_offset=o.key.last_offset,
                    min_timestamp_us=o.min_timestamp,
                    max_timestamp_us=o.max_timestamp,
                    version_id=o.stored.version_id,
                )
                for o in result.objects
            ),
            prev_sha256=head.sha256 if head else None,
            written_at=self._clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            unlocked=not self._writer.locked,
            signer_key_id=self._signer.key_id,
            dead_letters=tuple(
                ManifestDeadLetter(r.offset, r.error_class, r.reason) for r in result.rejected
            ),
        ).signed(self._signer)
        key = manifest_key(self._reader.prefix, partition, seq)
        data = manifest.to_bytes()
        try:
            self._writer.put(key, data, retain_until=self._retain_until())
        except ObjectExistsError:
            theirs = self._reader.manifest(partition, seq)
            if theirs is None or not _same_batch(theirs.manifest, manifest):
                self._heads.pop(partition, None)
                raise FencedError(partition, seq) from None
            # Our own earlier attempt landed before its answer was lost: it is the head.
            self._heads[partition] = theirs
            return theirs
        new_head = ChainHead(manifest, manifest.sha256())
        self._heads[partition] = new_head
        return new_head

    def check_head(self, head: ChainHead, partition: int, seq: int) -> None:
        """Check that a head read from the bucket may be built on or vouched for.

        Args:
            head: The manifest found at ``seq``.
            partition: The partition whose chain it heads.
            seq: The sequence number of the key it was read from.

        Raises:
            UntrustedHeadError: It is not signed by a trusted key, its signature fails,
                or it names another partition or sequence number than its key.
            ManifestChainError: It belongs to another topic.
        """
        self._check(head, partition, seq)

    def _check(self, head: ChainHead, partition: int, seq: int | None) -> None:
        manifest = head.manifest
        key = manifest_key(self._reader.prefix, partition, head.seq if seq is None else seq)
        if (manifest.partition, manifest.seq) != (partition, seq):
            raise UntrustedHeadError(
                partition,
                key=key,
                signer=manifest.signer_key_id,
                reason=f"it names partition {manifest.partition} seq {manifest.seq}: a "
                "manifest copied from another place in the archive",
            )
        if manifest.topic != self._topic:
            raise ManifestChainError(
                manifest.partition,
                manifest.seq,
                expected_hash=f"topic {self._topic!r}",
                found_hash=f"topic {manifest.topic!r} (another archive uses this prefix)",
            )
        signer = manifest.signer_key_id
        public_key = self._keyring.keys.get(signer)
        reason = None
        if public_key is None:
            reason = (
                f"not this worker's key, not in the keyring ({', '.join(self._keyring.key_ids())})"
                ", and no trusted rotation names it"
            )
        elif not verify_signature(public_key, manifest.signature, manifest.signed_payload()):
            reason = "the signature does not verify"
        if reason is not None:
            raise UntrustedHeadError(partition, key=key, signer=signer, reason=reason)


def _same_batch(theirs: Manifest, ours: Manifest) -> bool:
    """Whether a manifest found under our key describes exactly our batch."""
    return (
        theirs.position_before == ours.position_before
        and theirs.position_after == ours.position_after
        and theirs.prev_sha256 == ours.prev_sha256
        and _without_versions(theirs.objects) == _without_versions(ours.objects)
        and theirs.dead_letters == ours.dead_letters
    )


def _without_versions(objects: tuple[ManifestObject, ...]) -> tuple[ManifestObject, ...]:
    # A retried PUT of the same bytes learns the version id from a HEAD, which a store
    # may leave out: the batch is the same whichever way the version id was learnt.
    return tuple(dataclasses.replace(o, version_id=None) for o in objects)
