"""The settings profile: where it lives, when it is read, how it merges, how it is written."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from auditstream.auditor.errors import AuditorConfigError
from auditstream.auditor.settings import load_auditor_settings
from auditstream.processor.settings import load_processor_settings
from auditstream.schemas.profile import (
    MARKER,
    explicit_settings,
    profile_path,
    read_profile,
    write_profile,
)
from auditstream.schemas.settings import DEFAULT_S3_ENDPOINT
from auditstream.schemas.workers import worker_environments

STACK = {
    "AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:29092",
    "AUDITSTREAM_S3__ENDPOINT_URL": "http://127.0.0.1:29000",
    "AUDITSTREAM_S3__ACCESS_KEY_ID": "auditstream",
    "AUDITSTREAM_S3__SECRET_ACCESS_KEY": "local-secret",
    "AUDITSTREAM_S3__BUCKET": "profile-bucket",
    "AUDITSTREAM_TRUST__KEYRING_FILE": "/state/demo/keyring.pem",
    "AUDITSTREAM_SINK__SIGNING_KEY_FILE": "/state/demo/sink-signing.key",
    "AUDITSTREAM_STACK_DIR": "/state/stack",
}


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "profile.env"
    assert write_profile(path, STACK)
    monkeypatch.setenv("AUDITSTREAM_PROFILE", str(path))
    return path


class TestProfilePath:
    """profile_path() follows XDG and AUDITSTREAM_PROFILE."""

    def test_default_is_under_the_xdg_config_home(self) -> None:
        """XDG_CONFIG_HOME, else ~/.config."""
        assert profile_path({"XDG_CONFIG_HOME": "/xdg"}) == Path("/xdg/auditstream/profile.env")
        assert profile_path({}) == Path.home() / ".config/auditstream/profile.env"

    def test_the_variable_names_another_file(self) -> None:
        """AUDITSTREAM_PROFILE points elsewhere."""
        env = {"AUDITSTREAM_PROFILE": "/etc/audit.env", "XDG_CONFIG_HOME": "/xdg"}
        assert profile_path(env) == Path("/etc/audit.env")

    @pytest.mark.parametrize("value", ["none", "NONE", "", " "])
    def test_none_or_empty_turns_profiles_off(self, value: str) -> None:
        """No path: nothing is read or written."""
        assert profile_path({"AUDITSTREAM_PROFILE": value}) is None

    def test_only_section_variables_are_explicit_settings(self) -> None:
        """The stack's, the tests' and the profile's own variables do not count."""
        env = {
            "AUDITSTREAM_PROFILE": "x",
            "AUDITSTREAM_STACK_DIR": "x",
            "AUDITSTREAM_TEST_KAFKA": "x",
            "AUDITSTREAM_S3__BUCKET": "x",
            "PATH": "x",
        }
        assert explicit_settings(env) == ["AUDITSTREAM_S3__BUCKET"]


class TestSettingsFromTheProfile:
    """build_role_settings() reads the profile only when no settings are explicit."""

    def test_without_variables_the_profile_is_the_settings(self, profile: Path) -> None:
        """Endpoint, credentials, bucket, Kafka and keyring come from the profile."""
        settings = load_auditor_settings()
        assert settings.s3.endpoint_url == "http://127.0.0.1:29000"
        assert settings.s3.bucket == "profile-bucket"
        assert settings.s3.secret_access_key is not None
        assert settings.s3.secret_access_key.get_secret_value() == "local-secret"
        assert settings.kafka.bootstrap_servers == "127.0.0.1:29092"
        assert settings.trust.keyring_file == Path("/state/demo/keyring.pem")

    def test_any_settings_variable_switches_the_profile_off(
        self, profile: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Explicit settings are never mixed with the profile's (its credentials stay home)."""
        monkeypatch.setenv("AUDITSTREAM_S3__BUCKET", "prod-archive")
        settings = load_auditor_settings()
        assert settings.s3.bucket == "prod-archive"
        assert settings.s3.endpoint_url == DEFAULT_S3_ENDPOINT
        assert settings.s3.access_key_id is None
        assert settings.trust.keyring_file is None

    def test_options_override_single_values_of_the_profile(self, profile: Path) -> None:
        """A command-line override changes its field and keeps the section's others."""
        settings = load_auditor_settings(s3={"bucket": "other-archive"})
        assert settings.s3.bucket == "other-archive"
        assert settings.s3.endpoint_url == "http://127.0.0.1:29000"

    def test_sections_of_other_roles_are_ignored(self, profile: Path) -> None:
        """The processor has no s3, trust or sink section: the profile's are left out."""
        assert load_processor_settings().kafka.bootstrap_servers == "127.0.0.1:29092"

    def test_a_bad_profile_value_names_the_profile(self, tmp_path: Path, monkeypatch) -> None:
        """The error names the variable and the file it came from, and how to ignore it."""
        path = tmp_path / "profile.env"
        write_profile(path, {"AUDITSTREAM_S3__BUCKET": "x"})
        monkeypatch.setenv("AUDITSTREAM_PROFILE", str(path))
        with pytest.raises(AuditorConfigError) as caught:
            load_auditor_settings()
        message = str(caught.value)
        assert "AUDITSTREAM_S3__BUCKET='x'" in message
        assert f"values from the profile {path}" in message
        assert "AUDITSTREAM_PROFILE=none" in message

    def test_a_missing_profile_means_the_defaults(self, tmp_path: Path, monkeypatch) -> None:
        """No file, no error."""
        monkeypatch.setenv("AUDITSTREAM_PROFILE", str(tmp_path / "absent.env"))
        assert load_auditor_settings().s3.endpoint_url == DEFAULT_S3_ENDPOINT


class TestWriteProfile:
    """write_profile() writes owner-only files and never replaces an operator's own."""

    def test_round_trip_owner_only(self, tmp_path: Path) -> None:
        """What is written is read back; the file is 0600 and starts with the marker."""
        path = tmp_path / "sub" / "profile.env"
        values = {**STACK, "AUDITSTREAM_STACK_DIR": "/a path/with spaces"}
        assert write_profile(path, values)
        assert read_profile(path) == values
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().startswith(MARKER)

    def test_a_profile_the_stack_wrote_is_replaced(self, tmp_path: Path) -> None:
        """Each `audit stack up` rewrites its own profile."""
        path = tmp_path / "profile.env"
        write_profile(path, STACK)
        assert write_profile(path, {"AUDITSTREAM_S3__BUCKET": "next"})
        assert read_profile(path) == {"AUDITSTREAM_S3__BUCKET": "next"}

    def test_an_operators_own_profile_is_left_alone(self, tmp_path: Path) -> None:
        """A file without the marker is not overwritten."""
        path = tmp_path / "profile.env"
        path.write_text("AUDITSTREAM_S3__BUCKET=prod-archive\n")
        assert not write_profile(path, STACK)
        assert read_profile(path) == {"AUDITSTREAM_S3__BUCKET": "prod-archive"}

    def test_values_with_quotes_are_refused(self, tmp_path: Path) -> None:
        """The format cannot carry them; nothing half-written is left."""
        path = tmp_path / "profile.env"
        with pytest.raises(ValueError, match="AUDITSTREAM_S3__BUCKET"):
            write_profile(path, {"AUDITSTREAM_S3__BUCKET": "it's"})
        assert not path.exists()


class TestWorkerEnvironments:
    """`--workers N` children keep the settings their parent read from the profile."""

    def test_children_get_the_profile_as_variables(self, profile: Path) -> None:
        """A child with its own metrics port still reaches the profile's stack."""
        children = worker_environments(
            2, metrics_port_variable="AUDITSTREAM_SINK__METRICS_PORT", metrics_port=9464
        )
        assert [c["AUDITSTREAM_SINK__METRICS_PORT"] for c in children] == ["9464", "9465"]
        for child in children:
            assert child["AUDITSTREAM_S3__ENDPOINT_URL"] == "http://127.0.0.1:29000"
            assert child["AUDITSTREAM_SINK__SIGNING_KEY_FILE"] == "/state/demo/sink-signing.key"
            assert "AUDITSTREAM_STACK_DIR" not in child

    def test_explicit_settings_are_passed_on_alone(
        self, profile: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With settings in the environment, the profile stays out of the children too."""
        monkeypatch.setenv("AUDITSTREAM_S3__BUCKET", "prod-archive")
        (child,) = worker_environments(
            1, metrics_port_variable="AUDITSTREAM_SINK__METRICS_PORT", metrics_port=None
        )
        assert child["AUDITSTREAM_S3__BUCKET"] == "prod-archive"
        assert "AUDITSTREAM_S3__ENDPOINT_URL" not in child
