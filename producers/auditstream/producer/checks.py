"""Type checks of ``emit()`` arguments, each raising :class:`AuditEventError` naming the field.

Messages name the expected and the found type, never the value: a wrongly typed
argument may well be a prompt.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, ParamSpec, TypeGuard, TypeVar

from auditstream.producer.errors import AuditEventError

_E = TypeVar("_E", bound=Enum)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def api_call(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn Python's own argument errors at a call of ``function`` into AuditEventError.

    An unknown keyword or a missing argument makes Python raise ``TypeError`` before the
    function runs; that is the caller's programming error, so it becomes an
    :class:`AuditEventError` naming the function. A ``TypeError`` from inside the
    function is left alone. Costs nothing on the happy path.

    Args:
        function: A public method of the client.

    Returns:
        The wrapped function.
    """

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return function(*args, **kwargs)
        except TypeError as exc:
            tb = exc.__traceback__
            if tb is not None and tb.tb_next is None:  # raised by the call itself
                raise AuditEventError(function.__name__, str(exc)) from None
            raise

    return wrapper


MAX_LONG = 2**63 - 1
"""The largest value of an Avro ``long``."""


def kind(value: object) -> str:
    """Name a value's type for an error message, without quoting the value."""
    return type(value).__name__


def enum_member(enum: type[_E], value: object, name: str) -> _E:
    """Return ``value`` as a member of ``enum``, accepting the member or its value.

    Args:
        enum: The enum class.
        value: A member, or its string value.
        name: The argument's name, for the error.

    Returns:
        The member.

    Raises:
        AuditEventError: ``value`` is neither (an enum value is a code constant, so a
            wrong string is shown, cut to 40 characters).
    """
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum)
    shown = repr(value[:40]) if isinstance(value, str) else kind(value)
    raise AuditEventError(name, f"must be one of {allowed}; found {shown}")


def opt_str(value: object, name: str) -> str | None:
    """Return ``value`` if it is a str or None.

    Args:
        value: The argument.
        name: Its name, for the error.

    Returns:
        The value.

    Raises:
        AuditEventError: It is of another type.
    """
    if value is None or isinstance(value, str):
        return value
    raise AuditEventError(name, f"must be str or None, found {kind(value)}")


def opt_count(value: object, name: str) -> int | None:
    """Return ``value`` if it is None or an int that fits a non-negative Avro long.

    Args:
        value: The argument.
        name: Its name, for the error.

    Returns:
        The value.

    Raises:
        AuditEventError: It is of another type, negative or too large.
    """
    if value is None:
        return None
    if not is_long(value):
        raise AuditEventError(name, f"must be an int from 0 to 2**63-1, found {kind(value)}")
    return value


def is_long(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an int that fits a non-negative Avro long (bools are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_LONG


def timestamp(value: object) -> int:
    """Return ``timestamp_us``, or now when it is None.

    Args:
        value: Microseconds since 1970, or None.

    Returns:
        The timestamp in microseconds.

    Raises:
        AuditEventError: It is not an int from 0 to 2**63-1.
    """
    if value is None:
        return time.time_ns() // 1000
    if not is_long(value):
        raise AuditEventError(
            "timestamp_us", f"must be int microseconds since 1970, found {kind(value)}"
        )
    return value


def latency(value: object) -> float | None:
    """Return ``latency_ms`` as a float if it is None or a finite number >= 0.

    Args:
        value: The argument.

    Returns:
        The value as a float, or None.

    Raises:
        AuditEventError: It is not a number, negative, NaN or infinite.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise AuditEventError("latency_ms", f"must be a number >= 0 or None, found {kind(value)}")
    if math.isinf(value):
        raise AuditEventError("latency_ms", "must be finite")
    return float(value)


def strings(values: object, name: str) -> list[str]:
    """Return ``values`` as a list if it is None (empty) or a sequence of str.

    Args:
        values: The argument; a bare str is refused (it would become its characters).
        name: Its name, for the error.

    Returns:
        A new list.

    Raises:
        AuditEventError: It is not a sequence, or an item is not a str.
    """
    if values is None:
        return []
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise AuditEventError(name, f"must be a sequence of str, found {kind(values)}")
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise AuditEventError(f"{name}[{index}]", f"must be str, found {kind(value)}")
    return list(values)


def record(
    value: object,
    name: str,
    *,
    allowed: frozenset[str],
    required: tuple[str, ...] = (),
    sdk_owned: frozenset[str] = frozenset(),
) -> Mapping[str, Any]:
    """Return ``value`` if it is a mapping with only ``allowed`` keys and the ``required`` ones.

    Args:
        value: The argument, e.g. ``llm=`` or one of ``rag_documents``.
        name: Its name, prefixed to the field names in errors.
        allowed: The keys the record may have.
        required: Keys that must be present and not None.
        sdk_owned: Keys the SDK fills itself, refused with a message saying so.

    Returns:
        The value.

    Raises:
        AuditEventError: Not a mapping, or a key is unknown, SDK-owned or missing.
    """
    if not isinstance(value, Mapping):
        raise AuditEventError(name, f"must be a mapping, found {kind(value)}")
    keys = value.keys()
    if keys <= allowed and all(value.get(key) is not None for key in required):
        return value  # the common case, without building error details
    owned = sorted(sdk_owned & value.keys())
    if owned:
        raise AuditEventError(
            f"{name}.{owned[0]}", "is computed by the SDK from the text and the client's hash_key"
        )
    unknown = sorted(str(k) for k in value.keys() - allowed)
    if unknown:
        raise AuditEventError(
            f"{name}.{unknown[0]}", f"unknown field; known: {', '.join(sorted(allowed))}"
        )
    for key in required:
        if value.get(key) is None:
            raise AuditEventError(f"{name}.{key}", "is required")
    return value
