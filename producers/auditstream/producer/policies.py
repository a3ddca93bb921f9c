"""The closed sets of the SDK's settings: content, fsync and shedding policies.

Kept apart from :mod:`.config` so the environment reader (:mod:`.env`) and the spool can
use them without importing the config class.
"""

from __future__ import annotations

import contextlib
from enum import StrEnum
from typing import TypeVar

from auditstream.producer.errors import ConfigError

_E = TypeVar("_E", bound=StrEnum)


class FsyncPolicy(StrEnum):
    """When the spool's records are forced to disk (``fsync``).

    Every event is copied into the spool (the kernel's page cache) before it reaches
    librdkafka, so under every policy a killed process (SIGKILL, OOM kill) loses no event
    whose ``emit()`` returned. The policy decides what a power cut or kernel crash may
    lose.
    """

    NONE = "none"
    """Never: a power cut may lose whatever the kernel had not written back yet."""

    INTERVAL = "interval"
    """Every ``spool_fsync_interval_s``, off the emitting thread (the default): a power
    cut loses at most the events of the last interval."""

    ALWAYS = "always"
    """Before ``emit()`` returns, on the emitting thread (``fdatasync`` per event): a power
    cut loses nothing that ``emit()`` returned for; each event costs one disk flush."""

    def __str__(self) -> str:
        return self.value


class ShedPolicy(StrEnum):
    """What the client gives up when even the disk spool is full."""

    DROP_NEWEST = "drop_newest"
    """Refuse new events until the spool drains (keeps the start of the outage)."""

    DROP_OLDEST = "drop_oldest"
    """Delete the oldest spooled segment not being replayed (keeps the latest events)."""

    def __str__(self) -> str:
        return self.value


class ContentPolicy(StrEnum):
    """What the SDK sends of prompt and response text.

    The local secret scrub runs under both policies.
    """

    FULL = "full"
    """Text goes to the pipeline, which redacts personal data downstream."""

    HASH_ONLY = "hash_only"
    """Only keyed HMAC-SHA256 hashes of prompt and response leave the service."""

    def __str__(self) -> str:
        return self.value


def member(enum: type[_E], value: object, name: str) -> _E:
    """Return ``value`` as a member of ``enum``, accepting the member or its value.

    Args:
        enum: The policy enum.
        value: A member or its string value.
        name: The setting, for the error.

    Returns:
        The member.

    Raises:
        ConfigError: ``value`` is not one of the enum's values.
    """
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return enum(value)
    raise ConfigError(name, f"must be one of {', '.join(m.value for m in enum)}")
