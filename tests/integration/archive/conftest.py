"""Archive integration fixtures: the shared real stack (never stopped here)."""

from __future__ import annotations

import pytest

from support.stack import Stack, ensure_stack


@pytest.fixture(scope="session")
def stack() -> Stack:
    return ensure_stack()
