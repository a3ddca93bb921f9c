"""Cloud credentials: AWS key ids and secret keys, Azure storage keys, Stripe, DigitalOcean.

An AWS secret access key is 40 characters of base64 with no prefix. It is found in three
ways: after a name that says what it is (``aws_secret_access_key =``,
``"SecretAccessKey":``), and, anywhere, as a standalone 40-character token mixing upper
case, lower case and digits (a git commit hash is 40 characters of lower-case hex, so it
does not qualify).
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import hint
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SecretPatternRecognizer,
)

# Names of the secret key, not a secret.
_AWS_SECRET_NAME = r"(?i:aws_?secret_?access_?key|secret_?access_?key|aws_?secret_?key|aws_?secret)"  # noqa: S105


class CloudKeyRecognizer(SecretPatternRecognizer):
    """Find cloud provider credentials."""

    # Every key has at least 20 characters of base64 in a row (AKIA and 16).
    HINTS = (hint(r"[A-Za-z0-9/+]{20}"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "aws_access_key_id",
            r"(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}(?![A-Za-z0-9])",
            0.95,
        ),
        Pattern(
            "aws_secret_access_key_named",
            rf"(?<={_AWS_SECRET_NAME}[\"']?[ \t]{{0,4}}[:=][ \t]{{0,4}}[\"']?)"
            r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])",
            0.95,
        ),
        Pattern(
            "aws_secret_access_key_shape",
            r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])"
            r"(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
            0.6,
        ),
        Pattern(
            "azure_storage_account_key",
            r"(?<=(?i:AccountKey)=)[A-Za-z0-9/+]{80,90}={0,2}",
            0.95,
        ),
        Pattern(
            "stripe_secret_key",
            r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,100}(?![A-Za-z0-9])",
            0.95,
        ),
        Pattern(
            "digitalocean_token",
            r"(?<![A-Za-z0-9_])do[por]_v1_[a-f0-9]{64}(?![A-Za-z0-9])",
            0.95,
        ),
    ]
