"""The processor stage: decode, validate, redact and enrich events, exactly once.

Heavy parts (Faust, Presidio, spaCy) load in the worker entry point, not on import.
"""

from __future__ import annotations

from auditstream.processor.errors import (
    FaustVersionError,
    KeyMaterialError,
    ModelNotInstalledError,
    PolicyError,
    ProcessorConfigError,
    ProcessorError,
    TopologyError,
)
from auditstream.processor.settings import (
    ProcessorSection,
    ProcessorSettings,
    load_processor_settings,
)

__all__ = [
    "FaustVersionError",
    "KeyMaterialError",
    "ModelNotInstalledError",
    "PolicyError",
    "ProcessorConfigError",
    "ProcessorError",
    "ProcessorSection",
    "ProcessorSettings",
    "TopologyError",
    "load_processor_settings",
]
