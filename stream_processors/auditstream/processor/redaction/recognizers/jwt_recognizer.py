"""JSON Web Tokens: three base64url parts, the first two JSON objects (``eyJ`` is ``{"``)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import hint
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SecretPatternRecognizer,
)


class JwtRecognizer(SecretPatternRecognizer):
    """Find signed JWTs (and unsigned ones, which end in a dot)."""

    # A JWT's header starts with it.
    HINTS = (hint(r"eyJ"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "jwt",
            r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4000}\.eyJ[A-Za-z0-9_-]{8,8000}"
            r"\.[A-Za-z0-9_-]{0,2000}",
            0.95,
        ),
    ]
