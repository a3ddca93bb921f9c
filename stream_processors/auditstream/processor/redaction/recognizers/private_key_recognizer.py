r"""Private key blocks: PEM (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted) and PGP.

The whole block, armour included, is one finding. A block pasted without its END line
(truncated logs, half a key in a chat) is still found: the BEGIN line and the base64 body
that follows it (also with ``\n`` escapes, as in a service-account JSON).
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import hint
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SecretPatternRecognizer,
)

_BEGIN = r"-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----"
_END = r"-----END (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----"


class PrivateKeyRecognizer(SecretPatternRecognizer):
    """Find private key blocks from BEGIN to END."""

    # The armour's first line.
    HINTS = (hint("-----BEGIN "),)
    PATTERNS: ClassVar[list[Pattern]] = [
        # Lazy and bounded: a block ends at its first END line, within 20 000 characters
        # (an RSA-8192 key in PEM is about 6 500).
        Pattern("private_key_block", rf"{_BEGIN}.{{1,20000}}?{_END}", 1.0),
        Pattern(
            "private_key_truncated",
            rf"{_BEGIN}(?:[A-Za-z0-9+/=:\- \t\r\n]|\\n|\\r){{1,20000}}",
            0.9,
        ),
    ]
