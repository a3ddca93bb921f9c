"""What the generated evaluation sets share: masking labels, the build loop, the file form."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from auditstream.processor.redaction.evaluation import occurrences

MASK = "\x00"
"""Stands in for a masked value: no label contains it."""


class Case(Protocol):
    """A record under construction, as the set's templates fill it."""

    category: str
    event: dict[str, Any]
    pii: list[dict[str, str]]
    keep: list[dict[str, str]]


def mask(text: str, values: Sequence[str]) -> str:
    """Replace every bounded occurrence of the values (longest first) with a mask."""
    for value in sorted(values, key=len, reverse=True):
        limit = len(text)
        for start in reversed(list(occurrences(value, text))):
            if start + len(value) <= limit:  # overlapping occurrences: mask the later one
                text = text[:start] + MASK + text[start + len(value) :]
                limit = start
    return text


C = TypeVar("C", bound=Case)


def build_records(
    plan: Sequence[tuple[Callable[[C], None], int]],
    new_case: Callable[[str, int], C],
    is_clean: Callable[[C], bool],
    id_prefix: str,
) -> list[dict[str, Any]]:
    """Fill each template of the plan its number of times, drawing again until clean.

    Args:
        plan: Templates and how many records of each.
        new_case: Makes an empty case of a category (the template's name) and index.
        is_clean: Whether a redactor could score every label of a filled case right.
        id_prefix: Start of every record id (``faker``, ``mimesis-dev``).
    """
    records, index = [], 0
    for make, count in plan:
        for _ in range(count):
            while True:
                case = new_case(make.__name__, index)
                make(case)
                if is_clean(case):
                    break
            records.append(
                {
                    "id": f"{id_prefix}-{case.category}-{index:04d}",
                    "category": case.category,
                    "event": case.event,
                    "pii": case.pii,
                    "keep": case.keep,
                }
            )
            index += 1
    return records


def to_jsonl(records: list[dict[str, Any]]) -> str:
    """Return the records as the committed file holds them, one JSON object a line."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
