"""The dead-letter contract: the headers every stage puts on a record it sends to the DLQ.

The DLQ holds a refused record's bytes exactly as they came, and says in headers which
stage refused it, why, and where it came from. The processor and the sink both write
it, and ``audit status`` reads it, so the header names live here, in one place.
"""

from __future__ import annotations

# The local stack's broker and topics take messages up to 8 MiB (deploy/local/stack.sh), so
# a raw message over the 1 MiB field limit still fits the DLQ as it came.
DEFAULT_MAX_MESSAGE_BYTES = 8 << 20
# Dead letters carry ~300 bytes of headers; 64 KiB of headroom below the message limit
# keeps a value of this size sendable with them.
DLQ_HEADROOM_BYTES = 64 << 10

STAGE = "auditstream.stage"
ERROR_CLASS = "auditstream.error_class"
ERROR_MESSAGE = "auditstream.error_message"
SOURCE_TOPIC = "auditstream.source_topic"
SOURCE_PARTITION = "auditstream.source_partition"
SOURCE_OFFSET = "auditstream.source_offset"
VALUE_OMITTED_BYTES = "auditstream.value_omitted_bytes"
"""Present when the record was too large for the DLQ: its size; the value is left out."""


def dead_letter_headers(
    *,
    stage: str,
    error_class: str,
    message: str,
    topic: str,
    partition: int,
    offset: int,
    omitted_bytes: int | None = None,
) -> list[tuple[str, bytes]]:
    """Return the headers of one dead letter, in a fixed order.

    Args:
        stage: The stage that refused the record (``processor``, ``sink``).
        error_class: Name of the error class (part of the DLQ contract).
        message: The error message (never payload text).
        topic: Source topic.
        partition: Source partition.
        offset: Source offset.
        omitted_bytes: The record's size when its value is left out of the dead letter.
    """
    headers = [
        (STAGE, stage.encode()),
        (ERROR_CLASS, error_class.encode()),
        (ERROR_MESSAGE, message.encode()),
        (SOURCE_TOPIC, topic.encode()),
        (SOURCE_PARTITION, str(partition).encode()),
        (SOURCE_OFFSET, str(offset).encode()),
    ]
    if omitted_bytes is not None:
        headers.append((VALUE_OMITTED_BYTES, str(omitted_bytes).encode()))
    return headers
