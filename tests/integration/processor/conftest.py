"""Processor integration fixtures: the real stack (once per run) and a fresh pipeline per test.

Worker processes are per test (uuid topics and app ids), so a test may SIGKILL them; the
shared stack is never stopped here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.pipeline import PipelineUnderTest, new_pipeline
from support.processor import FAST_GROUP_ENV
from support.stack import Stack, ensure_stack


@pytest.fixture(scope="session")
def stack() -> Stack:
    return ensure_stack()


@pytest.fixture
def pipeline(stack: Stack, tmp_path: Path) -> Iterator[PipelineUnderTest]:
    for p in new_pipeline(stack, tmp_path):
        p.extra_env.update(FAST_GROUP_ENV)
        yield p
