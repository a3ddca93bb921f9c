"""An in-memory stand-in for the S3 calls the archive makes (unit tests only).

Puts honour ``If-None-Match: *`` (412), heads and gets of missing keys answer 404,
listings support ``Prefix``, ``Delimiter`` and ``StartAfter``. Integration tests use the
real server; this exists so chain logic can be tested as tables, in milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from botocore.exceptions import ClientError


def client_error(status: int, code: str, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


class MemoryS3:
    """Objects by key, with the Object Lock fields each put asked for."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.params: dict[str, dict[str, Any]] = {}
        self.markers: set[str] = set()
        # Every PUT adds a version, as on a versioned bucket (even under Object Lock).
        self.versions: dict[str, list[str]] = {}
        self.version_bytes: dict[str, bytes] = {}

    def put_object(self, **params: Any) -> dict[str, Any]:
        key = params["Key"]
        if params.get("IfNoneMatch") == "*" and key in self.objects:
            raise client_error(412, "PreconditionFailed", "PutObject")
        self.objects[key] = params["Body"]
        self.params[key] = params
        version = f"v{sum(len(v) for v in self.versions.values()) + 1}"
        self.versions.setdefault(key, []).append(version)
        self.version_bytes[version] = params["Body"]
        return {"VersionId": version}

    def head_object(self, **params: Any) -> dict[str, Any]:
        key = params["Key"]
        put = self.params.get(key, {})
        data = self._bytes(key, params.get("VersionId"), "HeadObject", "404")
        return {
            "ContentLength": len(data),
            "ChecksumSHA256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
            "ObjectLockMode": put.get("ObjectLockMode"),
            "ObjectLockRetainUntilDate": put.get("ObjectLockRetainUntilDate"),
            # Tests that plant bytes straight into ``objects`` leave no version behind.
            "VersionId": params.get("VersionId") or self.versions.get(key, [None])[-1],
        }

    def get_object(self, **params: Any) -> dict[str, Any]:
        key = params["Key"]
        data = self._bytes(key, params.get("VersionId"), "GetObject", "NoSuchKey")
        return {"Body": io.BytesIO(data)}

    def _bytes(self, key: str, version_id: str | None, operation: str, code: str) -> bytes:
        """The current bytes, or one version's (the version must be one of the key's)."""
        if version_id is None:
            if key not in self.objects:
                raise client_error(404, code, operation)
            return self.objects[key]
        if version_id not in self.versions.get(key, []):
            raise client_error(404, "NoSuchVersion", operation)
        return self.version_bytes[version_id]

    def list_object_versions(self, **params: Any) -> dict[str, Any]:
        prefix = params.get("Prefix", "")
        markers = [
            {"Key": k, "IsLatest": True} for k in sorted(self.markers) if k.startswith(prefix)
        ]
        versions = [
            {"Key": k, "VersionId": v, "IsLatest": i == len(vs) - 1 and k not in self.markers}
            for k, vs in sorted(self.versions.items())
            if k.startswith(prefix)
            for i, v in enumerate(vs)
        ]
        return {"Versions": versions, "DeleteMarkers": markers}

    def overwrite_in_place(self, key: str, data: bytes) -> None:
        """Change the bytes of the current version, as someone with the store's disks could."""
        self.objects[key] = data
        self.version_bytes[self.versions[key][-1]] = data

    def destroy(self, key: str) -> None:
        """Remove an object with every version, as someone with the store's disks could."""
        del self.objects[key]
        for version in self.versions.pop(key, []):
            del self.version_bytes[version]

    def delete_object(self, **params: Any) -> dict[str, Any]:
        """A delete without a version id: hide the object behind a delete marker."""
        self.objects.pop(params["Key"], None)
        self.markers.add(params["Key"])
        return {"DeleteMarker": True}

    def get_paginator(self, name: str) -> MemoryS3:
        assert name == "list_objects_v2"
        return self

    def paginate(self, **params: Any) -> list[dict[str, Any]]:
        prefix, delimiter = params.get("Prefix", ""), params.get("Delimiter", "")
        start_after = params.get("StartAfter", "")
        contents, prefixes = [], set()
        for key in sorted(self.objects):
            if not key.startswith(prefix) or key <= start_after:
                continue
            rest = key[len(prefix) :]
            if delimiter and delimiter in rest:
                prefixes.add(prefix + rest.split(delimiter)[0] + delimiter)
            else:
                contents.append({"Key": key, "Size": len(self.objects[key])})
        return [{"Contents": contents, "CommonPrefixes": [{"Prefix": p} for p in sorted(prefixes)]}]
