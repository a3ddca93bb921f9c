"""The sink resumes only from chain heads a trusted key signed, and says which it refused.

Resuming after a forged head would leave the real events at its positions unarchived
and have the real key vouch for the forgery by linking to it.
"""

from __future__ import annotations

import pytest

from auditstream.archive import ChainReader
from auditstream.archive.manifest import manifest_key
from auditstream.archive.signing import Signer, public_key_pem
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.trust import KeyRotation, rotation_key
from auditstream.schemas.settings import TrustSettings
from auditstream.sink.errors import UntrustedHeadError, UntrustedSignerError
from auditstream.sink.keys import load_trust
from support.chains import BUCKET, PREFIX, flush, keeper
from support.memory_s3 import MemoryS3


def reader(s3: MemoryS3) -> ChainReader:
    return ChainReader(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX)  # type: ignore[arg-type]


def trust(*signers: Signer) -> TrustSettings:
    return TrustSettings(keys=b"".join(public_key_pem(s.public_key) for s in signers).decode())


class TestResumeFromTrustedHeadsOnly:
    def test_a_head_signed_by_a_key_published_in_the_bucket_is_refused(self):
        """The attacker's key sits under keys/; that earns it nothing."""
        s3 = MemoryS3()
        sink, attacker = Signer.generate(), Signer.generate()
        keeper(s3, sink).append(flush(s3, 0, 0, 9))
        keeper(s3, attacker, trusting=(sink,)).append(flush(s3, 0, 10, 19))
        restarted = keeper(s3, sink)
        before = dict(s3.objects)
        with pytest.raises(UntrustedHeadError) as caught:
            restarted.resume(0)
        error = caught.value
        assert (error.partition, error.signer) == (0, attacker.key_id)
        assert error.key == manifest_key(PREFIX, 0, 1)
        for named in ("partition 0", manifest_key(PREFIX, 0, 1), attacker.key_id):
            assert named in str(error)
        assert s3.objects == before  # nothing skipped, nothing overwritten, nothing added

    def test_an_older_manifest_replayed_as_the_head_is_refused(self):
        """Its signature is genuine, but it names another sequence number than its key."""
        s3 = MemoryS3()
        sink = Signer.generate()
        chains = keeper(s3, sink)
        chains.append(flush(s3, 0, 0, 9))
        chains.append(flush(s3, 0, 10, 19))
        s3.objects[manifest_key(PREFIX, 0, 2)] = s3.objects[manifest_key(PREFIX, 0, 0)]
        with pytest.raises(UntrustedHeadError, match="copied from another place"):
            keeper(s3, sink).resume(0)

    def test_a_manifest_of_partition_0_placed_under_partition_1_is_refused(self):
        s3 = MemoryS3()
        sink = Signer.generate()
        keeper(s3, sink).append(flush(s3, 0, 0, 9))
        s3.objects[manifest_key(PREFIX, 1, 0)] = s3.objects[manifest_key(PREFIX, 0, 0)]
        with pytest.raises(UntrustedHeadError, match="names partition 0"):
            keeper(s3, sink).resume(1)


class TestLoadTrust:
    def test_the_worker_trusts_its_own_key_the_keyring_and_rotations_they_signed(self):
        s3 = MemoryS3()
        first, second, sink = Signer.generate(), Signer.generate(), Signer.generate()
        record = KeyRotation.create(first, second.public_key, rotated_at="2026-01-01T00:00:00Z")
        s3.put_object(Key=rotation_key(PREFIX, first.key_id, second.key_id), Body=record.to_bytes())
        keyring = load_trust(trust(first, sink), sink, reader(s3))
        assert keyring.key_ids() == sorted([first.key_id, second.key_id, sink.key_id])

    def test_without_a_keyring_only_the_workers_own_key_is_trusted(self):
        s3 = MemoryS3()
        sink, published = Signer.generate(), Signer.generate()
        keeper(s3, published)  # publishes its key under keys/
        keyring = load_trust(TrustSettings(), sink, reader(s3))
        assert keyring.key_ids() == [sink.key_id]

    def test_a_keyring_that_does_not_trust_the_workers_key_stops_it_at_start(self):
        """Auditors holding that keyring would reject every manifest it signs."""
        s3 = MemoryS3()
        sink, other = Signer.generate(), Signer.generate()
        with pytest.raises(UntrustedSignerError) as caught:
            load_trust(trust(other), sink, reader(s3))
        assert sink.key_id in str(caught.value)
        assert "audit keys rotate" in str(caught.value)

    def test_a_rotation_to_the_workers_key_satisfies_the_keyring(self):
        s3 = MemoryS3()
        old, sink = Signer.generate(), Signer.generate()
        record = KeyRotation.create(old, sink.public_key, rotated_at="2026-01-01T00:00:00Z")
        s3.put_object(Key=rotation_key(PREFIX, old.key_id, sink.key_id), Body=record.to_bytes())
        keyring = load_trust(trust(old), sink, reader(s3))
        assert sink.key_id in keyring
