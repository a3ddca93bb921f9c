"""Events as the codec hands them to the sink and the archive (encoded, then decoded)."""

from __future__ import annotations

import pytest

from auditstream.schemas import AuditEvent
from support.sample_events import full_event_dict, minimal_event_dict, through_codec


@pytest.fixture
def full_event() -> AuditEvent:
    """An event with every field filled, as decoded by the codec."""
    return through_codec(full_event_dict())


@pytest.fixture
def minimal_event() -> AuditEvent:
    """An event with only required fields, as decoded by the codec (defaults filled)."""
    return through_codec(minimal_event_dict())
