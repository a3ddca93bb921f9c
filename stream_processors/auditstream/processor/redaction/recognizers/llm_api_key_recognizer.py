"""API keys of LLM providers, found by their vendor prefixes.

Providers: OpenAI, Anthropic, Google (Gemini), Hugging Face, Groq, Replicate, xAI,
Perplexity, OpenRouter.

Keys without a vendor prefix (Mistral, Cohere, Azure OpenAI: 32 hex or alphanumeric
characters) look like hashes on their own; they are found by their header or variable
name in :mod:`password_recognizer`.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import hint
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SecretPatternRecognizer,
)

# A key body: URL-safe base64 characters, at least 20 (real keys are 40-200).
_BODY = r"[A-Za-z0-9_-]{20,400}"


class LlmApiKeyRecognizer(SecretPatternRecognizer):
    """Find LLM provider API keys by their vendor prefix."""

    # The vendors' prefixes.
    HINTS = (hint(r"sk-|aiza|hf_|gsk_|r8_|xai-|pplx-"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        # sk-..., sk-proj-..., sk-svcacct-..., sk-admin-..., sk-ant-api03-..., sk-or-v1-...
        Pattern("openai_anthropic_openrouter_key", rf"(?<![A-Za-z0-9_-])sk-{_BODY}", 0.95),
        Pattern(
            "google_api_key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])", 0.95
        ),
        Pattern(
            "huggingface_token", r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,60}(?![A-Za-z0-9])", 0.95
        ),
        Pattern("groq_api_key", r"(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{40,60}(?![A-Za-z0-9])", 0.95),
        Pattern("replicate_token", r"(?<![A-Za-z0-9_])r8_[A-Za-z0-9]{30,45}(?![A-Za-z0-9])", 0.95),
        Pattern("xai_api_key", rf"(?<![A-Za-z0-9_-])xai-{_BODY}", 0.95),
        Pattern("perplexity_api_key", r"(?<![A-Za-z0-9_-])pplx-[A-Za-z0-9]{40,60}", 0.95),
    ]
