"""The archive's object keys: path-safe tenants, event-time partitions, parse and render."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from auditstream.archive.layout import (
    UNKNOWN_TENANT,
    ObjectKey,
    PartitionPath,
    data_root,
    decode_tenant,
    encode_tenant,
    event_time,
    normalize_prefix,
    parse_object_key,
)
from support.sample_events import LAST_MICROSECOND_OF_DAY


class TestEncodeTenant:
    @pytest.mark.parametrize(
        ("tenant", "segment"),
        [
            ("acme", "acme"),
            ("Acme-Corp_2.eu", "Acme-Corp_2.eu"),
            ("globex/eu", "globex%2Feu"),
            ("a b", "a%20b"),
            ("x=y", "x%3Dy"),
            ("~tilde", "%7Etilde"),
            ("50%", "50%25"),
            ("Über", "%C3%9Cber"),
            ("../etc", "..%2Fetc"),
            ("_unknown", "%5Funknown"),
            ("_private", "%5Fprivate"),
        ],
    )
    def test_tenant_ids_become_path_safe_segments(self, tenant, segment):
        """Bytes outside [A-Za-z0-9._-] and a leading underscore are percent-encoded."""
        assert encode_tenant(tenant) == segment

    @pytest.mark.parametrize("tenant", ["acme", "globex/eu", "Über ünïcode ✓", "_unknown", "50%"])
    def test_decoding_a_segment_gives_the_tenant_back(self, tenant):
        """decode_tenant inverts encode_tenant."""
        assert decode_tenant(encode_tenant(tenant)) == tenant

    @pytest.mark.parametrize("tenant", [None, ""])
    def test_a_missing_tenant_becomes_the_unknown_marker(self, tenant):
        """Events without a tenant id go under tenant=_unknown."""
        assert encode_tenant(tenant) == UNKNOWN_TENANT == "_unknown"

    def test_the_unknown_marker_decodes_to_none(self):
        """The marker means "no tenant", not a tenant named _unknown."""
        assert decode_tenant(UNKNOWN_TENANT) is None


class TestPartitionPath:
    def test_the_partition_comes_from_event_time_in_utc(self, full_event):
        """Day and hour are the UTC calendar of the event's timestamp."""
        path = PartitionPath.of_event(full_event)
        assert path == PartitionPath("globex%2Feu", date(2026, 3, 1), 23)

    def test_the_next_microsecond_starts_the_next_day(self, full_event):
        """Midnight UTC belongs to the new day's hour 00."""
        full_event["timestamp"] = LAST_MICROSECOND_OF_DAY + 1
        assert PartitionPath.of_event(full_event) == PartitionPath(
            "globex%2Feu", date(2026, 3, 2), 0
        )

    def test_an_event_without_tenant_goes_to_the_unknown_partition(self, minimal_event):
        """The epoch event with no tenant lands in tenant=_unknown/dt=1970-01-01/hour=00."""
        assert PartitionPath.of_event(minimal_event) == PartitionPath(
            "_unknown", date(1970, 1, 1), 0
        )

    def test_event_time_is_exact_to_the_microsecond(self):
        """No float rounding: the last microsecond of a day stays in that day."""
        assert event_time(LAST_MICROSECOND_OF_DAY) == datetime(
            2026, 3, 1, 23, 59, 59, 999_999, tzinfo=UTC
        )


class TestObjectKey:
    KEY = ObjectKey(PartitionPath("acme", date(2026, 1, 5), 7), 3, 120, 180)

    @pytest.mark.parametrize(
        ("prefix", "expected"),
        [
            ("", "events/v1/tenant=acme/dt=2026-01-05/hour=07/p3-120-180.parquet"),
            ("run1", "run1/events/v1/tenant=acme/dt=2026-01-05/hour=07/p3-120-180.parquet"),
            ("/a/b/", "a/b/events/v1/tenant=acme/dt=2026-01-05/hour=07/p3-120-180.parquet"),
        ],
    )
    def test_a_key_renders_the_documented_layout(self, prefix, expected):
        """Prefix, events/v1, Hive segments, then p<partition>-<first>-<last>.parquet."""
        assert self.KEY.render(prefix) == expected

    @pytest.mark.parametrize("prefix", ["", "run1", "a/b"])
    def test_a_rendered_key_parses_back_to_its_fields(self, prefix):
        """parse_object_key inverts render."""
        assert parse_object_key(self.KEY.render(prefix), prefix) == self.KEY

    def test_the_hour_start_is_the_utc_start_of_the_partition_hour(self):
        """hour_start is used to prune objects by time."""
        assert self.KEY.hour_start == datetime(2026, 1, 5, 7, tzinfo=UTC)

    @pytest.mark.parametrize(
        "key",
        [
            "other/events/v1/tenant=acme/dt=2026-01-05/hour=07/p3-120-180.parquet",
            "run1/events/v2/tenant=acme/dt=2026-01-05/hour=07/p3-120-180.parquet",
            "run1/events/v1/tenant=acme/dt=2026-01-05/hour=24/p3-120-180.parquet",
            "run1/events/v1/tenant=acme/dt=2026-02-30/hour=07/p3-120-180.parquet",
            "run1/events/v1/tenant=acme/dt=2026-01-05/hour=07/p3-120.parquet",
            "run1/events/v1/tenant=acme/dt=2026-01-05/hour=07/p3-120-180.json",
            "run1/events/v1/tenant=acme/dt=2026-01-05/p3-120-180.parquet",
            "run1/manifests/v1/p3/000001.json",
        ],
    )
    def test_keys_that_are_not_data_objects_parse_to_none(self, key):
        """Foreign, malformed or other-version keys are not mistaken for data objects."""
        assert parse_object_key(key, "run1") is None


class TestPrefixes:
    @pytest.mark.parametrize(
        ("prefix", "normalized"), [("", ""), ("/", ""), ("a", "a/"), ("/a/b/", "a/b/")]
    )
    def test_prefixes_are_normalized_to_end_in_one_slash(self, prefix, normalized):
        """Slashes around the configured prefix do not change the keys."""
        assert normalize_prefix(prefix) == normalized

    def test_the_data_root_is_below_the_prefix(self):
        """Data objects of format version 1 live under <prefix>/events/v1/."""
        assert data_root("run1") == "run1/events/v1/"
