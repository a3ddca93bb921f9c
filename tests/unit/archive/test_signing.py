"""Ed25519 keys: the accepted forms, key ids, signatures, and that keys stay out of text."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auditstream.archive.errors import SigningKeyError
from auditstream.archive.signing import (
    Signer,
    canonical_json,
    key_id_of,
    load_public_key,
    public_key_pem,
    verify_signature,
)

RAW = bytes(range(32))


def _forms() -> dict[str, bytes]:
    key = Ed25519PrivateKey.from_private_bytes(RAW)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "pem": pem,
        "raw 32 bytes": RAW,
        "hex": RAW.hex().encode(),
        "hex with newline": RAW.hex().encode() + b"\n",
        "base64": base64.b64encode(RAW),
    }


class TestSigner:
    @pytest.mark.parametrize("form", list(_forms()))
    def test_every_accepted_form_loads_the_same_key(self, form):
        """PEM, raw bytes, hex and base64 of one key give one key id."""
        signer = Signer.from_bytes(_forms()[form], source="TEST")
        assert signer.key_id == Signer.from_bytes(RAW, source="TEST").key_id

    @pytest.mark.parametrize(
        "material",
        [b"", b"too short", RAW[:31], RAW.hex()[:-2].encode(), b"-----BEGIN PRIVATE KEY-----\nxx"],
    )
    def test_anything_else_is_refused_naming_the_source_but_not_the_material(self, material):
        """The error names where the key came from and which forms are accepted."""
        with pytest.raises(SigningKeyError) as caught:
            Signer.from_bytes(material, source="AUDITSTREAM_SINK__SIGNING_KEY")
        assert "AUDITSTREAM_SINK__SIGNING_KEY" in str(caught.value)
        if material:
            assert material.decode(errors="replace") not in str(caught.value)

    def test_an_rsa_or_other_pem_key_is_refused(self):
        """Only Ed25519 signs manifests."""
        from cryptography.hazmat.primitives.asymmetric import ec

        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with pytest.raises(SigningKeyError, match="not Ed25519"):
            Signer.from_bytes(pem, source="FILE")

    def test_the_key_id_is_the_first_16_hex_of_sha256_of_the_raw_public_key(self):
        """Anyone with the public key can recompute the id."""
        signer = Signer.from_bytes(RAW, source="TEST")
        raw_public = signer.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        assert signer.key_id == hashlib.sha256(raw_public).hexdigest()[:16]
        assert key_id_of(signer.public_key) == signer.key_id

    def test_repr_shows_the_key_id_only(self):
        """The private key never reaches a repr (and so never a log line)."""
        signer = Signer.from_bytes(RAW, source="TEST")
        assert repr(signer) == f"Signer(key_id={signer.key_id!r})"

    def test_a_signature_verifies_only_for_the_signed_bytes_and_key(self):
        """Changing one byte or using another key fails verification."""
        signer, other = Signer.generate(), Signer.generate()
        signature = signer.sign(b"payload")
        assert verify_signature(signer.public_key, signature, b"payload")
        assert not verify_signature(signer.public_key, signature, b"payloae")
        assert not verify_signature(other.public_key, signature, b"payload")
        assert not verify_signature(signer.public_key, "not base64!", b"payload")

    def test_a_published_key_must_have_the_id_it_is_published_under(self):
        """A key file swapped under another id is refused."""
        signer, other = Signer.generate(), Signer.generate()
        pem = public_key_pem(signer.public_key)
        assert key_id_of(load_public_key(pem, key_id=signer.key_id)) == signer.key_id
        with pytest.raises(SigningKeyError, match="has the id"):
            load_public_key(pem, key_id=other.key_id)
        with pytest.raises(SigningKeyError, match="not a PEM public key"):
            load_public_key(b"garbage", key_id=signer.key_id)


class TestCanonicalJson:
    def test_keys_are_sorted_without_spaces_and_text_stays_utf8(self):
        """One value has exactly one byte form."""
        assert (
            canonical_json({"b": 1, "a": ["é", None, True]})
            == '{"a":["é",null,true],"b":1}'.encode()
        )
