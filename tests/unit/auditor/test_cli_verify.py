"""``audit verify`` says where its trust came from, and only an anchored pass exits 0.

Archives are built in memory by a real chain keeper, then written out as the directory
``--offline`` reads, so every check runs as it does on a downloaded copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditstream.archive.signing import Signer, public_key_pem
from auditstream.auditor.cli.export import app as export_app
from auditstream.auditor.cli.query import app as query_app
from auditstream.auditor.cli.verify import EXIT_FAILED, EXIT_UNANCHORED, app
from auditstream.auditor.errors import TrustedKeyError
from auditstream.auditor.seal import seal_package
from auditstream.auditor.settings import load_auditor_settings
from auditstream.auditor.verify import trusted_keyring, with_key_files
from support.chains import PREFIX, digest_writer, flush, keeper
from support.memory_s3 import MemoryS3

runner = CliRunner()


def write_copy(s3: MemoryS3, root: Path) -> Path:
    for key, data in s3.objects.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    return root


def key_file(root: Path, signer: Signer) -> Path:
    path = root / f"{signer.key_id}.pem"
    path.write_bytes(public_key_pem(signer.public_key))
    return path


@pytest.fixture
def sink() -> Signer:
    return Signer.generate()


@pytest.fixture
def copy(tmp_path: Path, sink: Signer) -> Path:
    s3 = MemoryS3()
    chains = keeper(s3, sink)
    assert digest_writer(s3, sink, {"t": 0.0}).write()  # as a sink does when it starts
    chains.append(flush(s3, 0, 0, 9))
    chains.append(flush(s3, 0, 10, 19))
    return write_copy(s3, tmp_path / "copy")


def verify(copy: Path, *options: str):
    return runner.invoke(app, ["--offline", str(copy), "--prefix", PREFIX, *options])


class TestVerifyTrust:
    def test_with_the_sinks_key_an_intact_archive_is_verified_and_exits_0(self, copy, sink):
        result = verify(copy, "--key", str(key_file(copy.parent, sink)))
        assert result.exit_code == 0, result.output
        assert "VERIFIED" in result.stdout
        assert sink.key_id in result.stdout

    def test_the_keyring_can_come_from_the_environment(self, copy, sink, monkeypatch):
        monkeypatch.setenv("AUDITSTREAM_TRUST__KEYS", public_key_pem(sink.public_key).decode())
        assert verify(copy).exit_code == 0

    def test_without_a_keyring_it_never_says_verified_and_exits_3(self, copy, sink):
        """Every check passes, but against keys anyone with bucket access could have put."""
        result = verify(copy)
        assert result.exit_code == EXIT_UNANCHORED == 3
        assert "VERIFIED" not in result.stdout
        assert "NOT ANCHORED" in result.stdout
        assert "audit keys export" in result.stdout

    def test_the_json_report_names_the_trust_source(self, copy, sink):
        unanchored = json.loads(verify(copy, "--json").stdout)
        assert (unanchored["ok"], unanchored["anchored"], unanchored["trust"]) == (
            True,
            False,
            "archive",
        )
        anchored = json.loads(
            verify(copy, "--json", "--key", str(key_file(copy.parent, sink))).stdout
        )
        assert (anchored["anchored"], anchored["trust"], anchored["trusted_keys"]) == (
            True,
            "keyring",
            [sink.key_id],
        )

    def test_a_keyring_without_the_signer_fails_with_exit_1(self, copy):
        other = Signer.generate()
        result = verify(copy, "--key", str(key_file(copy.parent, other)))
        assert result.exit_code == EXIT_FAILED == 1
        assert "not in the keyring" in result.stdout

    def test_a_key_file_that_is_not_a_public_key_exits_2_naming_it(self, copy, tmp_path):
        bad = tmp_path / "bad.pem"
        bad.write_text("hello")
        result = verify(copy, "--key", str(bad))
        assert result.exit_code == 2
        assert "bad.pem" in result.stderr


class TestNothingToVerify:
    def test_a_directory_without_an_archive_fails_naming_what_to_check(self, tmp_path, sink):
        """A wrong path or --prefix verifies nothing: never VERIFIED, never exit 0."""
        result = runner.invoke(
            app, ["--offline", str(tmp_path), "--key", str(key_file(tmp_path, sink))]
        )
        assert result.exit_code == EXIT_FAILED
        assert "VERIFIED" not in result.stdout
        assert "manifests/v1/: no manifest chain: nothing was verified" in result.stdout
        assert "--prefix" in result.stdout

    def test_a_copy_read_under_another_prefix_fails(self, copy, sink):
        result = runner.invoke(
            app,
            ["--offline", str(copy), "--prefix", "elsewhere/", "--key", str(key_file(copy, sink))],
        )
        assert result.exit_code == EXIT_FAILED
        assert "elsewhere/manifests/v1/: no manifest chain" in result.stdout


class TestPackageWithoutDescription:
    """A sealed package whose package.json is gone or mangled is a failed package, not a
    plain directory that holds no archive (which would say nothing about its events)."""

    @pytest.fixture
    def sealed(self, copy: Path, sink: Signer, tmp_path: Path) -> tuple[Path, Path]:
        package = tmp_path / "package"
        shutil.copytree(copy, package / "archive")
        (package / "events.jsonl").write_text('{"event_id": "e1"}\n')
        (package / "package.json").write_text(json.dumps({"objects": []}))
        exporter = Signer.generate()
        seal_package(package, exporter, sealed_at="2026-01-01T00:00:00Z")
        keys = tmp_path / "keys.pem"
        keys.write_bytes(public_key_pem(sink.public_key) + public_key_pem(exporter.public_key))
        return package, keys

    @pytest.mark.parametrize("damage", ["removed", "not-json", "fields-missing"])
    def test_it_fails_with_the_description_named_with_and_without_a_keyring(self, sealed, damage):
        package, keys = sealed
        description = package / "package.json"
        if damage == "removed":
            description.unlink()
        elif damage == "not-json":
            description.write_text("[1, 2")
        for options in (["--key", str(keys)], []):
            result = runner.invoke(app, ["--offline", str(package), *options])
            assert result.exit_code == EXIT_FAILED, result.output
            assert "VERIFIED" not in result.stdout
            assert "package.json: missing, or not a package description" in result.stdout

    def test_the_json_report_says_so_too(self, sealed):
        package, keys = sealed
        (package / "package.json").unlink()
        report = json.loads(
            runner.invoke(app, ["--offline", str(package), "--key", str(keys), "--json"]).stdout
        )
        assert (report["ok"], report["anchored"]) == (False, True)
        assert {(f["kind"], f["key"]) for f in report["findings"]} == {
            ("object", "package.json"),  # the seal names the file that went missing
            ("format", "package.json"),
        }


class TestKeyFilesForQueryAndExport:
    """`audit query` and `audit export` take `--key` as `audit verify` does."""

    def test_key_files_join_the_configured_keys(self, tmp_path, sink, monkeypatch):
        other = Signer.generate()
        monkeypatch.setenv("AUDITSTREAM_TRUST__KEYS", public_key_pem(other.public_key).decode())
        settings = with_key_files(load_auditor_settings(), [key_file(tmp_path, sink)])
        assert trusted_keyring(settings.trust).key_ids() == sorted([sink.key_id, other.key_id])

    def test_without_key_files_the_settings_are_unchanged(self):
        settings = load_auditor_settings()
        assert with_key_files(settings, []) is settings
        assert trusted_keyring(settings.trust) is None

    def test_a_key_file_that_is_not_a_public_key_is_named(self, tmp_path):
        bad = tmp_path / "bad.pem"
        bad.write_text("hello")
        with pytest.raises(TrustedKeyError, match=r"bad\.pem"):
            with_key_files(load_auditor_settings(), [bad])

    @pytest.mark.parametrize("command", [query_app, export_app])
    def test_the_commands_offer_the_option_and_exit_2_naming_a_bad_key_file(
        self, command, tmp_path
    ):
        assert "--key" in runner.invoke(command, ["--help"]).stdout
        bad = tmp_path / "bad.pem"
        bad.write_text("hello")
        first = "SELECT 1" if command is query_app else str(tmp_path / "out")
        result = runner.invoke(command, [first, "--key", str(bad)])
        assert result.exit_code == 2
        assert "bad.pem" in result.stderr
