"""Apply the redaction policy to batches of events. Plain synchronous code, no Faust.

The batch is the unit of work, as in presidio's ``batch_analyzer_engine.py``: free texts
of every event of the batch go through spaCy together (``nlp.pipe``), then recognizers run
per text. Analysis results are cached by text hash, because system prompts, templates and
tool outputs repeat a lot; replacements are made per tenant from the cached spans.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, assert_never

from auditstream.processor.redaction.analyzer import (
    LANGUAGE,
    MIN_SCORE,
    NER_ENTITIES,
    SCAN_ENTITIES,
    Analyzers,
)
from auditstream.processor.redaction.policy import (
    PROCESSOR_OWNED_PREFIX,
    FieldAction,
    RedactionPolicy,
    string_field_paths,
)
from auditstream.processor.redaction.precision import keep_findings
from auditstream.processor.redaction.recognizers import RECOGNIZER_SET_VERSION
from auditstream.processor.redaction.tokens import Pseudonymizer, mask_ip
from auditstream.schemas import AuditEvent, catalog

_PATTERN_ENTITIES = tuple(e for e in SCAN_ENTITIES if e not in NER_ENTITIES)


@dataclass(frozen=True, slots=True)
class Span:
    """One finding in a text.

    Attributes:
        start: Index of the first character.
        end: Index after the last character.
        entity_type: Presidio entity type, e.g. ``EMAIL_ADDRESS``.
        score: Confidence, 0 to 1.
    """

    start: int
    end: int
    entity_type: str
    score: float


@dataclass(slots=True)
class _Slot:
    """A string inside an event: where it lives, and the policy path that governs it."""

    container: Any
    key: Any
    path: str


@dataclass(slots=True)
class CacheStats:
    """Counters of the analysis cache."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0


@dataclass(slots=True)
class _Counts:
    by_field: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, path: str, entity_type: str, n: int = 1) -> None:
        self.by_field[(path, entity_type)] = self.by_field.get((path, entity_type), 0) + n


def _required_string_paths() -> frozenset[str]:
    """Paths of strings that may not be null: dropping them leaves an empty string."""
    required: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and node.get("type") == "record":
            for f in node["fields"]:
                child = f"{path}.{f['name']}" if path else f["name"]
                kind = f["type"]
                if kind == "string" or (isinstance(kind, dict) and kind.get("type") == "string"):
                    required.add(child)
                walk(kind, child)
        elif isinstance(node, dict) and node.get("type") == "array":
            if node["items"] == "string":
                required.add(f"{path}[]")
            walk(node["items"], f"{path}[]")
        elif isinstance(node, dict) and node.get("type") == "map":
            required.add(f"{path}.*")
        elif isinstance(node, list):
            for branch in node:
                walk(branch, path)

    walk(catalog.current().source, "")
    return frozenset(required)


class RedactionEngine:
    """Redact batches of decoded events according to a policy.

    Args:
        analyzers: The loaded Presidio machinery.
        policy: Field actions.
        pseudonymizer: Makes keyed tokens.
        nlp_batch_size: Texts per ``nlp.pipe`` call.
        cache_entries: Analysis results kept (LRU); 0 disables the cache.
    """

    def __init__(
        self,
        analyzers: Analyzers,
        policy: RedactionPolicy,
        pseudonymizer: Pseudonymizer,
        *,
        nlp_batch_size: int = 64,
        cache_entries: int = 50_000,
    ) -> None:
        self._analyzers = analyzers
        self._policy = policy
        self._pseudonymizer = pseudonymizer
        self._nlp_batch_size = nlp_batch_size
        self._cache_entries = cache_entries
        self._cache: OrderedDict[tuple[FieldAction, bytes], tuple[Span, ...]] = OrderedDict()
        self._required = _required_string_paths()
        self._string_paths = frozenset(string_field_paths())  # enums decode as str too
        self.cache_stats = CacheStats()

    @property
    def policy_version(self) -> str:
        """The version of the policy in force."""
        return self._policy.version

    def redact_batch(self, events: Sequence[AuditEvent], *, now_us: int) -> list[AuditEvent]:
        """Redact events in place and return them, each with its ``processing`` record.

        Steps: 1 find every string and its action; 2 analyze the texts the cache lacks
        (NER in one ``nlp.pipe`` pass; findings then pass the precision rules of
        :mod:`~auditstream.processor.redaction.precision`); 3 replace findings with tokens
        and apply the other actions; 4 record what was redacted.

        Args:
            events: Decoded events; they are modified.
            now_us: Ingest time to record, microseconds since the epoch.

        Returns:
            The same events, redacted.
        """
        # 1. find every string and the action that governs it
        work: list[tuple[AuditEvent, list[tuple[_Slot, FieldAction]]]] = []
        to_analyze: dict[tuple[FieldAction, bytes], str] = {}
        for event in events:
            actions = self._policy.for_tenant(event["actor"].get("tenant_id"))
            slots = []
            for slot in _string_slots(event, "", actions):
                if slot.path not in self._string_paths:
                    continue
                action = actions.get(slot.path, FieldAction.DROP)  # unknown: fail closed
                slots.append((slot, action))
                if action in (FieldAction.SCAN, FieldAction.SCAN_PATTERNS):
                    text = slot.container[slot.key]
                    cache_key = (action, hashlib.sha256(text.encode()).digest())
                    if cache_key not in self._cache:
                        to_analyze[cache_key] = text
            work.append((event, slots))
        # 2. analyze what the cache lacks
        self._analyze(to_analyze)
        # 3 + 4. replace, and record
        for event, slots in work:
            self._apply(event, slots, now_us)
        return list(events)

    def _analyze(self, texts: Mapping[tuple[FieldAction, bytes], str]) -> None:
        ner_keys = [k for k in texts if k[0] is FieldAction.SCAN]
        pattern_keys = [k for k in texts if k[0] is FieldAction.SCAN_PATTERNS]
        self.cache_stats.misses += len(texts)
        if ner_keys:
            batch = self._analyzers.nlp.process_batch(
                [texts[k] for k in ner_keys], language=LANGUAGE, batch_size=self._nlp_batch_size
            )
            for key, (text, artifacts) in zip(ner_keys, batch, strict=True):
                results = self._analyzers.engine.analyze(
                    text,
                    language=LANGUAGE,
                    entities=list(SCAN_ENTITIES),
                    nlp_artifacts=artifacts,
                    score_threshold=MIN_SCORE,
                )
                self._remember(key, _spans(keep_findings(text, results)))
        for key in pattern_keys:
            text = texts[key]
            results = []
            for recognizer in self._analyzers.pattern_recognizers:
                entities = [e for e in recognizer.supported_entities if e in _PATTERN_ENTITIES]
                # Pattern recognizers never read NLP artifacts; presidio types them as required.
                found = recognizer.analyze(text, entities=entities, nlp_artifacts=None)  # type: ignore[arg-type]
                results.extend(r for r in found or () if r.score >= MIN_SCORE)
            self._remember(key, _spans(keep_findings(text, results)))

    def _remember(self, key: tuple[FieldAction, bytes], spans: tuple[Span, ...]) -> None:
        self._cache[key] = spans
        if len(self._cache) > self._cache_entries:
            self._cache.popitem(last=False)
            self.cache_stats.evictions += 1

    def _spans_for(self, action: FieldAction, text: str) -> tuple[Span, ...]:
        key = (action, hashlib.sha256(text.encode()).digest())
        spans = self._cache.get(key)
        if spans is None:  # evicted within this batch (tiny cache): analyze alone
            self._analyze({key: text})
            spans = self._cache.get(key, ())
        else:
            self.cache_stats.hits += 1
            self._cache.move_to_end(key)
        return spans

    def _apply(
        self, event: AuditEvent, slots: list[tuple[_Slot, FieldAction]], now_us: int
    ) -> None:
        tenant = event["actor"].get("tenant_id")
        counts = _Counts()
        for slot, action in slots:
            text: str = slot.container[slot.key]
            if action is FieldAction.KEEP:
                continue
            if action is FieldAction.DROP:
                self._drop(slot)
            elif action is FieldAction.PSEUDONYMIZE:
                entity = slot.path.rsplit(".", 1)[-1].upper()
                slot.container[slot.key] = self._pseudonymizer.token(entity, text, tenant_id=tenant)
                counts.add(slot.path, entity)
            elif action is FieldAction.MASK:
                masked = mask_ip(text)
                if masked is None:
                    self._drop(slot)
                    counts.add(slot.path, "UNMASKABLE")
                else:
                    slot.container[slot.key] = masked
                    counts.add(slot.path, "IP_ADDRESS")
            elif action in (FieldAction.SCAN, FieldAction.SCAN_PATTERNS):
                spans = self._spans_for(action, text)
                if spans:
                    slot.container[slot.key] = self._replace(text, spans, tenant, slot.path, counts)
            else:
                assert_never(action)
        if self._cache_entries == 0:
            self._cache.clear()
        event["processing"] = {
            "ingested_at": now_us,
            "policy_version": self._policy.version,
            "recognizer_version": RECOGNIZER_SET_VERSION,
            "redactions": [
                {"field": path, "entity_type": entity, "count": n}
                for (path, entity), n in sorted(counts.by_field.items())
            ],
            "trace_sequence": None,
            "parent_event_id": None,
            "inherited_fields": [],
            "trace_tokens_total": None,
            "trace_tool_calls": None,
            "trace_errors": None,
        }

    def _drop(self, slot: _Slot) -> None:
        slot.container[slot.key] = "" if slot.path in self._required else None

    def _replace(
        self, text: str, spans: tuple[Span, ...], tenant: str | None, path: str, counts: _Counts
    ) -> str:
        pieces = []
        cursor = 0
        for span in spans:
            pieces.append(text[cursor : span.start])
            value = text[span.start : span.end]
            pieces.append(self._pseudonymizer.token(span.entity_type, value, tenant_id=tenant))
            counts.add(path, span.entity_type)
            cursor = span.end
        pieces.append(text[cursor:])
        return "".join(pieces)


def _spans(results: Sequence[Any]) -> tuple[Span, ...]:
    """Resolve overlaps (higher score, then longer span wins) and sort by position."""
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    chosen: list[Span] = []
    for r in ranked:
        if all(r.end <= c.start or r.start >= c.end for c in chosen):
            chosen.append(Span(r.start, r.end, r.entity_type, r.score))
    return tuple(sorted(chosen, key=lambda s: s.start))


def _string_slots(node: Any, path: str, actions: Mapping[str, FieldAction]) -> Iterator[_Slot]:
    if isinstance(node, dict):
        if path and f"{path}.*" in actions:  # a map: every value shares one policy path
            for key, value in node.items():
                if isinstance(value, str):
                    yield _Slot(node, key, f"{path}.*")
            return
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if child.startswith(PROCESSOR_OWNED_PREFIX) or child == "processing":
                continue
            if isinstance(value, str):
                yield _Slot(node, key, child)
            elif isinstance(value, dict | list):
                yield from _string_slots(value, child, actions)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield _Slot(node, index, f"{path}[]")
            elif isinstance(value, dict | list):
                yield from _string_slots(value, f"{path}[]", actions)
