"""Listing the archive: prefix pruning by tenant and time, and hour-level filtering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from auditstream.archive.errors import BucketUnreachableError
from auditstream.archive.layout import UNKNOWN_TENANT
from auditstream.archive.reader import list_data_objects
from auditstream.archive.store import S3ObjectStore

PREFIX = "run1"
KEYS = [
    "run1/events/v1/tenant=_unknown/dt=2026-01-05/hour=07/p0-0-1.parquet",
    "run1/events/v1/tenant=acme/dt=2026-01-04/hour=23/p0-2-3.parquet",
    "run1/events/v1/tenant=acme/dt=2026-01-05/hour=00/p1-0-9.parquet",
    "run1/events/v1/tenant=acme/dt=2026-01-05/hour=07/p0-4-5.parquet",
    "run1/events/v1/tenant=acme/dt=2026-01-06/hour=01/p2-0-0.parquet",
    "run1/events/v1/tenant=acme/notes.txt",
    "run1/events/v1/tenant=globex%2Feu/dt=2026-01-05/hour=07/p2-1-4.parquet",
    "run2/events/v1/tenant=acme/dt=2026-01-05/hour=07/p0-4-5.parquet",
]


class FakeS3:
    """Lists a fixed key set with S3's Prefix, Delimiter and StartAfter semantics."""

    def __init__(self, keys, error=None):
        self.keys = sorted(keys)
        self.error = error
        self.listings = []

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        return self

    def paginate(self, **params):
        prefix, delimiter = params["Prefix"], params.get("Delimiter")
        start_after = params.get("StartAfter", "")
        self.listings.append((prefix, delimiter, start_after))
        if self.error is not None:
            raise self.error
        keys = [k for k in self.keys if k.startswith(prefix) and k > start_after]
        if delimiter:
            rests = [k[len(prefix) :] for k in keys]
            prefixes = sorted({prefix + r.split(delimiter)[0] + delimiter for r in rests})
            yield {"CommonPrefixes": [{"Prefix": p} for p in prefixes]}
            return
        for start in range(0, len(keys), 2):  # two keys per page: pagination is exercised
            yield {"Contents": [{"Key": k, "Size": 10} for k in keys[start : start + 2]]}


def listed(client, **filters):
    return [
        o.key
        for o in list_data_objects(S3ObjectStore(client, bucket="b"), prefix=PREFIX, **filters)
    ]


class TestListDataObjects:
    def test_without_filters_every_data_object_under_the_prefix_is_listed(self):
        """Other prefixes and non-data keys are left out."""
        assert listed(FakeS3(KEYS)) == sorted(k for k in KEYS[:7] if k.endswith(".parquet"))

    def test_a_tenant_lists_only_its_own_prefix(self):
        """The tenant is encoded into one tenant=<t>/ prefix."""
        client = FakeS3(KEYS)
        assert listed(client, tenant="globex/eu") == [KEYS[6]]
        assert client.listings == [("run1/events/v1/tenant=globex%2Feu/", None, "")]

    def test_the_unknown_marker_selects_events_without_tenant(self):
        """tenant=_unknown is reachable by its marker."""
        assert listed(FakeS3(KEYS), tenant=UNKNOWN_TENANT) == [KEYS[0]]

    def test_a_time_range_keeps_objects_whose_hour_overlaps_it(self):
        """An hour overlaps [since, until) if it ends after since and starts before until."""
        since = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)
        until = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
        assert listed(FakeS3(KEYS), tenant="acme", since=since, until=until) == [KEYS[2]]

    def test_listing_starts_at_the_first_day_of_the_range(self):
        """StartAfter skips every earlier day without listing it."""
        client = FakeS3(KEYS)
        listed(client, tenant="acme", since=datetime(2026, 1, 5, tzinfo=UTC))
        assert client.listings == [
            ("run1/events/v1/tenant=acme/", None, "run1/events/v1/tenant=acme/dt=2026-01-05")
        ]

    def test_all_tenants_are_found_by_a_delimited_listing_first(self):
        """Without a tenant, one listing finds the tenant prefixes, then each is pruned."""
        client = FakeS3(KEYS)
        since = datetime(2026, 1, 5, 7, tzinfo=UTC)
        until = datetime(2026, 1, 5, 8, tzinfo=UTC)
        assert listed(client, since=since, until=until) == [KEYS[0], KEYS[3], KEYS[6]]
        assert client.listings[0] == ("run1/events/v1/", "/", "")
        assert len(client.listings) == 4

    def test_a_missing_bucket_is_unreachable(self):
        """botocore's NoSuchBucket becomes BucketUnreachableError."""
        error = ClientError(
            {"Error": {"Code": "NoSuchBucket"}, "ResponseMetadata": {"HTTPStatusCode": 404}},
            "ListObjectsV2",
        )
        with pytest.raises(BucketUnreachableError, match="does not exist"):
            listed(FakeS3(KEYS, error=error), tenant="acme")
