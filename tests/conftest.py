"""Fixtures every test shares: a clean environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# The end-of-run checks of the fault tests live there: rewritten like a test module's, a
# failed assertion shows both sides (what the DLQ held, say) instead of a bare error.
pytest.register_assert_rewrite("support.promise")


@pytest.fixture(autouse=True)
def clean_environ() -> Iterator[None]:
    """Remove AUDITSTREAM_* variables (but the AUDITSTREAM_TEST_* switches) for each test.

    The settings profile that `audit stack up` may have left in the real home is turned
    off too, so settings are the defaults plus what a test sets.
    """
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("AUDITSTREAM_") and not name.startswith("AUDITSTREAM_TEST_"):
            del os.environ[name]
    os.environ["AUDITSTREAM_PROFILE"] = "none"
    yield
    os.environ.clear()
    os.environ.update(saved)
