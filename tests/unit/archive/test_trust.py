"""Trust comes from outside the archive: keyrings, rotation records, and what verify says.

The attacker here may write anything to the bucket (``s3:PutObject``) but holds no
trusted private key: they publish their own key under ``keys/`` and sign with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from auditstream.archive import FindingKind
from auditstream.archive.errors import SigningKeyError
from auditstream.archive.signing import Signer, public_key_pem
from auditstream.archive.trust import (
    Keyring,
    KeyRotation,
    TrustSource,
    extend_by_rotations,
    load_keyring,
    rotation_key,
)
from support.chains import PREFIX, flush, keeper, verify
from support.memory_s3 import MemoryS3

AT = "2026-01-01T00:00:00.000000Z"


def pem(*signers: Signer) -> bytes:
    return b"".join(public_key_pem(s.public_key) for s in signers)


def rotation(old: Signer, new: Signer) -> tuple[str, KeyRotation]:
    record = KeyRotation.create(old, new.public_key, rotated_at=AT)
    return rotation_key(PREFIX, old.key_id, new.key_id), record


def store(s3: MemoryS3, *records: tuple[str, KeyRotation]) -> None:
    for key, record in records:
        s3.put_object(Key=key, Body=record.to_bytes())


class TestKeyring:
    def test_a_keyring_file_holds_several_pem_keys_one_after_another(self):
        a, b = Signer.generate(), Signer.generate()
        keyring = Keyring.from_pem(pem(a, b), source="ring")
        assert keyring.key_ids() == sorted([a.key_id, b.key_id])

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "holds no PEM public key"),
            (b"not a key at all", "holds no PEM public key"),
            (
                b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                "does not parse",
            ),
            (
                rsa.generate_private_key(public_exponent=65537, key_size=1024)
                .public_key()
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ),
                "not Ed25519",
            ),
        ],
    )
    def test_a_source_without_a_usable_ed25519_key_is_refused_by_name(self, data, message):
        with pytest.raises(SigningKeyError, match=message) as caught:
            Keyring.from_pem(data, source="keyring file 'ring.pem'")
        assert "ring.pem" in str(caught.value)

    def test_load_keyring_joins_files_and_text_and_is_none_when_nothing_is_configured(
        self, tmp_path: Path
    ):
        a, b = Signer.generate(), Signer.generate()
        (tmp_path / "a.pem").write_bytes(pem(a))
        keyring = load_keyring([tmp_path / "a.pem"], text=pem(b).decode())
        assert keyring is not None
        assert keyring.key_ids() == sorted([a.key_id, b.key_id])
        assert load_keyring([], text=None) is None

    def test_an_unreadable_keyring_file_is_named(self, tmp_path: Path):
        with pytest.raises(SigningKeyError, match=r"missing\.pem"):
            load_keyring([tmp_path / "missing.pem"])


class TestRotations:
    def test_rotations_are_followed_transitively_from_the_first_key(self):
        """A keyring needs only the first key: A -> B -> C makes C trusted."""
        a, b, c = Signer.generate(), Signer.generate(), Signer.generate()
        # Stored order does not matter: B -> C is listed before A -> B.
        keyring, rejected = extend_by_rotations(
            Keyring.of(a.public_key), [rotation(b, c), rotation(a, b)]
        )
        assert keyring.key_ids() == sorted([a.key_id, b.key_id, c.key_id])
        assert rejected == []

    def test_a_rotation_signed_by_an_untrusted_key_is_not_followed_and_is_reported(self):
        """The attacker's own key cannot hand trust to anything."""
        trusted, attacker, other = Signer.generate(), Signer.generate(), Signer.generate()
        key, record = rotation(attacker, other)
        keyring, rejected = extend_by_rotations(Keyring.of(trusted.public_key), [(key, record)])
        assert keyring.key_ids() == [trusted.key_id]
        assert [r.key for r in rejected] == [key]
        assert "does not trust" in rejected[0].reason

    def test_a_rotation_whose_signature_does_not_verify_is_reported(self):
        old, new, attacker = Signer.generate(), Signer.generate(), Signer.generate()
        key, record = rotation(old, new)
        forged = KeyRotation(
            public_key_pem(attacker.public_key).decode(), AT, old.key_id, record.signature
        )
        keyring, rejected = extend_by_rotations(Keyring.of(old.public_key), [(key, forged)])
        assert attacker.key_id not in keyring
        assert "does not verify" in rejected[0].reason

    def test_a_rotation_stored_under_another_pairs_name_is_reported(self):
        old, new, other = Signer.generate(), Signer.generate(), Signer.generate()
        _, record = rotation(old, new)
        misplaced = rotation_key(PREFIX, old.key_id, other.key_id)
        _, rejected = extend_by_rotations(Keyring.of(old.public_key), [(misplaced, record)])
        assert "names other keys" in rejected[0].reason


def attacked_archive() -> tuple[MemoryS3, Signer, Signer]:
    """A real chain of two manifests, then a third signed with the attacker's published key."""
    s3 = MemoryS3()
    sink, attacker = Signer.generate(), Signer.generate()
    chains = keeper(s3, sink)
    chains.append(flush(s3, 0, 0, 9))
    chains.append(flush(s3, 0, 10, 19))
    # The attacker's tooling trusts the real head, so it can link to it.
    keeper(s3, attacker, trusting=(sink,)).append(flush(s3, 0, 20, 29))
    return s3, sink, attacker


class TestVerifyTrust:
    def test_with_a_keyring_a_manifest_signed_by_a_published_attacker_key_is_a_finding(self):
        s3, sink, attacker = attacked_archive()
        report = verify(s3, keyring=Keyring.of(sink.public_key))
        assert report.anchored
        assert [f.kind for f in report.failures] == [FindingKind.SIGNATURE]
        assert attacker.key_id in report.failures[0].message
        assert "not in the keyring" in report.failures[0].message

    def test_without_a_keyring_the_report_says_it_trusted_the_archives_own_keys(self):
        """The same forgery passes every check, so the report must not claim an anchor."""
        s3, sink, attacker = attacked_archive()
        report = verify(s3)
        assert report.ok
        assert not report.anchored
        assert report.trust is TrustSource.ARCHIVE
        assert report.trusted_keys == sorted([sink.key_id, attacker.key_id])

    def test_a_rotation_record_by_a_trusted_key_makes_the_new_keys_manifests_verify(self):
        s3 = MemoryS3()
        old, new = Signer.generate(), Signer.generate()
        keeper(s3, old).append(flush(s3, 0, 0, 9))
        store(s3, rotation(old, new))
        keeper(s3, new, trusting=(old,)).append(flush(s3, 0, 10, 19))
        report = verify(s3, keyring=Keyring.of(old.public_key))
        assert report.ok, report.failures
        assert report.trusted_keys == sorted([old.key_id, new.key_id])

    def test_an_attackers_rotation_record_is_a_finding_and_trusts_nothing(self):
        s3, sink, attacker = attacked_archive()
        store(s3, rotation(attacker, Signer.generate()))
        report = verify(s3, keyring=Keyring.of(sink.public_key))
        rotations = [f for f in report.failures if "/rotations/" in f.key]
        assert len(rotations) == 1
        assert "does not trust" in rotations[0].message
        assert report.trusted_keys == [sink.key_id]

    def test_a_garbled_rotation_record_is_a_format_finding(self):
        s3 = MemoryS3()
        sink = Signer.generate()
        keeper(s3, sink).append(flush(s3, 0, 0, 9))
        s3.put_object(Key=rotation_key(PREFIX, sink.key_id, "0" * 16), Body=b"{not json")
        report = verify(s3, keyring=Keyring.of(sink.public_key))
        assert [f.kind for f in report.failures] == [FindingKind.FORMAT]
