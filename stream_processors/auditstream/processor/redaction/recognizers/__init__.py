"""Our recognizers, beyond Presidio's defaults: one recognizer per file."""

from __future__ import annotations

from auditstream.processor.redaction.recognizers.secret_recognizer import SecretRecognizer
from presidio_analyzer import EntityRecognizer

RECOGNIZER_SET_VERSION = "2026-11-26.1"
"""Bumped whenever a recognizer here changes what it finds; recorded on every event."""


def custom_recognizers() -> list[EntityRecognizer]:
    """Return a fresh instance of each of our recognizers."""
    return [SecretRecognizer()]


__all__ = ["RECOGNIZER_SET_VERSION", "SecretRecognizer", "custom_recognizers"]
