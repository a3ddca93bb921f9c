"""A directory served as a read-only bucket, for offline verification."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from auditstream.auditor.local_archive import LocalArchiveClient
from auditstream.auditor.verify import object_scope


@pytest.fixture
def archive(tmp_path: Path) -> LocalArchiveClient:
    for key in ("p/manifests/v1/p0/0.json", "p/manifests/v1/p1/0.json", "p/keys/k.pub"):
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(key.encode())
    return LocalArchiveClient(tmp_path)


class TestLocalArchiveClient:
    def test_get_object_returns_the_files_bytes(self, archive: LocalArchiveClient) -> None:
        """An object is the file at its key."""
        body = archive.get_object(Bucket="x", Key="p/keys/k.pub")["Body"].read()
        assert body == b"p/keys/k.pub"

    def test_missing_key_is_a_404_client_error(self, archive: LocalArchiveClient) -> None:
        """Missing objects answer as S3 does, so verification reports them as missing."""
        with pytest.raises(ClientError) as info:
            archive.head_object(Bucket="x", Key="p/keys/none.pub")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    def test_keys_cannot_climb_out_of_the_copy(self, archive: LocalArchiveClient) -> None:
        """A key with .. is treated as missing, never read."""
        with pytest.raises(ClientError):
            archive.get_object(Bucket="x", Key="../../etc/passwd")

    def test_listing_with_a_delimiter_gives_common_prefixes(
        self, archive: LocalArchiveClient
    ) -> None:
        """Partitions are found as common prefixes, like the S3 listing."""
        [page] = archive.get_paginator("list_objects_v2").paginate(
            Bucket="x", Prefix="p/manifests/v1/", Delimiter="/"
        )
        assert [p["Prefix"] for p in page["CommonPrefixes"]] == [
            "p/manifests/v1/p0/",
            "p/manifests/v1/p1/",
        ]
        assert page["Contents"] == []


class TestObjectScope:
    def test_without_filters_every_object_is_checked(self) -> None:
        """No tenant or time means hash everything."""
        assert object_scope("", tenant=None, since=None, until=None) is True

    def test_tenant_and_hours_select_objects_by_key(self) -> None:
        """Only keys of the tenant within the hours pass."""
        accept = object_scope(
            "",
            tenant="acme",
            since=datetime(2026, 1, 5, 10, tzinfo=UTC),
            until=datetime(2026, 1, 5, 11, 30, tzinfo=UTC),
        )
        assert callable(accept)
        key = "events/v1/tenant={t}/dt=2026-01-05/hour={h}/p0-1-2.parquet"
        assert accept(key.format(t="acme", h="10"))
        assert accept(key.format(t="acme", h="11"))
        assert not accept(key.format(t="acme", h="12"))
        assert not accept(key.format(t="globex", h="10"))
        assert not accept("manifests/v1/p0/0.json")
