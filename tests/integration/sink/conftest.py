"""Sink integration fixtures: the shared real stack (once per run) and a fresh topic per test.

Each test gets its own redacted topic, consumer group and archive prefix (uuid), so it may
SIGKILL its own workers; the shared stack is never stopped here. The storage-outage test
starts a private stack of its own (see ``test_storage_outage.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.sink_harness import SinkUnderTest, new_sink_under_test
from support.stack import Stack, ensure_stack


@pytest.fixture(scope="session")
def stack() -> Stack:
    return ensure_stack()


@pytest.fixture
def sut(stack: Stack, tmp_path: Path) -> Iterator[SinkUnderTest]:
    yield from new_sink_under_test(stack, tmp_path)
