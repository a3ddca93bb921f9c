"""Manifests: keys, stored form, what the signature covers, and what parsing refuses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from auditstream.archive.errors import ManifestFormatError
from auditstream.archive.manifest import (
    Manifest,
    ManifestDeadLetter,
    ManifestObject,
    manifest_key,
    parse_manifest_key,
    public_key_key,
)
from auditstream.archive.signing import Signer, verify_signature

SIGNER = Signer.from_bytes(bytes(range(32)), source="TEST")


def make_manifest(**changes) -> Manifest:
    fields = {
        "topic": "audit.events.redacted",
        "partition": 2,
        "seq": 7,
        "position_before": 100,
        "position_after": 150,
        "records": 50,
        "objects": (
            ManifestObject(
                key="events/v1/tenant=a/dt=2026-01-01/hour=00/p2-100-149.parquet",
                sha256="ab" * 32,
                size=1234,
                records=50,
                first_offset=100,
                last_offset=149,
                min_timestamp_us=1,
                max_timestamp_us=2,
            ),
        ),
        "prev_sha256": "cd" * 32,
        "written_at": "2026-01-01T00:00:00.000000Z",
        "unlocked": False,
        "signer_key_id": "",
    }
    return Manifest(**(fields | changes)).signed(SIGNER)


class TestManifestKeys:
    def test_keys_sort_in_chain_order_and_parse_back(self):
        """Zero-padded sequence numbers make listing order chain order."""
        keys = [manifest_key("run/", 3, seq) for seq in (0, 9, 10, 123)]
        assert keys == sorted(keys)
        assert keys[2] == "run/manifests/v1/p3/00000000000000000010.json"
        assert [parse_manifest_key(k, "run") for k in keys] == [(3, 0), (3, 9), (3, 10), (3, 123)]

    @pytest.mark.parametrize(
        "key",
        [
            "run/manifests/v1/p3/10.json",
            "run/manifests/v2/p3/00000000000000000010.json",
            "other/manifests/v1/p3/00000000000000000010.json",
            "run/manifests/v1/px/00000000000000000010.json",
        ],
    )
    def test_other_keys_are_not_manifests(self, key):
        """Only version-1 manifest keys under the prefix parse."""
        assert parse_manifest_key(key, "run") is None

    def test_public_keys_live_under_keys(self):
        """keys/<key id>.pub below the prefix."""
        assert public_key_key("run", "0123456789abcdef") == "run/keys/0123456789abcdef.pub"


class TestManifest:
    def test_the_stored_form_round_trips_and_its_hash_is_of_the_stored_bytes(self):
        """Parse(stored) gives the same manifest; sha256 is of exactly those bytes."""
        manifest = make_manifest()
        data = manifest.to_bytes()
        assert Manifest.from_bytes(data, key="k") == manifest
        assert json.loads(data)["signature"] == manifest.signature

        assert manifest.sha256() == hashlib.sha256(data).hexdigest()

    def test_the_signature_covers_every_field(self):
        """Changing any field after signing breaks the signature."""
        manifest = make_manifest()
        assert verify_signature(SIGNER.public_key, manifest.signature, manifest.signed_payload())
        body = json.loads(manifest.to_bytes())
        for name, value in body.items():
            if name in ("signature", "format"):
                continue
            changed = dict(body)
            changed[name] = _different(value)
            tampered = Manifest.from_bytes(json.dumps(changed).encode(), key="k")
            assert not verify_signature(
                SIGNER.public_key, tampered.signature, tampered.signed_payload()
            ), name

    def test_a_manifest_without_dead_letters_has_no_such_field(self):
        """So manifests written before the sink had a DLQ keep their bytes and signatures."""
        assert "dead_letters" not in json.loads(make_manifest().to_bytes())

    def test_an_object_without_a_version_id_has_no_such_field(self):
        """So manifests written before version ids were recorded keep their bytes."""
        (entry,) = json.loads(make_manifest().to_bytes())["objects"]
        assert "version_id" not in entry

    def test_a_version_id_round_trips_and_is_covered_by_the_signature(self):
        """Pointing a manifest at another version of its object breaks the signature."""
        (obj,) = make_manifest().objects
        manifest = make_manifest(objects=(replace(obj, version_id="3HL4kqtJlcpXroDTDmJ"),))
        data = manifest.to_bytes()
        assert Manifest.from_bytes(data, key="k") == manifest
        body = json.loads(data)
        assert body["objects"][0]["version_id"] == "3HL4kqtJlcpXroDTDmJ"
        other = {**body, "objects": [{**body["objects"][0], "version_id": "other"}]}
        tampered = Manifest.from_bytes(json.dumps(other).encode(), key="k")
        assert not verify_signature(
            SIGNER.public_key, tampered.signature, tampered.signed_payload()
        )

    def test_a_version_id_that_is_not_text_is_a_format_error(self):
        body = json.loads(make_manifest().to_bytes())
        body["objects"][0]["version_id"] = 7
        with pytest.raises(ManifestFormatError, match="mistyped"):
            Manifest.from_bytes(json.dumps(body).encode(), key="k")

    def test_dead_letters_round_trip_and_are_covered_by_the_signature(self):
        """Dropping or editing a dead letter after signing breaks the signature."""
        letters = (
            ManifestDeadLetter(120, "DecodeError", "truncated body"),
            ManifestDeadLetter(130, "InvalidEventError", "trace_id is all zeros"),
        )
        manifest = make_manifest(records=48, dead_letters=letters)
        data = manifest.to_bytes()
        assert Manifest.from_bytes(data, key="k") == manifest
        body = json.loads(data)
        assert body["dead_letters"][1] == {
            "offset": 130,
            "error_class": "InvalidEventError",
            "reason": "trace_id is all zeros",
        }
        edited = {**body, "dead_letters": [{**body["dead_letters"][0], "reason": "fine"}]}
        dropped = {k: v for k, v in body.items() if k != "dead_letters"}
        for tampered_body in (edited, dropped):
            tampered = Manifest.from_bytes(json.dumps(tampered_body).encode(), key="k")
            assert not verify_signature(
                SIGNER.public_key, tampered.signature, tampered.signed_payload()
            )

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (b"not json", "not JSON"),
            (b"[]", "not a JSON object"),
            (b'{"format": "auditstream.manifest.v2"}', "format is not"),
            (b'{"format": "auditstream.manifest.v1"}', "missing or mistyped"),
        ],
    )
    def test_invalid_bytes_are_refused_with_the_reason(self, data, reason):
        """Parsing names the key and what is wrong."""
        with pytest.raises(ManifestFormatError, match=reason):
            Manifest.from_bytes(data, key="some/key.json")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("seq", "7"),
            ("seq", True),
            ("unlocked", 1),
            ("objects", [{}]),
            ("dead_letters", [{"offset": "1", "error_class": "DecodeError", "reason": ""}]),
            ("dead_letters", [{"offset": 1}]),
        ],
    )
    def test_mistyped_fields_are_refused(self, field, value):
        """A number as text, a boolean as a number, an object missing its fields."""
        body = json.loads(make_manifest().to_bytes())
        body[field] = value
        with pytest.raises(ManifestFormatError, match="mistyped"):
            Manifest.from_bytes(json.dumps(body).encode(), key="k")


def _different(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [{**value[0], "size": value[0]["size"] + 1}]
    return "x" * 64
