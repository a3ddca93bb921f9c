"""The processor stage: decode, validate, redact and enrich events, exactly once.

Heavy parts (Faust, Presidio, spaCy) load in the worker entry point, not on import.
"""

from __future__ import annotations

from auditstream.processor.errors import (
    KeyMaterialError,
    ModelNotInstalledError,
    PolicyError,
    ProcessorError,
    TopologyError,
)
from auditstream.processor.settings import ProcessorSection, ProcessorSettings

__all__ = [
    "KeyMaterialError",
    "ModelNotInstalledError",
    "PolicyError",
    "ProcessorError",
    "ProcessorSection",
    "ProcessorSettings",
    "TopologyError",
]
