"""Tokens after an HTTP authorization scheme: ``Bearer <token>``, ``Basic <base64>``.

The scheme word stays; only the credential is replaced, so an auditor still sees that a
header carried one.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import hint
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SecretPatternRecognizer,
)


class BearerTokenRecognizer(SecretPatternRecognizer):
    """Find credentials that follow ``Bearer`` or ``Basic``."""

    # Every pattern follows a scheme word.
    HINTS = (hint(r"bearer|basic"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "bearer_token",
            r"(?<=(?<![A-Za-z])(?i:bearer)[ \t]{1,4})(?=[A-Za-z0-9._~+/-]{0,40}[0-9])"
            r"[A-Za-z0-9._~+/-]{16,4000}={0,2}",
            0.9,
        ),
        # Inside a quoted header the credential runs to the closing quote, whatever it
        # holds: a password used as a token ("Bearer d^kOW.3fx") has no token alphabet.
        # Shell: -H 'Authorization: Bearer ...'; JSON: "Authorization": "Bearer ...".
        Pattern(
            "bearer_in_shell_header",
            r"(?<=(?i:authorization)[ \t]{0,2}:[ \t]{0,3}(?i:bearer)[ \t]{1,4})"
            r"(?![<${])[^'\s]{6,4000}(?=')",
            0.85,
        ),
        Pattern(
            "bearer_in_json_header",
            r"(?<=\"(?i:authorization)\"[ \t]{0,3}:[ \t]{0,3}\"(?i:bearer)[ \t]{1,4})"
            r"(?![<${])(?:[^\"\\\s]|\\.){6,4000}(?=\")",
            0.85,
        ),
        Pattern(
            "basic_credentials",
            r"(?<=(?<![A-Za-z])(?i:basic)[ \t]{1,4})(?=[A-Za-z0-9+/]{0,60}[A-Z])"
            r"(?=[A-Za-z0-9+/]{0,60}[a-z0-9])[A-Za-z0-9+/]{12,1000}={0,2}(?![A-Za-z0-9+/=])",
            0.85,
        ),
    ]
