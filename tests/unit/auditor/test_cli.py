"""``audit query``: exit codes, streams, and the public surface of the auditor."""

from __future__ import annotations

from typer.testing import CliRunner

import auditstream.auditor
from auditstream.auditor.cli.query import EXIT_ERROR, app

runner = CliRunner()


class TestQueryCli:
    def test_help_shows_the_sql_argument_and_the_options(self):
        """One command: SQL plus --tenant, --since, --until and --format."""
        result = runner.invoke(app, ["--help"], prog_name="audit query")
        assert result.exit_code == 0
        for option in ("--tenant", "--since", "--until", "--format"):
            assert option in result.stdout

    def test_an_unparseable_since_exits_2_with_one_line_on_stderr(self):
        """Nothing is queried; stdout stays empty for tools reading it."""
        result = runner.invoke(app, ["SELECT 1", "--since", "yesterday"])
        assert result.exit_code == EXIT_ERROR == 2
        assert result.stdout == ""
        assert result.stderr.startswith("audit query: error: invalid --since:")
        assert len(result.stderr.splitlines()) == 1

    def test_an_empty_range_exits_2(self):
        """until before since is refused before listing the archive."""
        result = runner.invoke(app, ["SELECT 1", "--since", "2026-01-02", "--until", "2026-01-01"])
        assert result.exit_code == 2
        assert "not after since" in result.stderr

    def test_an_unknown_auditor_variable_exits_2(self, monkeypatch):
        """A misspelled AUDITSTREAM_AUDITOR__ variable is named, not ignored."""
        monkeypatch.setenv("AUDITSTREAM_AUDITOR__LOGLEVEL", "DEBUG")
        result = runner.invoke(app, ["SELECT 1"])
        assert result.exit_code == 2
        assert "AUDITSTREAM_AUDITOR__LOGLEVEL: unknown setting" in result.stderr

    def test_an_unknown_format_is_a_usage_error(self):
        """Only table, jsonl and csv are accepted."""
        result = runner.invoke(app, ["SELECT 1", "--format", "xml"])
        assert result.exit_code == 2
        assert "xml" in result.stderr


class TestAuditorExports:
    def test_the_auditor_package_exports_exactly_these_names(self):
        """The demo and the e2e tests use these; change the list deliberately."""
        assert auditstream.auditor.__all__ == [
            "ArchiveAccessError",
            "ArchiveStatus",
            "AuditorConfigError",
            "AuditorError",
            "AuditorSection",
            "AuditorSettings",
            "ExportFormat",
            "ExportSummary",
            "InvalidTimeRangeError",
            "OutputFormat",
            "PipelineStatus",
            "QueryError",
            "QueryResult",
            "Timeline",
            "export_evidence",
            "load_auditor_settings",
            "load_session",
            "load_trace",
            "parse_instant",
            "query_archive",
            "read_archive_status",
            "read_status",
            "run_query",
            "select_objects",
            "verify_bucket",
            "verify_copy",
            "verify_package",
        ]
