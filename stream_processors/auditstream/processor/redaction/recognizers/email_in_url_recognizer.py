"""E-mail addresses inside URLs, query strings and paths.

Presidio's ``EmailRecognizer`` lets the local part hold ``/``, ``?`` and ``=``, so in
``https://crm/v2/contacts?email=ana@example.org`` its match starts at the port and runs
through the query; ``tldextract`` then reads that as a URL without a domain and drops it.
Error messages and logged requests carry addresses exactly this way. Here the local part
is what a mailbox name holds in practice (letters, digits, ``._%+-``), so the address is
found wherever it stands, including percent-encoded ``%40``.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer, hint


class EmailInUrlRecognizer(HintedPatternRecognizer):
    """Find ``EMAIL_ADDRESS`` values with a plain local part, wherever they stand."""

    # An address's at sign, plain or percent-encoded.
    HINTS = (hint(r"@|%40"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "email_plain_local_part",
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}(?:@|%40)"
            r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}"
            r"(?![A-Za-z0-9-])",
            0.9,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            name="EmailInUrlRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
        )
