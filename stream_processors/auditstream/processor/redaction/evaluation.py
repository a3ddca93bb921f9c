r"""Measure redaction quality on a labelled set: leak rate per entity type, and keep rate.

The set is JSONL (``tests/data/redaction_eval.jsonl``, ``redaction_eval_faker.jsonl``):
each record holds an event, the planted values that must not survive (``pii``: field, value,
entity type) and the values that must survive verbatim (``keep``: field, value and, where
the set says, the kind of look-alike: ``order_id``, ``business_date``, ``place`` ...). A
*leak* is a planted value that still occurs anywhere in the redacted event; a *keep* is a
value still present in its field, counted overall and per kind.
"Occurs" means verbatim and not inside a longer word or number: ``Chen`` does not occur in
``Chennai``, ``5432`` does in ``:5432/``, and ``Chen`` does in ``Dear\\nChen`` (an escaped
line break, as JSON payloads and presidio-research's templates write it, separates words).

Pure functions over events and labels, plus a thin CLI::

    python -m auditstream.processor.redaction.evaluation tests/data/redaction_eval.jsonl

which prints the table for our engine and, with ``--baseline``, for vanilla Presidio on the
same events. The CLI prints values only with ``--show-misses`` (the set is synthetic).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditstream.schemas import AuditEvent

if TYPE_CHECKING:
    from auditstream.processor.redaction.scanning import ScanBudget

Redactor = Callable[[Sequence[AuditEvent]], list[AuditEvent]]
"""Redacts a batch of events (in place or not) and returns the redacted events."""

BATCH = 64
"""Events per call, as the worker batches a partition's stream."""

_ESCAPES = "ntr"  # after a backslash: an escaped line break or tab, a word separator


@dataclass(frozen=True, slots=True)
class PiiLabel:
    """A planted value that must not survive."""

    field: str
    value: str
    entity_type: str


KEEP_KIND_DEFAULT = "other"  # the kind of a keep label whose set names none
_NO_DEADLINE_MS = 3_600_000  # an hour: no scan deadline the evaluation can reach


@dataclass(frozen=True, slots=True)
class KeepLabel:
    """A value that must survive verbatim in its field.

    Attributes:
        field: Where it must survive, e.g. ``llm.prompt``.
        value: The look-alike value.
        kind: What it looks like it is not, e.g. ``order_id`` or ``business_date``.
    """

    field: str
    value: str
    kind: str = KEEP_KIND_DEFAULT


@dataclass(frozen=True, slots=True)
class EvalRecord:
    """One labelled event of the set."""

    id: str
    category: str
    event: AuditEvent
    pii: tuple[PiiLabel, ...]
    keep: tuple[KeepLabel, ...]


@dataclass(frozen=True, slots=True)
class Miss:
    """A leaked planted value or a lost keep value."""

    record_id: str
    field: str
    kind: str  # the entity type of a leak, "KEEP" for a lost value
    value: str
    keep_kind: str | None = None  # the look-alike kind of a lost value


@dataclass(slots=True)
class Report:
    """Counts of one evaluation run."""

    planted: dict[str, int] = field(default_factory=dict)
    leaked: dict[str, int] = field(default_factory=dict)
    keep_total: int = 0
    keep_kept: int = 0
    keep_total_by_kind: dict[str, int] = field(default_factory=dict)
    keep_kept_by_kind: dict[str, int] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    @property
    def leak_rate(self) -> float:
        """Leaked planted values over all planted values."""
        total = sum(self.planted.values())
        return sum(self.leaked.values()) / total if total else 0.0

    @property
    def keep_rate(self) -> float:
        """Keep values present over all keep values."""
        return self.keep_kept / self.keep_total if self.keep_total else 1.0

    def type_leak_rate(self, entity_type: str) -> float:
        """Leak rate of one entity type."""
        planted = self.planted.get(entity_type, 0)
        return self.leaked.get(entity_type, 0) / planted if planted else 0.0

    def kind_keep_rate(self, kind: str) -> float:
        """Keep rate of one look-alike kind."""
        total = self.keep_total_by_kind.get(kind, 0)
        return self.keep_kept_by_kind.get(kind, 0) / total if total else 1.0

    def as_dict(self) -> dict[str, Any]:
        """Return the figures (no values) as JSON-ready data."""
        return {
            "leak_rate": self.leak_rate,
            "keep_rate": self.keep_rate,
            "keep_total": self.keep_total,
            "keep_kept": self.keep_kept,
            "by_type": {
                t: {
                    "planted": n,
                    "leaked": self.leaked.get(t, 0),
                    "leak_rate": self.type_leak_rate(t),
                }
                for t, n in sorted(self.planted.items())
            },
            "keep_by_kind": {
                k: {
                    "total": n,
                    "kept": self.keep_kept_by_kind.get(k, 0),
                    "keep_rate": self.kind_keep_rate(k),
                }
                for k, n in sorted(self.keep_total_by_kind.items())
            },
        }


def load_records(path: Path) -> list[EvalRecord]:
    """Read a labelled set.

    Args:
        path: A JSONL file, one record per line.

    Returns:
        The records, in file order.
    """
    records = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            records.append(
                EvalRecord(
                    id=raw["id"],
                    category=raw["category"],
                    event=raw["event"],
                    pii=tuple(PiiLabel(**p) for p in raw["pii"]),
                    keep=tuple(KeepLabel(**k) for k in raw["keep"]),
                )
            )
    return records


def occurs(value: str, text: str) -> bool:
    r"""Tell whether a value occurs in a text, not as part of a longer word or number.

    Args:
        value: The labelled value.
        text: Where to look.

    Returns:
        True if some occurrence has no letter or digit right before or after it; an
        escape sequence such as ``\\n`` or ``\\t`` right before it counts as a separator.
    """
    return next(occurrences(value, text), None) is not None


def occurrences(value: str, text: str) -> Iterator[int]:
    """Yield where a value occurs in a text, by the rule of :func:`occurs`.

    Args:
        value: The labelled value.
        text: Where to look.

    Yields:
        The start offset of each bounded occurrence, in order.
    """
    start = text.find(value)
    while start != -1:
        end = start + len(value)
        before_ok = (
            start == 0
            or not (text[start - 1].isalnum() and value[0].isalnum())
            or (start >= 2 and text[start - 2] == "\\" and text[start - 1] in _ESCAPES)
        )
        after_ok = end == len(text) or not (text[end].isalnum() and value[-1].isalnum())
        if before_ok and after_ok:
            yield start
        start = text.find(value, start + 1)


def strings_of(node: Any) -> Iterator[str]:
    """Yield every string in a JSON-shaped tree, map keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings_of(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_of(value)


def field_value(event: Any, path: str) -> str | None:
    """Return the string at a path such as ``llm.prompt``, ``rag_documents[0].source``.

    Args:
        event: An event dict.
        path: Dotted keys; ``[n]`` indexes a list.

    Returns:
        The string, or None when the path is absent or not a string.
    """
    node = event
    for part in path.split("."):
        name, _, index = part.partition("[")
        node = node.get(name) if isinstance(node, dict) else None
        if index and isinstance(node, list):
            position = int(index.rstrip("]"))
            node = node[position] if position < len(node) else None
    return node if isinstance(node, str) else None


def score(records: Sequence[EvalRecord], redacted: Sequence[AuditEvent]) -> Report:
    """Count leaks per entity type and kept values.

    Args:
        records: The labelled set.
        redacted: The redacted events, in the same order.

    Returns:
        The report.
    """
    report = Report()
    for record, event in zip(records, redacted, strict=True):
        texts = list(strings_of(event))
        for pii in record.pii:
            report.planted[pii.entity_type] = report.planted.get(pii.entity_type, 0) + 1
            if any(occurs(pii.value, text) for text in texts):
                report.leaked[pii.entity_type] = report.leaked.get(pii.entity_type, 0) + 1
                report.misses.append(Miss(record.id, pii.field, pii.entity_type, pii.value))
        for keep in record.keep:
            report.keep_total += 1
            kinds = report.keep_total_by_kind
            kinds[keep.kind] = kinds.get(keep.kind, 0) + 1
            text = field_value(event, keep.field)
            if text is not None and occurs(keep.value, text):
                report.keep_kept += 1
                kept = report.keep_kept_by_kind
                kept[keep.kind] = kept.get(keep.kind, 0) + 1
            else:
                report.misses.append(Miss(record.id, keep.field, "KEEP", keep.value, keep.kind))
    return report


def evaluate(records: Sequence[EvalRecord], redactor: Redactor) -> Report:
    """Redact copies of the set's events in batches and score the result.

    Args:
        records: The labelled set (left unchanged).
        redactor: Our engine or the baseline, wrapped to take a batch.

    Returns:
        The report.
    """
    redacted: list[AuditEvent] = []
    for start in range(0, len(records), BATCH):
        batch = [copy.deepcopy(r.event) for r in records[start : start + BATCH]]
        redacted.extend(redactor(batch))
    return score(records, redacted)


def unhurried_budget() -> ScanBudget:
    """Return scan limits without deadlines, for measuring what the recognizers find.

    Under the production time budgets, a slow batch is replaced by <UNSCANNED> tokens,
    which would count as redacted and flatter the figures on a loaded host. The size
    limit stays.
    """
    from auditstream.processor.redaction.scanning import ScanBudget  # noqa: PLC0415

    return ScanBudget(
        field_ms=_NO_DEADLINE_MS, batch_ms=_NO_DEADLINE_MS, regex_timeout_ms=_NO_DEADLINE_MS
    )


def our_redactor() -> Redactor:
    """Build our engine with the default policy, a throwaway key and no scan deadlines.

    Returns:
        A redactor over :class:`RedactionEngine`.
    """
    import secrets  # noqa: PLC0415 - the CLI's dependencies load only when it runs

    from auditstream.processor.redaction.analyzer import build_analyzers  # noqa: PLC0415
    from auditstream.processor.redaction.engine import RedactionEngine  # noqa: PLC0415
    from auditstream.processor.redaction.policy import load_policy  # noqa: PLC0415
    from auditstream.processor.redaction.tokens import Pseudonymizer  # noqa: PLC0415

    engine = RedactionEngine(
        build_analyzers(),
        load_policy(),
        Pseudonymizer(secrets.token_bytes(32)),
        scan_budget=unhurried_budget(),
    )
    return lambda events: engine.redact_batch(events, now_us=0)


def baseline_redactor() -> Redactor:
    """Build vanilla Presidio (see :mod:`auditstream.processor.redaction.baseline`).

    Returns:
        A redactor over :class:`VanillaPresidio`.
    """
    from auditstream.processor.redaction.baseline import VanillaPresidio  # noqa: PLC0415

    vanilla = VanillaPresidio()
    return lambda events: vanilla.redact_batch(events, now_us=0)


def render(reports: dict[str, Report]) -> str:
    """Return a plain-text table: one row per entity type, one column group per redactor.

    Args:
        reports: Reports by redactor name, e.g. ``{"auditstream": ..., "presidio": ...}``.

    Returns:
        The table, with the overall leak rate and keep rate as last rows, followed by the
        keep rate per look-alike kind when the set names kinds.
    """
    names = list(reports)
    types = sorted({t for r in reports.values() for t in r.planted})
    header = f"{'entity type':<16}{'planted':>8}" + "".join(
        f"{name + ' leaked':>22}" for name in names
    )
    lines = [header, "-" * len(header)]
    first = reports[names[0]]
    for t in types:
        cells = "".join(
            f"{r.leaked.get(t, 0):>13} ({r.type_leak_rate(t):6.1%})" for r in reports.values()
        )
        lines.append(f"{t:<16}{first.planted.get(t, 0):>8}{cells}")
    lines.append("-" * len(header))
    total = sum(first.planted.values())
    cells = "".join(f"{sum(r.leaked.values()):>13} ({r.leak_rate:6.1%})" for r in reports.values())
    lines.append(f"{'all (leak)':<16}{total:>8}{cells}")
    cells = "".join(f"{r.keep_kept:>13} ({r.keep_rate:6.1%})" for r in reports.values())
    lines.append(f"{'keep (kept)':<16}{first.keep_total:>8}{cells}")
    kinds = sorted(first.keep_total_by_kind)
    if kinds and kinds != [KEEP_KIND_DEFAULT]:
        lines.append("-" * len(header))
        for kind in kinds:
            cells = "".join(
                f"{r.keep_kept_by_kind.get(kind, 0):>13} ({r.kind_keep_rate(kind):6.1%})"
                for r in reports.values()
            )
            lines.append(f"{'  ' + kind:<16}{first.keep_total_by_kind[kind]:>8}{cells}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate on a labelled set and print the table.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when None).

    Returns:
        0.
    """
    parser = argparse.ArgumentParser(prog="python -m auditstream.processor.redaction.evaluation")
    parser.add_argument("dataset", type=Path, help="labelled JSONL set")
    parser.add_argument("--baseline", action="store_true", help="also run vanilla Presidio")
    parser.add_argument("--show-misses", action="store_true", help="list leaks and lost values")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    records = load_records(args.dataset)
    reports = {"auditstream": evaluate(records, our_redactor())}
    if args.baseline:
        reports["presidio"] = evaluate(records, baseline_redactor())
    print(f"{len(records)} events, {args.dataset}")
    print(render(reports))
    if args.show_misses:
        for name, report in reports.items():
            for miss in report.misses:
                kind = f"{miss.kind}:{miss.keep_kind}" if miss.keep_kind else miss.kind
                print(f"{name}\t{miss.record_id}\t{miss.field}\t{kind}\t{miss.value!r}")
    if args.json:
        payload = {name: r.as_dict() for name, r in reports.items()}
        args.json.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
