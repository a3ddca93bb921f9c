"""`audit stack up` leaves a profile: the stack's client settings, the demo's keys, its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditstream.cli.stack import script_environment, stack_state_dir, write_stack_profile
from auditstream.schemas.profile import read_profile


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    profile, state = tmp_path / "config" / "profile.env", tmp_path / "state" / "stack"
    monkeypatch.setenv("AUDITSTREAM_PROFILE", str(profile))
    monkeypatch.setenv("AUDITSTREAM_STACK_DIR", str(state))
    monkeypatch.setenv("AUDITSTREAM_STACK_S3_PORT", "29000")
    return profile, state


class TestWriteStackProfile:
    """write_stack_profile() after `stack.sh up`."""

    def test_the_profile_holds_what_clients_need(self, places: tuple[Path, Path]) -> None:
        """Client settings of `stack.sh env`, no test switches, the stack's own variables."""
        profile, state = places
        assert write_stack_profile() == profile
        values = read_profile(profile)
        assert values["AUDITSTREAM_S3__ENDPOINT_URL"] == "http://127.0.0.1:29000"
        assert values["AUDITSTREAM_S3__SECRET_ACCESS_KEY"]
        assert values["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"]
        assert values["AUDITSTREAM_STACK_DIR"] == str(state)
        assert values["AUDITSTREAM_STACK_S3_PORT"] == "29000"
        assert values["AUDITSTREAM_CACHE_DIR"] == str(Path.home() / ".cache/auditstream")
        assert not [name for name in values if name.startswith("AUDITSTREAM_TEST_")]
        assert "AUDITSTREAM_TRUST__KEYRING_FILE" not in values

    def test_the_demos_keys_are_named_once_it_made_them(self, places: tuple[Path, Path]) -> None:
        """Keyring, signing, pseudonymization and export keys of the demo's folder."""
        profile, state = places
        demo = state.parent / "demo"
        demo.mkdir(parents=True)
        for name in ("keyring.pem", "sink-signing.key", "hmac.key", "export-signing.key"):
            (demo / name).write_text("k")
        write_stack_profile()
        values = read_profile(profile)
        assert values["AUDITSTREAM_TRUST__KEYRING_FILE"] == str(demo / "keyring.pem")
        assert values["AUDITSTREAM_SINK__SIGNING_KEY_FILE"] == str(demo / "sink-signing.key")
        assert values["AUDITSTREAM_PROCESSOR__HMAC_KEY_FILE"] == str(demo / "hmac.key")
        assert values["AUDITSTREAM_AUDITOR__EXPORT_KEY_FILE"] == str(demo / "export-signing.key")

    def test_later_stack_commands_manage_the_same_stack(
        self, places: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """In a new shell, the script gets the folder and ports `up` used."""
        _, state = places
        write_stack_profile()
        monkeypatch.delenv("AUDITSTREAM_STACK_DIR")
        monkeypatch.delenv("AUDITSTREAM_STACK_S3_PORT")
        assert script_environment()["AUDITSTREAM_STACK_S3_PORT"] == "29000"
        assert script_environment()["AUDITSTREAM_CACHE_DIR"] == str(
            Path.home() / ".cache/auditstream"
        )
        assert stack_state_dir() == state

    def test_with_profiles_off_nothing_is_written(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """AUDITSTREAM_PROFILE=none: no file."""
        monkeypatch.setenv("AUDITSTREAM_PROFILE", "none")
        assert write_stack_profile() is None

    def test_an_unwritable_profile_is_reported_not_raised(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The stack runs either way: a warning names the file and the fallback."""
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        monkeypatch.setenv("AUDITSTREAM_PROFILE", str(blocker / "profile.env"))
        assert write_stack_profile() is None
        err = capsys.readouterr().err
        assert "cannot write the settings profile" in err
        assert "audit stack env" in err

    def test_an_operators_own_profile_is_left_alone(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A profile without the stack's marker stays as it is, and the command says so."""
        own = tmp_path / "profile.env"
        own.write_text("AUDITSTREAM_S3__BUCKET=prod-archive\n")
        monkeypatch.setenv("AUDITSTREAM_PROFILE", str(own))
        assert write_stack_profile() is None
        assert own.read_text() == "AUDITSTREAM_S3__BUCKET=prod-archive\n"
        assert "left as it is" in capsys.readouterr().err
