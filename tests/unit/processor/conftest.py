"""A redaction engine loaded once per test session (spaCy takes a second or two)."""

from __future__ import annotations

import pytest

from auditstream.processor.redaction.offline import prepare_offline


@pytest.fixture(scope="session")
def analyzers():
    prepare_offline()
    from auditstream.processor.redaction.analyzer import build_analyzers

    return build_analyzers()


@pytest.fixture
def engine(analyzers):
    from auditstream.processor.redaction.engine import RedactionEngine
    from auditstream.processor.redaction.policy import load_policy
    from auditstream.processor.redaction.tokens import Pseudonymizer

    return RedactionEngine(analyzers, load_policy(), Pseudonymizer(b"k" * 32), cache_entries=100)
