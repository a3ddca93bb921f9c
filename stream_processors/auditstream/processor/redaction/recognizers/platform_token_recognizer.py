"""Tokens of developer platforms: GitHub, GitLab, Slack (tokens and webhooks), npm, PyPI."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import hint
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SecretPatternRecognizer,
)


class PlatformTokenRecognizer(SecretPatternRecognizer):
    """Find GitHub, GitLab, Slack, npm and PyPI tokens by their prefixes."""

    # The platforms' prefixes.
    HINTS = (
        hint(
            r"gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|cbt|oas)-|xox[abposre]-|hooks\.slack\.com/services/|npm_|pypi-age"
        ),
    )
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "github_token",
            r"(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,76}(?![A-Za-z0-9])",
            0.95,
        ),
        Pattern(
            "github_fine_grained_pat",
            r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,120}(?![A-Za-z0-9_])",
            0.95,
        ),
        Pattern(
            "gitlab_token",
            r"(?<![A-Za-z0-9_-])gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,80}(?![A-Za-z0-9_-])",
            0.95,
        ),
        Pattern(
            "slack_token",
            r"(?<![A-Za-z0-9_-])xox[abposre]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])",
            0.95,
        ),
        Pattern(
            "slack_webhook",
            r"(?<=hooks\.slack\.com/services/)T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,40}",
            0.95,
        ),
        Pattern("npm_token", r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", 0.95),
        Pattern("pypi_token", r"(?<![A-Za-z0-9_-])pypi-AgE[A-Za-z0-9_-]{50,250}", 0.95),
    ]
