"""Credentials in free text: provider API keys, cloud keys, tokens, private keys.

Each pattern is specific enough (a vendor prefix, a fixed length, a PEM armour line) to
score high on its own; none relies on context words, so a key pasted into a prompt is
found wherever it stands.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

SECRET_ENTITY = "SECRET"  # noqa: S105 - an entity name, not a password


class SecretRecognizer(PatternRecognizer):
    """Find API keys, access tokens, JWTs and private key blocks as ``SECRET``."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("openai_api_key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", 0.95),
        Pattern("anthropic_api_key", r"\bsk-ant-[A-Za-z0-9_-]{20,}", 0.95),
        Pattern("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.95),
        Pattern("huggingface_token", r"\bhf_[A-Za-z0-9]{30,}\b", 0.95),
        Pattern("aws_access_key_id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b", 0.95),
        Pattern(
            "aws_secret_access_key",
            r"(?i)aws_?secret_?access_?key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}",
            0.95,
        ),
        Pattern("github_token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b", 0.95),
        Pattern("github_fine_grained_pat", r"\bgithub_pat_[A-Za-z0-9_]{60,}\b", 0.95),
        Pattern("gitlab_token", r"\bglpat-[A-Za-z0-9_-]{20,}\b", 0.95),
        Pattern("slack_token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}", 0.95),
        Pattern("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0.9),
        Pattern(
            "private_key_block",
            r"-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----[\s\S]{1,10000}?"
            r"-----END (?:[A-Z ]+ )?PRIVATE KEY-----",
            1.0,
        ),
        Pattern("bearer_token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}=*", 0.85),
        Pattern("url_password", r"(?<=://)[^/\s:@]{1,64}:[^/\s@]{1,128}(?=@)", 0.9),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=SECRET_ENTITY,
            name="SecretRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
        )
