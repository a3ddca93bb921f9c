"""Where the signing key comes from, and the settings around keys and retention."""

from __future__ import annotations

import stat

import pytest

from auditstream.archive.errors import SigningKeyError
from auditstream.archive.signing import Signer
from auditstream.sink.errors import SinkConfigError
from auditstream.sink.keys import load_signer
from auditstream.sink.settings import load_sink_settings

HEX_KEY = bytes(range(32)).hex()


class TestLoadSigner:
    def test_without_a_key_the_worker_refuses_and_names_both_variables(self):
        """A missing key is a start-up error, never a silently generated key."""
        with pytest.raises(SigningKeyError) as caught:
            load_signer(load_sink_settings().sink)
        message = str(caught.value)
        assert "AUDITSTREAM_SINK__SIGNING_KEY_FILE" in message
        assert "AUDITSTREAM_SINK__SIGNING_KEY" in message

    def test_a_key_file_is_read(self, tmp_path):
        """The file may hold any accepted form (here hex)."""
        path = tmp_path / "sink.key"
        path.write_text(HEX_KEY)
        signer = load_signer(load_sink_settings(sink={"signing_key_file": str(path)}).sink)
        assert signer.key_id == Signer.from_bytes(bytes(range(32)), source="T").key_id

    def test_a_missing_key_file_is_an_error_naming_the_path(self, tmp_path):
        """Without the dev flag a missing file is not created."""
        path = tmp_path / "absent.key"
        with pytest.raises(SigningKeyError, match=r"absent\.key"):
            load_signer(load_sink_settings(sink={"signing_key_file": str(path)}).sink)
        assert not path.exists()

    def test_the_dev_flag_generates_a_key_file_once_readable_by_its_owner_only(self, tmp_path):
        """Restarts reuse the generated key, so its chain keeps one signer."""
        path = tmp_path / "state" / "sink.key"
        section = load_sink_settings(
            sink={"signing_key_file": str(path), "dev_generate_signing_key": True}
        ).sink
        first, second = load_signer(section), load_signer(section)
        assert first.key_id == second.key_id
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_a_key_from_the_environment_is_used_and_masked(self, monkeypatch):
        """The value works as a key and shows as stars in a settings dump."""
        monkeypatch.setenv("AUDITSTREAM_SINK__SIGNING_KEY", HEX_KEY)
        settings = load_sink_settings()
        assert load_signer(settings.sink).key_id
        dumped = settings.model_dump(mode="json")
        assert HEX_KEY not in str(dumped)


class TestKeyAndRetentionSettings:
    def test_retention_in_years_counts_leap_days(self):
        """7 years are 2557 days (365.25 a year, rounded up)."""
        section = load_sink_settings(sink={"retention_years": 7}).sink
        assert section.retention_period_days == 2557
        assert load_sink_settings().sink.retention_period_days == 2190

    @pytest.mark.parametrize(
        ("sink", "named"),
        [
            ({"retention_years": 7, "retention_days": 30}, "RETENTION_YEARS"),
            ({"signing_key": HEX_KEY, "signing_key_file": "/k"}, "SIGNING_KEY_FILE"),
        ],
    )
    def test_two_ways_of_setting_one_thing_are_refused(self, sink, named):
        """The error names both variables and never the key."""
        with pytest.raises(SinkConfigError, match=named) as caught:
            load_sink_settings(sink=sink)
        assert HEX_KEY not in str(caught.value)

    def test_an_unknown_crash_point_is_refused(self):
        """The test hook accepts only its three named points."""
        with pytest.raises(SinkConfigError, match="AUDITSTREAM_SINK__TEST_CRASH_AT"):
            load_sink_settings(sink={"test_crash_at": "somewhere"})
