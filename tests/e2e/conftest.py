"""End-to-end fixtures: the real stack (once per run), a fresh pipeline or sink per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.pipeline import PipelineUnderTest, new_pipeline
from support.sink_harness import SinkUnderTest, new_sink_under_test
from support.stack import Stack, ensure_stack


@pytest.fixture(scope="session")
def stack() -> Stack:
    return ensure_stack()


@pytest.fixture
def pipeline(stack: Stack, tmp_path: Path) -> Iterator[PipelineUnderTest]:
    yield from new_pipeline(stack, tmp_path)


@pytest.fixture
def sut(stack: Stack, tmp_path: Path) -> Iterator[SinkUnderTest]:
    """A fresh redacted topic and archive prefix, archived by real sink workers."""
    yield from new_sink_under_test(stack, tmp_path)
