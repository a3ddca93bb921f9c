"""Fixtures of the LangChain handler's tests: a client over an in-memory producer.

Modules that need a client configured otherwise define their own ``client`` fixture,
which takes precedence over this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditstream.producer import AuditClient, ClientConfig
from support.fake_producer import FakeProducer


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def client(producer: FakeProducer, tmp_path: Path) -> Iterator[AuditClient]:
    config = ClientConfig(service_name="lc", spool_dir=str(tmp_path), prometheus=False)
    client = AuditClient(config, producer=producer)
    yield client
    client.close(0)
