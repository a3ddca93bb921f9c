"""``audit status``: ages, digest wording, JSON, and the archive part when the store is down.

Snapshots are built by hand here (no Kafka, no S3); ``tests/e2e/test_status.py`` takes
them from the real stack.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from auditstream.auditor.archive_status import (
    ArchiveStatus,
    DigestComparison,
    DigestHeadState,
    DigestStatus,
    PartitionHead,
)
from auditstream.auditor.cli import status as status_cli
from auditstream.auditor.cli.status import (
    EXIT_ERROR,
    app,
    describe_comparison,
    describe_digest,
    format_age,
)
from auditstream.auditor.status import PartitionLag, PipelineStatus, StageStatus

runner = CliRunner()

UNREACHABLE = "the store at http://127.0.0.1:1 did not answer (EndpointConnectionError)"


def pipeline(archive: ArchiveStatus | None) -> PipelineStatus:
    stage = StageStatus("sink", "g", "t.redacted", [PartitionLag(0, 10, 7, 3)])
    return PipelineStatus(1.0, [stage], 0, True, [], archive)


def archive_with(*comparisons: DigestComparison) -> ArchiveStatus:
    heads = [
        PartitionHead(c.partition, "t.redacted", c.head_seq, "s", "2026-03-15T09:59:48Z", 12.0, 99)
        for c in comparisons
        if c.head_seq is not None
    ]
    digest = DigestStatus(
        key="run/digests/v1/20260315T094500Z.json",
        interval_start="2026-03-15T09:45:00Z",
        written_at="2026-03-15T09:45:01.000000Z",
        age_s=899.0,
        partitions=list(comparisons),
    )
    return ArchiveStatus("archive", "run/", "2026-03-15T10:00:00Z", "locked", heads, digest)


class TestFormatAge:
    @pytest.mark.parametrize(
        ("seconds", "shown"),
        [
            (0.4, "0 s ago"),
            (12.7, "12 s ago"),
            (59.9, "59 s ago"),
            (60, "1 min 0 s ago"),
            (185, "3 min 5 s ago"),
            (3600, "1 h 0 min ago"),
            (7380, "2 h 3 min ago"),
            (90_000, "1 d 1 h ago"),
            (-3, "3 s ahead (clock skew)"),
            (None, "?"),
        ],
    )
    def test_ages_read_in_at_most_two_units(self, seconds: float | None, shown: str) -> None:
        """Seconds, then minutes, hours and days; a clock ahead of ours is said so."""
        assert format_age(seconds) == shown


class TestDescribeDigest:
    @pytest.mark.parametrize("state", list(DigestHeadState))
    def test_every_state_has_words(self, state: DigestHeadState) -> None:
        """No state falls through to assert_never; anomalies point at audit verify."""
        text = describe_comparison(DigestComparison(0, 1, 2, state, 1))
        assert text
        assert ("audit verify" in text) is (
            state in (DigestHeadState.AHEAD, DigestHeadState.DIFFERENT, DigestHeadState.GONE)
        )

    def test_a_digest_behind_the_heads_says_by_how_many_and_that_it_is_normal(self) -> None:
        """Two partitions moved on by 2 and 3 manifests since the digest."""
        archive = archive_with(
            DigestComparison(0, 4, 6, DigestHeadState.BEHIND, 2),
            DigestComparison(1, 1, 4, DigestHeadState.BEHIND, 3),
        )
        line = describe_digest(archive)
        assert "behind by 5 manifests (normal between digests)" in line
        assert "03-15 09:45:01 UTC (14 min 59 s ago)" in line

    def test_a_current_digest_says_it_lists_every_head(self) -> None:
        """Nothing moved since the digest."""
        archive = archive_with(DigestComparison(0, 4, 4, DigestHeadState.CURRENT, 0))
        assert "lists every partition's current head" in describe_digest(archive)

    def test_an_inconsistent_digest_is_not_called_behind(self) -> None:
        """A cut chain outweighs a partition that is merely behind."""
        archive = archive_with(
            DigestComparison(0, 9, 4, DigestHeadState.AHEAD, 0),
            DigestComparison(1, 1, 4, DigestHeadState.BEHIND, 3),
        )
        line = describe_digest(archive)
        assert "does not match the chain heads" in line
        assert "behind" not in line


class TestStatusCli:
    def test_json_carries_heads_and_the_digest_summary(self, monkeypatch) -> None:
        """Heads per partition, the digest key and its derived figures are in --json."""
        archive = archive_with(DigestComparison(0, 4, 6, DigestHeadState.BEHIND, 2))
        monkeypatch.setattr(status_cli, "_snapshot", lambda settings: pipeline(archive))
        result = runner.invoke(app, ["--json"])
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["stages"][0]["lag"] == 3
        assert data["archive"]["available"] is True
        assert [(h["partition"], h["seq"]) for h in data["archive"]["heads"]] == [(0, 6)]
        digest = data["archive"]["digest"]
        assert digest["key"] == "run/digests/v1/20260315T094500Z.json"
        assert (digest["lists_current_heads"], digest["behind_by"], digest["consistent"]) == (
            False,
            2,
            True,
        )
        assert digest["partitions"][0]["state"] == "behind"

    def test_an_unavailable_archive_still_prints_the_kafka_part_as_json(self, monkeypatch) -> None:
        """Lag is printed; the archive says why it is missing; the exit code says incomplete."""
        archive = ArchiveStatus("archive", "", "2026-03-15T10:00:00Z", unavailable=UNREACHABLE)
        monkeypatch.setattr(status_cli, "_snapshot", lambda settings: pipeline(archive))
        result = runner.invoke(app, ["--json"])
        assert result.exit_code == EXIT_ERROR == 2
        data = json.loads(result.stdout)
        assert data["stages"][0]["partitions"][0]["lag"] == 3
        assert data["archive"]["available"] is False
        assert data["archive"]["unavailable"] == UNREACHABLE
        assert result.stderr.startswith(f"audit status: archive unavailable: {UNREACHABLE}")

    def test_an_unavailable_archive_still_prints_the_lag_table(self, monkeypatch) -> None:
        """The table view shows lag, then says the archive part is unavailable and why."""
        archive = ArchiveStatus("archive", "", "2026-03-15T10:00:00Z", unavailable=UNREACHABLE)
        monkeypatch.setattr(status_cli, "_snapshot", lambda settings: pipeline(archive))
        monkeypatch.setenv("COLUMNS", "200")
        result = runner.invoke(app, [])
        assert result.exit_code == 2
        assert "Lag by stage" in result.stdout
        assert "t.redacted" in result.stdout
        assert f"Archive archive/: unavailable: {UNREACHABLE}" in result.stdout

    def test_the_table_shows_each_head_with_its_age_and_digest_state(self, monkeypatch) -> None:
        """One row per partition: seq, time, age, position after, the digest's verdict."""
        archive = archive_with(
            DigestComparison(0, 4, 6, DigestHeadState.BEHIND, 2),
            DigestComparison(3, None, 0, DigestHeadState.NOT_LISTED, 1),
        )
        monkeypatch.setattr(status_cli, "_snapshot", lambda settings: pipeline(archive))
        monkeypatch.setenv("COLUMNS", "200")
        result = runner.invoke(app, [])
        assert result.exit_code == 0, result.stderr
        rows = [line for line in result.stdout.splitlines() if "12 s ago" in line]
        assert len(rows) == 2
        cells = [[cell.strip() for cell in row.split("│")[1:-1]] for row in rows]
        assert cells == [
            ["0", "6", "03-15 09:59:48", "12 s ago", "99", "behind by 2 manifests"],
            ["3", "0", "03-15 09:59:48", "12 s ago", "99", "not in digest yet (1 manifest since)"],
        ]
        assert "Archive chain heads in archive/run/ (locked)" in result.stdout
