"""End-to-end fixtures: the real stack (once per run) and a fresh pipeline per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.pipeline import PipelineUnderTest, new_pipeline
from support.stack import Stack, ensure_stack


@pytest.fixture(scope="session")
def stack() -> Stack:
    return ensure_stack()


@pytest.fixture
def pipeline(stack: Stack, tmp_path: Path) -> Iterator[PipelineUnderTest]:
    yield from new_pipeline(stack, tmp_path)
