"""``audit keys export`` prints the key ``audit verify --key`` takes, or says what is missing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from auditstream.archive.signing import Signer
from auditstream.archive.trust import Keyring
from auditstream.sink.keys_cli import app

runner = CliRunner()
HEX_KEY = "22" * 32


class TestKeysExport:
    def test_it_prints_the_public_key_of_the_configured_signing_key(self, monkeypatch):
        monkeypatch.setenv("AUDITSTREAM_SINK__SIGNING_KEY", HEX_KEY)
        result = runner.invoke(app, ["export"])
        assert result.exit_code == 0, result.output
        printed = Keyring.from_pem(result.stdout.encode(), source="stdout")
        signer = Signer.from_bytes(HEX_KEY.encode(), source="test")
        assert printed.key_ids() == [signer.key_id]
        assert signer.key_id in result.stderr

    def test_what_it_prints_is_a_keyring_file_verify_accepts(self, monkeypatch, tmp_path: Path):
        monkeypatch.setenv("AUDITSTREAM_SINK__SIGNING_KEY", HEX_KEY)
        path = tmp_path / "keyring.pem"
        path.write_text(runner.invoke(app, ["export"]).stdout)
        assert len(Keyring.from_pem(path.read_bytes(), source=str(path))) == 1

    def test_without_a_configured_key_it_exits_2_naming_the_variable(self):
        """A generated dev key would live only in this process: printing it would mislead."""
        result = runner.invoke(app, ["export"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "AUDITSTREAM_SINK__SIGNING_KEY_FILE" in result.stderr
