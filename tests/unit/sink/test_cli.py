"""``audit sink``: one command, typed errors as one line on stderr with exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from auditstream.schemas.health import Readiness
from auditstream.sink import cli
from auditstream.sink.cli import EXIT_ERROR, app

runner = CliRunner()


class TestSinkCli:
    def test_help_describes_the_single_command(self):
        """The app runs its one command directly: no subcommand name is needed."""
        result = runner.invoke(app, ["--help"], prog_name="audit sink")
        assert result.exit_code == 0
        assert "Usage: audit sink [OPTIONS]" in result.stdout
        assert "--max-age-s" in result.stdout

    def test_invalid_settings_exit_2_with_one_line_naming_the_variable(self, monkeypatch):
        """Nothing starts; stderr says which variable is wrong and why."""
        monkeypatch.setenv("AUDITSTREAM_SINK__RETENTION_DAYS", "0")
        result = runner.invoke(app, [], prog_name="audit sink")
        assert result.exit_code == EXIT_ERROR == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("audit sink: error: invalid sink settings:")
        assert "AUDITSTREAM_SINK__RETENTION_DAYS" in lines[0]

    def test_an_invalid_option_value_is_rejected_by_the_settings(self):
        """Options go through the same validation as variables."""
        result = runner.invoke(app, ["--max-age-s", "0"], prog_name="audit sink")
        assert result.exit_code == 2
        assert "AUDITSTREAM_SINK__MAX_AGE_S" in result.stderr

    def test_without_a_signing_key_the_sink_refuses_to_start_naming_the_variables(self):
        """No key, no archive: the message says which variable to set (no store is asked)."""
        result = runner.invoke(app, [], prog_name="audit sink")
        assert result.exit_code == 2
        last = result.stderr.splitlines()[-1]  # after the worker's JSON log lines
        assert last.startswith("audit sink: error: signing key: no key configured")
        assert "AUDITSTREAM_SINK__SIGNING_KEY_FILE" in last

    def test_metrics_host_and_port_reach_the_endpoint_and_the_worker_gets_its_readiness(
        self, monkeypatch
    ):
        """``--metrics-host``/``--metrics-port`` bind the endpoint the worker reports to."""
        seen = {}
        monkeypatch.setattr(
            cli, "serve_metrics", lambda port, *, host, readiness: seen.update(bind=(host, port))
        )
        monkeypatch.setattr(
            cli, "run_sink", lambda settings, *, readiness: seen.update(readiness=readiness)
        )
        args = ["--metrics-host", "0.0.0.0", "--metrics-port", "9464"]
        result = runner.invoke(app, args, prog_name="audit sink")
        assert result.exit_code == 0, result.output
        assert seen["bind"] == ("0.0.0.0", 9464)
        assert isinstance(seen["readiness"], Readiness)
