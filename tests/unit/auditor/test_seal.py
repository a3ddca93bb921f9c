"""An evidence package's seal covers every file, and only a trusted exporter key makes it count."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditstream.archive.signing import Signer
from auditstream.archive.trust import Keyring
from auditstream.auditor.errors import TrustedKeyError
from auditstream.auditor.export import exporter_signer
from auditstream.auditor.seal import SEAL_FILE, check_seal, seal_package
from auditstream.auditor.settings import AuditorSection

AT = "2026-01-01T00:00:00.000000Z"


@pytest.fixture
def exporter() -> Signer:
    return Signer.generate()


@pytest.fixture
def package(tmp_path: Path, exporter: Signer) -> Path:
    (tmp_path / "archive" / "manifests").mkdir(parents=True)
    (tmp_path / "archive" / "manifests" / "0.json").write_text("{}")
    (tmp_path / "package.json").write_text('{"objects": []}')
    (tmp_path / "events.jsonl").write_text('{"event_id": "e1"}\n')
    seal_package(tmp_path, exporter, sealed_at=AT)
    return tmp_path


def messages(package: Path, keyring: Keyring | None) -> list[str]:
    return [f"{f.key}: {f.message}" for f in check_seal(package, keyring)]


class TestSeal:
    def test_an_untouched_package_matches_its_seal(self, package: Path, exporter: Signer):
        assert messages(package, Keyring.of(exporter.public_key)) == []

    def test_the_report_written_after_sealing_is_not_covered(self, package, exporter):
        (package / "verification.json").write_text("{}")
        assert messages(package, Keyring.of(exporter.public_key)) == []

    def test_changed_missing_and_added_files_are_each_named(self, package, exporter):
        (package / "package.json").write_text('{"objects": ["x"]}')
        (package / "archive" / "manifests" / "0.json").unlink()
        (package / "extra.txt").write_text("later")
        assert messages(package, Keyring.of(exporter.public_key)) == [
            "archive/manifests/0.json: sealed but missing from the package",
            "extra.txt: in the package but not sealed (added later)",
            "package.json: changed since the package was sealed",
        ]

    def test_a_seal_by_a_key_outside_the_keyring_is_a_finding(self, package):
        found = messages(package, Keyring.of(Signer.generate().public_key))
        assert len(found) == 1
        assert "not in the keyring" in found[0]

    def test_a_reseal_by_someone_else_is_caught_with_the_keyring(self, package, exporter):
        """Whoever edits a package can seal it again, but not with the exporter's key."""
        (package / "events.jsonl").write_text('{"event_id": "forged"}\n')
        seal_package(package, Signer.generate(), sealed_at=AT)
        assert "not in the keyring" in messages(package, Keyring.of(exporter.public_key))[0]

    def test_without_a_keyring_the_packages_own_exporter_key_is_used(self, package):
        assert messages(package, None) == []
        (package / "events.jsonl").write_text("")
        assert messages(package, None) == ["events.jsonl: changed since the package was sealed"]

    def test_a_package_without_a_seal_is_a_finding(self, package):
        (package / SEAL_FILE).unlink()
        assert "not sealed" in messages(package, None)[0]


class TestExporterKey:
    def test_without_an_export_key_export_names_the_variable(self):
        with pytest.raises(TrustedKeyError, match="AUDITSTREAM_AUDITOR__EXPORT_KEY_FILE"):
            exporter_signer(AuditorSection())

    def test_an_unreadable_key_file_is_named(self, tmp_path: Path):
        with pytest.raises(TrustedKeyError, match="missing"):
            exporter_signer(AuditorSection(export_key_file=tmp_path / "missing"))

    def test_a_hex_key_is_accepted(self):
        signer = exporter_signer(AuditorSection(export_key="ab" * 32))
        assert signer.key_id == Signer.from_bytes(b"ab" * 32, source="t").key_id
