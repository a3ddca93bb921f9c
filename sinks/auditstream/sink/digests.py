"""Write the periodic signed digest of every partition's chain head (no Kafka here).

Every worker of the group tries when it starts and then once per interval; the digest's
key is the interval's start, so the first write wins and the others find the key taken,
which is fine. The heads are read from the bucket, not from the worker's memory, so the
digest covers the partitions other workers own too. Each digest names the one before it
(the newest key before its own, found by a listing that starts after the last digest
this worker knows), so the digests form one chain. A head is vouched for only when the
worker would build on it itself (:meth:`ChainKeeper.check_head`): a head signed by a key
nobody trusts, or copied from elsewhere in the archive, is left out of the digest and
logged, so the sink's key never signs for a forged link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

import structlog

from auditstream.archive.chain import ChainHead, ChainReader
from auditstream.archive.digest import (
    DIGEST_ROOT,
    Digest,
    DigestHead,
    DigestLink,
    digest_key,
    interval_start,
)
from auditstream.archive.errors import (
    ArchiveUnavailableError,
    ManifestFormatError,
    ObjectExistsError,
)
from auditstream.archive.manifest import manifest_key
from auditstream.archive.signing import Signer
from auditstream.archive.writer import ArchiveWriter
from auditstream.sink.errors import ManifestChainError, UntrustedHeadError
from auditstream.sink.metrics import SinkMetrics

log = structlog.get_logger(__name__)


class DigestWriter:
    """Writes one digest per interval, when :meth:`maybe_write` is called after it is due.

    Args:
        writer: The archive writer.
        reader: Reads every partition's head.
        signer: Signs the digest.
        topic: The topic of the chains.
        interval_s: Digest interval in seconds.
        retain_until: Returns the retention end for an object written now.
        clock: Current aware UTC time.
        monotonic: Monotonic clock in seconds.
        metrics: Counts the digests written and sets the digest-age gauge.
        check_head: Raises :class:`UntrustedHeadError` or :class:`ManifestChainError`
            for a head the worker would not build on (:meth:`ChainKeeper.check_head`).
    """

    __slots__ = (
        "_check_head",
        "_clock",
        "_due_at",
        "_interval_s",
        "_known",
        "_metrics",
        "_monotonic",
        "_previous",
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
        topic: str,
        interval_s: float,
        retain_until: Callable[[], datetime],
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        metrics: SinkMetrics,
        check_head: Callable[[ChainHead, int, int], None],
    ) -> None:
        self._writer = writer
        self._check_head = check_head
        self._reader = reader
        self._signer = signer
        self._topic = topic
        self._interval_s = interval_s
        self._retain_until = retain_until
        self._clock = clock
        self._monotonic = monotonic
        self._metrics = metrics
        # Due at once: a digest at start covers what an earlier run left (a crash may have
        # stopped it before its next digest), so a digest is never older than the
        # interval while manifests are written.
        self._due_at = monotonic()
        self._known: dict[int, int] = {}
        self._previous: DigestLink | None = None

    def seconds_until_due(self) -> float:
        """Return how long until the next digest is due (0 when it is)."""
        return max(0.0, self._due_at - self._monotonic())

    def maybe_write(self) -> bool:
        """Write this interval's digest if one is due; an outage postpones it.

        Returns:
            True when this call wrote a digest.

        Raises:
            ArchiveWriteError: The store refused the write for good.
        """
        if self._monotonic() < self._due_at:
            return False
        self._due_at = self._monotonic() + self._interval_s
        try:
            return self.write()
        except ArchiveUnavailableError as exc:
            log.warning(
                "digest_postponed",
                reason=exc.reason,
                consequence="the next interval's digest covers the heads",
            )
            return False

    def write(self) -> bool:
        """Read every partition's head and write this interval's signed digest now.

        Returns:
            True when written; False when another worker wrote this interval's digest.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            ArchiveWriteError: The store refused the write.
        """
        now = self._clock()
        start = interval_start(now, self._interval_s)
        heads = []
        for partition in self._reader.partitions():
            seq = self._reader.head_seq(partition, known=self._known.get(partition))
            if seq is None:
                continue
            try:
                head = self._reader.manifest(partition, seq)
                if head is None:
                    continue
                self._check_head(head, partition, seq)
            except (ManifestFormatError, UntrustedHeadError, ManifestChainError) as exc:
                log.error(
                    "digest_head_untrusted",
                    partition=partition,
                    key=manifest_key(self._reader.prefix, partition, seq),
                    reason=" ".join(str(exc).split()),
                    consequence="the digest leaves this partition out; run `audit verify`",
                )
                continue
            self._known[partition] = seq
            heads.append(DigestHead(partition, seq, head.sha256, head.position_after))
        key = digest_key(self._reader.prefix, start)
        digest = Digest(
            topic=self._topic,
            interval_start=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            written_at=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            heads=tuple(heads),
            unlocked=not self._writer.locked,
            signer_key_id=self._signer.key_id,
            previous=self._digest_before(key),
            interval_s=max(1, round(self._interval_s)),
        ).signed(self._signer)
        data = digest.to_bytes()
        try:
            self._writer.put(key, data, retain_until=self._retain_until())
        except ObjectExistsError:
            log.debug("digest_already_written", key=key)
            self._previous = self._link(key)
            # Another worker wrote this interval's digest: the archive has it all the same.
            self._metrics.digest_time.set(start.timestamp())
            return False
        self._previous = DigestLink(key, hashlib.sha256(data).hexdigest())
        self._metrics.digests_written.inc()
        self._metrics.digest_time.set(start.timestamp())
        log.info("digest_written", key=key, partitions=len(heads))
        return True

    def _digest_before(self, key: str) -> DigestLink | None:
        """The newest digest whose key sorts before ``key``: the one to link to."""
        known = self._previous
        after = known.key if known else ""
        before = [k for k in self._reader.list_keys(DIGEST_ROOT, after=after) if k < key]
        if not before:
            return known if known is not None and known.key < key else None
        return self._link(before[-1])

    def _link(self, key: str) -> DigestLink | None:
        data = self._reader.get(key)
        return None if data is None else DigestLink(key, hashlib.sha256(data).hexdigest())
