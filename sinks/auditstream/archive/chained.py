"""The archive's data objects as the manifest chains vouch for them (what queries count).

A crash between a data PUT and its manifest leaves an object no manifest references
(an orphan); a query that lists ``events/`` directly would count its records twice.
Readers that count events use :func:`list_chained_objects` instead: it reads manifests
only (no signature or object checks; :func:`~auditstream.archive.verify.verify_archive`
does those) and never writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditstream.archive.chain import ChainReader
from auditstream.archive.manifest import ManifestObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def list_chained_objects(
    client: S3Client, *, bucket: str, prefix: str
) -> dict[str, ManifestObject]:
    """Return every data object some manifest references, by key, in chain order.

    Args:
        client: The S3 client.
        bucket: The archive bucket.
        prefix: ``S3Settings.prefix`` the archive was written with.

    Returns:
        The objects by key (partition by partition, sequence by sequence).

    Raises:
        ManifestFormatError: A manifest does not parse.
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    reader = ChainReader(client, bucket=bucket, prefix=prefix)
    found: dict[str, ManifestObject] = {}
    for partition in reader.partitions():
        for seq in reader.manifest_seqs(partition):
            link = reader.manifest(partition, seq)
            if link is not None:
                found.update((o.key, o) for o in link.manifest.objects)
    return found
