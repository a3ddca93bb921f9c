"""The producer's local disk spool: every event until the broker has it.

:mod:`.records` owns the on-disk record format, :mod:`.segments` the segment files,
:mod:`.slots` the per-process slots, :mod:`.disk` the write-ahead log and replay queue
with its bounds. Replaying to Kafka lives in :mod:`auditstream.producer.replay`.
"""

from __future__ import annotations

from auditstream.producer.spool.disk import DiskSpool
from auditstream.producer.spool.records import Damage, SpoolRecord
from auditstream.producer.spool.segments import Appended, Batch, Segment

__all__ = ["Appended", "Batch", "Damage", "DiskSpool", "Segment", "SpoolRecord"]
