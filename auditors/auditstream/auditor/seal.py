"""The seal of an evidence package: every file's SHA-256, signed by the exporter's key.

The archive's manifests prove the data objects, but not what an exporter wrote beside
them: ``package.json`` (the selection, the listed objects) and the events file. Without
a seal, whoever holds a package could drop the newest manifest, its objects, their rows
and the digest naming it, fix ``package.json``, and still pass every chain check. The
seal (``package.seal.json``) lists every file of the package but itself and
``verification.json`` (a report made after sealing), signed with the exporter's
Ed25519 key (``AUDITSTREAM_AUDITOR__EXPORT_KEY_FILE``). The exporter's public key is
written beside it as ``exporter.pub`` for reference; it is trusted only when the
recipient's keyring holds it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditstream.archive.errors import ManifestFormatError, SigningKeyError
from auditstream.archive.findings import Finding, FindingKind
from auditstream.archive.manifest import load_format_object, typed_field
from auditstream.archive.signing import Signer, canonical_json, public_key_pem, verify_signature
from auditstream.archive.trust import Keyring

SEAL_FORMAT = "auditstream.evidence-seal.v1"
SEAL_FILE = "package.seal.json"
EXPORTER_KEY_FILE = "exporter.pub"
REPORT_FILE = "verification.json"
_UNSEALED = frozenset({SEAL_FILE, REPORT_FILE})


@dataclass(frozen=True, slots=True)
class PackageSeal:
    """Every file of a package with its SHA-256, signed.

    Attributes:
        files: SHA-256 hex by path relative to the package root (``/`` separated).
        sealed_at: ISO 8601 UTC time of sealing.
        signer_key_id: Id of the exporter's key.
        signature: Base64 Ed25519 signature over :meth:`signed_payload`.
    """

    files: dict[str, str]
    sealed_at: str
    signer_key_id: str = ""
    signature: str = ""

    def body(self) -> dict[str, Any]:
        """Return every field but the signature, as a JSON-able dict."""
        return {
            "format": SEAL_FORMAT,
            "files": self.files,
            "sealed_at": self.sealed_at,
            "signer_key_id": self.signer_key_id,
        }

    def signed_payload(self) -> bytes:
        """Return the bytes the signature covers: canonical JSON of :meth:`body`."""
        return canonical_json(self.body())

    def to_bytes(self) -> bytes:
        """Return the stored form, signature included."""
        return canonical_json({**self.body(), "signature": self.signature})

    @classmethod
    def from_bytes(cls, data: bytes, *, key: str) -> PackageSeal:
        """Parse a stored seal (its signature is not checked here).

        Raises:
            ManifestFormatError: Not a valid seal.
        """
        raw = load_format_object(data, key=key, expected_format=SEAL_FORMAT)
        try:
            files = raw["files"]
            if not isinstance(files, dict):
                raise TypeError("files is not an object")
            return cls(
                files={typed_field(k, str): typed_field(v, str) for k, v in files.items()},
                sealed_at=typed_field(raw["sealed_at"], str),
                signer_key_id=typed_field(raw["signer_key_id"], str),
                signature=typed_field(raw["signature"], str),
            )
        except (KeyError, TypeError) as exc:
            raise ManifestFormatError(key, reason=f"missing or mistyped field ({exc})") from exc


def package_files(root: Path) -> dict[str, str]:
    """Return the SHA-256 of every file a seal covers, by path relative to ``root``.

    Args:
        root: The package directory.
    """
    hashes = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative not in _UNSEALED:
            hashes[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def seal_package(root: Path, signer: Signer, *, sealed_at: str) -> PackageSeal:
    """Write the exporter's public key, then seal every file of the package.

    Args:
        root: The package directory, complete but for ``verification.json``.
        signer: The exporter's key.
        sealed_at: ISO 8601 UTC time.

    Returns:
        The seal, as written to ``package.seal.json``.
    """
    (root / EXPORTER_KEY_FILE).write_bytes(public_key_pem(signer.public_key))
    unsigned = PackageSeal(package_files(root), sealed_at, signer_key_id=signer.key_id)
    seal = replace(unsigned, signature=signer.sign(unsigned.signed_payload()))
    (root / SEAL_FILE).write_bytes(seal.to_bytes())
    return seal


def check_seal(root: Path, keyring: Keyring | None) -> list[Finding]:
    """Check a package's seal: present, signed by a trusted key, and matching every file.

    Args:
        root: The package directory.
        keyring: The recipient's trusted keys; None trusts the package's own
            ``exporter.pub`` (the verification is then not anchored, and says so).

    Returns:
        The findings; empty when every file is exactly as sealed.
    """
    try:
        seal = PackageSeal.from_bytes((root / SEAL_FILE).read_bytes(), key=SEAL_FILE)
    except OSError:
        return [
            Finding(
                FindingKind.SIGNATURE,
                SEAL_FILE,
                "the package is not sealed: package.json and the events file could have "
                "been changed by anyone",
            )
        ]
    except ManifestFormatError as exc:
        return [Finding(FindingKind.FORMAT, SEAL_FILE, exc.reason)]
    problem = _signature_problem(root, seal, keyring)
    if problem is not None:
        return [Finding(FindingKind.SIGNATURE, SEAL_FILE, problem)]
    found = package_files(root)
    findings = [
        Finding(FindingKind.OBJECT, path, "sealed but missing from the package")
        for path in sorted(seal.files.keys() - found.keys())
    ]
    findings += [
        Finding(FindingKind.OBJECT, path, "in the package but not sealed (added later)")
        for path in sorted(found.keys() - seal.files.keys())
    ]
    findings += [
        Finding(FindingKind.OBJECT, path, "changed since the package was sealed")
        for path in sorted(seal.files.keys() & found.keys())
        if seal.files[path] != found[path]
    ]
    return findings


def _signature_problem(root: Path, seal: PackageSeal, keyring: Keyring | None) -> str | None:
    key_id = seal.signer_key_id
    if keyring is None:
        try:
            keyring = Keyring.from_pem(
                (root / EXPORTER_KEY_FILE).read_bytes(), source=EXPORTER_KEY_FILE
            )
        except (OSError, SigningKeyError):
            return f"the exporter's key {key_id} is not in the package and no keyring is given"
    public_key = keyring.keys.get(key_id)
    if public_key is None:
        return (
            f"sealed by exporter key {key_id}, which is not in the keyring "
            f"({', '.join(keyring.key_ids())}); pass the exporter's public key with --key"
        )
    if not verify_signature(public_key, seal.signature, seal.signed_payload()):
        return f"the seal's signature by {key_id} does not verify"
    return None
