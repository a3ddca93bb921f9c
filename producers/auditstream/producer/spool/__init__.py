"""The producer's local disk spool: where events wait while the broker cannot take them.

:mod:`.records` owns the on-disk record format, :mod:`.disk` the segment files, slots
and bounds. Replaying to Kafka lives in :mod:`auditstream.producer.replay`.
"""

from __future__ import annotations

from auditstream.producer.spool.disk import Appended, Batch, DiskSpool
from auditstream.producer.spool.records import Damage, SpoolRecord

__all__ = ["Appended", "Batch", "Damage", "DiskSpool", "SpoolRecord"]
