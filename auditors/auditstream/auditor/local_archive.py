"""A downloaded copy of an archive, read through the few S3 calls verification makes.

``audit verify --offline`` and evidence packages need to check an archive without access
to the bucket: the copy is a directory whose files mirror the object keys. This class
answers ``get_object``, ``head_object``, ``list_object_versions`` and the
``list_objects_v2`` paginator the way the S3 client does (404s as botocore
``ClientError``), so :func:`auditstream.archive.verify_archive` runs on it unchanged.
A copy has no Object Lock metadata: retention cannot be checked offline. Nor has it
versions: a ``VersionId`` (manifests record one per object) is answered with the one file
the key has, the version the exporter copied, which every reader then checks against the
manifest's size and SHA-256.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError


def _not_found(key: str) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": "NoSuchKey", "Message": key},
        "ResponseMetadata": {"HTTPStatusCode": 404},
    }
    return ClientError(response, "GetObject")  # type: ignore[arg-type]  # a partial response


class _Paginator:
    def __init__(self, archive: LocalArchiveClient) -> None:
        self._archive = archive

    def paginate(
        self,
        *,
        Bucket: str,
        Prefix: str = "",
        Delimiter: str = "",
        StartAfter: str = "",
    ) -> Iterator[dict[str, Any]]:
        del Bucket  # one directory is one bucket
        keys = sorted(
            k for k in self._archive.all_keys() if k.startswith(Prefix) and k > StartAfter
        )
        contents, prefixes = [], []
        for key in keys:
            rest = key[len(Prefix) :]
            if Delimiter and Delimiter in rest:
                common = Prefix + rest.split(Delimiter, 1)[0] + Delimiter
                if common not in prefixes:
                    prefixes.append(common)
            else:
                contents.append({"Key": key, "Size": self._archive.size(key)})
        yield {"Contents": contents, "CommonPrefixes": [{"Prefix": p} for p in prefixes]}


class LocalArchiveClient:
    """Serve a directory as a read-only bucket: file ``<root>/<key>`` is object ``key``.

    Args:
        root: The directory the archive was downloaded or exported into.
    """

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        path = (self._root / key).resolve()
        if self._root.resolve() not in path.parents:
            raise _not_found(key)  # keys never climb out of the copy
        return path

    def all_keys(self) -> list[str]:
        """Every object key in the copy."""
        return [p.relative_to(self._root).as_posix() for p in self._root.rglob("*") if p.is_file()]

    def size(self, key: str) -> int:
        """An object's size in bytes."""
        return self._path(key).stat().st_size

    def get_object(self, *, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:
        """Return the object's body, like S3's GetObject."""
        del Bucket
        path = self._path(Key)
        if not path.is_file():
            raise _not_found(Key)
        return {"Body": io.BytesIO(path.read_bytes()), "ContentLength": path.stat().st_size}

    def head_object(self, *, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:
        """Return the object's size; a copy carries no Object Lock fields."""
        del Bucket
        path = self._path(Key)
        if not path.is_file():
            raise _not_found(Key)
        return {"ContentLength": path.stat().st_size}

    def list_object_versions(self, *, Bucket: str, Prefix: str, **_: Any) -> dict[str, Any]:
        """A copy has one version per key and no delete markers."""
        del Bucket, Prefix
        return {"Versions": [], "DeleteMarkers": []}

    def get_paginator(self, name: str) -> _Paginator:
        """Return the ``list_objects_v2`` paginator.

        Raises:
            NotImplementedError: Any other paginator (verification uses none).
        """
        if name != "list_objects_v2":
            raise NotImplementedError(name)
        return _Paginator(self)
