"""How the agent cuts a batch into chunks: near-equal, none too big, every event once, in order."""

from __future__ import annotations

import pytest

from auditstream.processor.agent import _chunks


@pytest.mark.parametrize(
    ("events", "sizes"),
    [
        (0, [0]),
        (1, [1]),
        (64, [64]),
        (65, [33, 32]),
        (200, [50, 50, 50, 50]),
        (201, [51, 51, 51, 48]),
    ],
)
def test_a_batch_is_cut_into_near_equal_chunks_of_at_most_the_size(
    events: int, sizes: list[int]
) -> None:
    batch = list(range(events))
    chunks = _chunks(batch, 64)
    assert [len(c) for c in chunks] == sizes
    assert [e for c in chunks for e in c] == batch
