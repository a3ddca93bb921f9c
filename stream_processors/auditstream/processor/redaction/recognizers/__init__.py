"""Our recognizers, beyond Presidio's defaults: one recognizer per file."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from auditstream.processor.redaction.recognizers.secret_recognizer import SecretRecognizer
from auditstream.processor.redaction.recognizers.self_introduction_recognizer import (
    SelfIntroductionRecognizer,
)

RECOGNIZER_SET_VERSION = "2026-11-26.1"
"""Bumped whenever a recognizer here changes what it finds; recorded on every event."""


def custom_recognizers() -> list[EntityRecognizer]:
    """Return a fresh instance of each of our recognizers."""
    return [SecretRecognizer(), SelfIntroductionRecognizer()]


__all__ = [
    "RECOGNIZER_SET_VERSION",
    "SecretRecognizer",
    "SelfIntroductionRecognizer",
    "custom_recognizers",
]
