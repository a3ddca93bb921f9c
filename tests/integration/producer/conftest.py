"""Producer integration fixtures: the shared stack, a pipeline, and a private broker.

Tests that stop a broker get their own (``private_kafka``: ports 22092/22093, a temporary
state directory, started and removed by the fixture), so the shared stack is never
stopped here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.pipeline import PipelineUnderTest, new_pipeline
from support.private_kafka import PrivateKafka
from support.stack import Stack, ensure_stack


@pytest.fixture(scope="session")
def stack() -> Stack:
    return ensure_stack()


@pytest.fixture
def pipeline(stack: Stack, tmp_path: Path) -> Iterator[PipelineUnderTest]:
    yield from new_pipeline(stack, tmp_path)


@pytest.fixture
def private_kafka(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateKafka]:
    # Depends on `stack` only so the shared install (jars) exists before kafka-start.
    kafka = PrivateKafka(tmp_path_factory.mktemp("private-kafka"))
    kafka.start()
    try:
        yield kafka
    finally:
        kafka.remove()
