"""Errors of the producer SDK.

The SDK raises only for mistakes a programmer can fix at the call site or in the
configuration. Transport problems (broker down, queue full) never raise into the caller:
:class:`~auditstream.producer.AuditClient` counts and logs them instead::

    AuditstreamError                 (auditstream.schemas.errors)
    └── ProducerError
        ├── AuditEventError          emit() was called wrongly: wrong type, unknown field,
        │                            unknown event type (a programming error)
        ├── ConfigError              a setting is missing or invalid, naming the variable
        ├── TraceparentError         a W3C traceparent header is malformed
        └── SpoolUnavailableError    the disk spool cannot be opened (the client then runs
                                     without one, logging it; this is never raised by emit())

Messages never contain payload text (prompts, responses, secrets): only field names,
type names, sizes and variable names.
"""

from __future__ import annotations

from auditstream.schemas.errors import AuditstreamError


class ProducerError(AuditstreamError):
    """Base class of the producer SDK's errors."""


class AuditEventError(ProducerError):
    """An event could not be built from the arguments of an ``emit()`` call.

    This is a programming error at the call site, so it is the one error ``emit()``
    raises: fix the call, the event was not sent.

    Args:
        field: Dotted path of the offending argument or field, e.g. ``llm.tokens_input``.
        reason: What was expected and what was found (type names, never values).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"invalid audit event argument {field!r}: {reason}")


class ConfigError(ProducerError):
    """A client setting is missing or invalid.

    Args:
        variable: The environment variable (or ``ClientConfig`` field) at fault.
        reason: What is allowed and what was found (secrets are never quoted).
    """

    def __init__(self, variable: str, reason: str) -> None:
        self.variable = variable
        self.reason = reason
        super().__init__(f"{variable}: {reason}")


class TraceparentError(ProducerError):
    """A W3C ``traceparent`` header does not have the ``00-<trace>-<span>-<flags>`` form.

    Args:
        reason: What part is malformed (the header itself is not quoted).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"malformed traceparent header: {reason}")


class SpoolUnavailableError(ProducerError):
    """The disk spool directory cannot be used.

    Args:
        path: The spool directory.
        reason: Why (the OS error, or every slot locked by other processes).
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"cannot open the audit spool at {path}: {reason}; events the broker cannot take "
            "are shed until it is fixed (set spool_dir to a writable directory)"
        )
