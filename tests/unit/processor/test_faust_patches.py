"""Faust patches: raw offsets commit only over a run of acks from the committed offset."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from faust.types import TP

from auditstream.processor.faust_patches import commit_only_contiguous_acks

RAW = TP("raw", 0)


def _consumer(acked: list[int], committed: int | None) -> Any:
    consumer = SimpleNamespace(
        _acked=defaultdict(list, {RAW: list(acked)}),
        _acked_index=defaultdict(set, {RAW: set(acked)}),
        _committed_offset={RAW: committed},
        _new_offset=lambda tp: 999,  # Faust's own, used for other topics
    )
    commit_only_contiguous_acks(SimpleNamespace(consumer=consumer), "raw")  # type: ignore[arg-type]
    return consumer


class TestContiguousCommits:
    def test_a_run_from_the_committed_offset_commits_to_its_end(self) -> None:
        """Acked 10..14 after a commit at 10: the next commit is 15."""
        consumer = _consumer([10, 11, 12, 13, 14], committed=10)
        assert consumer._new_offset(RAW) == 15
        assert consumer._acked[RAW] == []

    def test_a_hole_at_the_committed_offset_holds_the_partition(self) -> None:
        """Offset 10 never acked (Faust dropped it): nothing commits, even a one-offset hole."""
        consumer = _consumer([11, 12, 13], committed=10)
        assert consumer._new_offset(RAW) is None
        assert consumer._acked[RAW] == [11, 12, 13]

    def test_a_hole_in_the_middle_stops_the_run_before_it(self) -> None:
        """Acked 10, 11, 13: commit 12, keep 13 for later."""
        consumer = _consumer([10, 11, 13], committed=10)
        assert consumer._new_offset(RAW) == 12
        assert consumer._acked[RAW] == [13]

    def test_other_topics_keep_fausts_rule(self) -> None:
        """Changelogs and other topics go through Faust's own computation."""
        consumer = _consumer([], committed=None)
        assert consumer._new_offset(TP("changelog", 0)) == 999
