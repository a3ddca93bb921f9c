"""Read manifest chains, digests and published keys from the bucket (no writes here).

The chain head of a partition is found without listing the whole chain: manifests
exist for every sequence number from 0 up to the head (each is written only after its
predecessor was read), so a galloping search with HEAD requests finds the head in
about 2·log2(n) requests, from a known sequence number when the caller has one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from auditstream.archive.errors import SigningKeyError
from auditstream.archive.layout import normalize_prefix
from auditstream.archive.manifest import (
    MANIFEST_ROOT,
    Manifest,
    manifest_key,
    manifest_prefix,
    parse_manifest_key,
    public_key_key,
)
from auditstream.archive.signing import load_public_key
from auditstream.archive.store import LockState, ObjectStore, VersionListing


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest manifest of a partition's chain.

    Attributes:
        manifest: The manifest.
        sha256: SHA-256 of its stored bytes (what the next manifest links to).
    """

    manifest: Manifest
    sha256: str

    @property
    def seq(self) -> int:
        """The head's sequence number."""
        return self.manifest.seq

    @property
    def position_after(self) -> int:
        """The consumer position the next batch starts from."""
        return self.manifest.position_after


class ChainReader:
    """Reads one archive prefix's manifests, keys and digests.

    Args:
        store: The bucket, or a directory copy of it.
        prefix: ``S3Settings.prefix``.
    """

    __slots__ = ("_keys", "_prefix", "_store")

    def __init__(self, store: ObjectStore, *, prefix: str) -> None:
        self._store = store
        self._prefix = prefix
        self._keys: dict[str, Ed25519PublicKey] = {}

    @property
    def store(self) -> ObjectStore:
        """Where the archive is read from."""
        return self._store

    @property
    def prefix(self) -> str:
        """The archive prefix."""
        return self._prefix

    def get(self, key: str, *, version_id: str | None = None) -> bytes | None:
        """Return an object's bytes, or None when it does not exist.

        Args:
            key: The object key.
            version_id: Read this version; None reads the current one.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the read.
        """
        found = self._store.get(key, version_id=version_id)
        return None if found is None else found.data

    def exists(self, key: str) -> bool:
        """Return whether an object exists.

        Args:
            key: The object key.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the request.
        """
        return self._store.head(key) is not None

    def deleted(self, key: str) -> bool:
        """Return whether an object's current version is a delete marker.

        On a versioned bucket a DELETE without a version id hides an object (its locked
        versions stay) and HEAD answers 404, as for a key never written. A chain whose
        head was hidden this way must not be resumed from the manifest before it.

        Args:
            key: The object key.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        return key in self._store.versions(key).deleted

    def retention(self, key: str, *, version_id: str | None = None) -> LockState | None:
        """Return an object's Object Lock mode, retain-until date and legal hold.

        Args:
            key: The object key.
            version_id: Ask about this version; None asks about the current one.

        Returns:
            ``(mode, retain_until, legal_hold)`` (None fields where the object has no
            retention), or None when the object does not exist.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the request.
        """
        head = self._store.head(key, version_id=version_id)
        return None if head is None else head.lock

    def manifest(self, partition: int, seq: int) -> ChainHead | None:
        """Read one manifest and hash its bytes.

        Args:
            partition: The Kafka partition.
            seq: The sequence number.

        Returns:
            The manifest with its hash, or None when it does not exist.

        Raises:
            ManifestFormatError: The object is not a valid manifest.
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the read.
        """
        key = manifest_key(self._prefix, partition, seq)
        data = self.get(key)
        if data is None:
            return None
        return ChainHead(Manifest.from_bytes(data, key=key), hashlib.sha256(data).hexdigest())

    def head_seq(self, partition: int, *, known: int | None = None) -> int | None:
        """Return the sequence number of a partition's newest manifest.

        Args:
            partition: The Kafka partition.
            known: A sequence number known to exist (speeds the search up).

        Returns:
            The head's sequence number, or None for an empty chain.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused a request.
        """

        def exists(seq: int) -> bool:
            return self.exists(manifest_key(self._prefix, partition, seq))

        low = known if known is not None else 0
        if known is None and not exists(0):
            return None
        step = 1
        while exists(low + step):  # gallop: low exists, find a missing high
            low += step
            step *= 2
        high = low + step
        while high - low > 1:  # low exists, high is missing
            middle = (low + high) // 2
            if exists(middle):
                low = middle
            else:
                high = middle
        return low

    def head(self, partition: int, *, known: int | None = None) -> ChainHead | None:
        """Return a partition's chain head, or None when it has no manifest yet.

        Args:
            partition: The Kafka partition.
            known: A sequence number known to exist.

        Raises:
            ManifestFormatError: The head is not a valid manifest.
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused a request.
        """
        seq = self.head_seq(partition, known=known)
        return None if seq is None else self.manifest(partition, seq)

    def partitions(self) -> list[int]:
        """Return the partitions that have at least one manifest, sorted.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        root = normalize_prefix(self._prefix) + MANIFEST_ROOT
        found = []
        for entry in self._store.list_prefixes(root):
            name = entry[len(root) :].rstrip("/")
            if name.startswith("p") and name[1:].isdigit():
                found.append(int(name[1:]))
        return sorted(found)

    def manifest_seqs(self, partition: int) -> list[int]:
        """Return every sequence number present in a partition's chain, sorted.

        Args:
            partition: The Kafka partition.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        seqs = []
        for listed in self._store.list_objects(manifest_prefix(self._prefix, partition)):
            key = listed.key
            parsed = parse_manifest_key(key, self._prefix)
            if parsed is not None and parsed[0] == partition:
                seqs.append(parsed[1])
        return sorted(seqs)

    def list_keys(self, under: str, *, after: str = "") -> list[str]:
        """Return every key below ``<prefix>/<under>``, sorted.

        Args:
            under: A path below the archive prefix, e.g. ``"digests/v1/"``.
            after: Only keys that sort after this full key (a listing's ``StartAfter``).

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        root = normalize_prefix(self._prefix) + under
        return sorted(o.key for o in self._store.list_objects(root, start_after=after))

    def read_all(self, under: str) -> list[tuple[str, bytes]]:
        """Return every object below ``<prefix>/<under>`` with its bytes, sorted by key.

        Args:
            under: A path below the archive prefix, e.g. ``"keys/rotations/"``.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused a read.
        """
        found = ((key, self.get(key)) for key in self.list_keys(under))
        return [(key, data) for key, data in found if data is not None]

    def versions(self, *roots: str) -> VersionListing:
        """Return every stored version of the objects below the given roots, by key.

        Only the archive's own roots are listed: with an empty prefix the archive shares
        the bucket's root with whatever else the bucket holds. Delete markers are not
        versions; the keys whose current version is one are in ``deleted``.

        Args:
            roots: Paths below the archive prefix, e.g. ``"manifests/v1/"``.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        found = VersionListing()
        for root in roots:
            listing = self._store.versions(normalize_prefix(self._prefix) + root)
            found.versions.update(listing.versions)
            found.deleted |= listing.deleted
        return found

    def public_key(self, key_id: str) -> Ed25519PublicKey:
        """Return a published public key (cached after the first read).

        Args:
            key_id: The key id a manifest or digest names.

        Raises:
            SigningKeyError: No key with that id is published, or it is not valid.
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the read.
        """
        if key_id not in self._keys:
            key = public_key_key(self._prefix, key_id)
            data = self.get(key)
            if data is None:
                raise SigningKeyError(f"no public key {key_id} is published at {key!r}")
            self._keys[key_id] = load_public_key(data, key_id=key_id)
        return self._keys[key_id]

    def published_key_ids_read(self) -> list[str]:
        """Return the ids of the published keys read so far, sorted."""
        return sorted(self._keys)
