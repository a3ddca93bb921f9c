"""Fixtures every test shares: a clean environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def clean_environ() -> Iterator[None]:
    """Remove AUDITSTREAM_* variables (but the AUDITSTREAM_TEST_* switches) for each test."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("AUDITSTREAM_") and not name.startswith("AUDITSTREAM_TEST_"):
            del os.environ[name]
    yield
    os.environ.clear()
    os.environ.update(saved)
