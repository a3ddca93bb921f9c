"""The sink stage: archive the redacted topic as write-once Parquet objects in S3.

The worker (and with it the Kafka client) is imported lazily, on first use of
``run_sink``, ``SinkWorker``, ``SinkStats`` or ``BatchDecoder``: the auditor imports
:mod:`auditstream.archive` and must not pull in Kafka through this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from auditstream.archive.errors import (
    ArchiveEncodeError,
    ArchiveUnavailableError,
    ArchiveWriteError,
    BucketError,
    BucketNotLockedError,
    BucketUnreachableError,
    ManifestFormatError,
    ObjectExistsError,
    SigningKeyError,
)
from auditstream.sink.errors import (
    ConsumerError,
    DeadLetterQueueUnavailableError,
    FencedError,
    ManifestChainError,
    SinkConfigError,
    SinkError,
)
from auditstream.sink.settings import (
    SinkSection,
    SinkSettings,
    consumer_config,
    load_sink_settings,
)

if TYPE_CHECKING:
    from auditstream.sink.decoding import BatchDecoder
    from auditstream.sink.runner import run_sink
    from auditstream.sink.worker import SinkWorker
    from auditstream.sink.worker_state import SinkStats

# name -> module; imported on first use, so importing the archive loads no consumer.
_LAZY = {
    "BatchDecoder": "auditstream.sink.decoding",
    "SinkStats": "auditstream.sink.worker_state",
    "SinkWorker": "auditstream.sink.worker",
    "run_sink": "auditstream.sink.runner",
}

__all__ = [
    "ArchiveEncodeError",
    "ArchiveUnavailableError",
    "ArchiveWriteError",
    "BatchDecoder",
    "BucketError",
    "BucketNotLockedError",
    "BucketUnreachableError",
    "ConsumerError",
    "DeadLetterQueueUnavailableError",
    "FencedError",
    "ManifestChainError",
    "ManifestFormatError",
    "ObjectExistsError",
    "SigningKeyError",
    "SinkConfigError",
    "SinkError",
    "SinkSection",
    "SinkSettings",
    "SinkStats",
    "SinkWorker",
    "consumer_config",
    "load_sink_settings",
    "run_sink",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
