"""Apply the redaction policy to batches of events. Plain synchronous code, no Faust.

The batch is the unit of work, as in presidio's ``batch_analyzer_engine.py``: free texts
of every event of the batch go through spaCy together (``nlp.pipe``), then recognizers run
per text. Analysis results are cached by text hash, because system prompts, templates and
tool outputs repeat a lot; replacements are made per tenant from the cached spans.

Analysis runs within a time budget per text and per batch
(:mod:`~auditstream.processor.redaction.scanning`): text not analyzed in time is replaced
by an ``<UNSCANNED:n>`` token, counted as ``UNSCANNED`` in the event's redactions, logged
(paths and sizes only) and never cached, so the batch completes and nothing passes raw.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, assert_never

import structlog
from presidio_analyzer.nlp_engine import NlpArtifacts

from auditstream.processor.redaction.analyzer import (
    LANGUAGE,
    MIN_SCORE,
    SCAN_ENTITIES,
    Analyzers,
)
from auditstream.processor.redaction.echoes import name_words, with_echoes
from auditstream.processor.redaction.layout import analysis_view
from auditstream.processor.redaction.policy import (
    PROCESSOR_OWNED_PREFIX,
    FieldAction,
    RedactionPolicy,
    string_field_paths,
)
from auditstream.processor.redaction.precision import keep_findings
from auditstream.processor.redaction.recognizers import RECOGNIZER_SET_VERSION
from auditstream.processor.redaction.scanning import (
    UNSCANNED,
    ScanBudget,
    Scanner,
    ScanResult,
    Span,
    unscanned_token,
)
from auditstream.processor.redaction.tokens import Pseudonymizer, mask_ip
from auditstream.schemas import AuditEvent, catalog

__all__ = ["CacheStats", "RedactionEngine", "Span"]

log = structlog.get_logger(__name__)

# scan_patterns looks for every entity, PERSON too: through the name gazetteer and the cue
# patterns, without spaCy (attribute values such as target_user are names).
_PATTERN_ENTITIES = SCAN_ENTITIES
# The batch's log line names at most this many unscanned fields (the counts cover all):
# a chunk of 64 events with a dozen free-text fields each would otherwise log a page.
_LOGGED_FIELDS = 20


@dataclass(slots=True)
class _Slot:
    """A string inside an event: where it lives, and the policy path that governs it.

    ``label`` is the map key a value of ``attributes`` sits under. It is analyzed with the
    value (``"target_user: Aiko Khan"``), so recognizers that read a key, as they do in
    JSON tool payloads, see it here too.
    """

    container: Any
    key: Any
    path: str
    label: str = ""

    @property
    def analyzed_text(self) -> str:
        """The text analysis sees: the value, after its key when it has one."""
        value: str = self.container[self.key]
        return f"{self.label}: {value}" if self.label else value


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
        scan_budget: Time and size limits of analysis; None: the defaults of
            :class:`~auditstream.processor.redaction.scanning.ScanBudget`.
    """

    def __init__(
        self,
        analyzers: Analyzers,
        policy: RedactionPolicy,
        pseudonymizer: Pseudonymizer,
        *,
        nlp_batch_size: int = 64,
        cache_entries: int = 50_000,
        scan_budget: ScanBudget | None = None,
    ) -> None:
        self._analyzers = analyzers
        self._policy = policy
        self._pseudonymizer = pseudonymizer
        self._cache_entries = cache_entries
        self._cache: OrderedDict[tuple[FieldAction, bytes], tuple[Span, ...]] = OrderedDict()
        self._scanner = Scanner(
            analyzers.nlp, self._find, scan_budget or ScanBudget(), nlp_batch_size=nlp_batch_size
        )
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
        within the scan budget (NER in ``nlp.pipe`` passes; findings then pass the
        precision rules of :mod:`~auditstream.processor.redaction.precision`); 3 replace
        findings, and text left unscanned, with tokens and apply the other actions;
        4 record what was redacted; 5 log what was left unscanned.

        Args:
            events: Decoded events; they are modified.
            now_us: Ingest time to record, microseconds since the epoch.

        Returns:
            The same events, redacted.
        """
        # 1. find every string and the action that governs it
        work: list[tuple[AuditEvent, list[tuple[_Slot, FieldAction]]]] = []
        results: dict[tuple[FieldAction, bytes], ScanResult] = {}
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
                    text = slot.analyzed_text
                    cache_key = (action, hashlib.sha256(text.encode()).digest())
                    if cache_key in results or cache_key in to_analyze:
                        continue
                    cached = self._cache.get(cache_key)
                    if cached is None:
                        to_analyze[cache_key] = analysis_view(text)
                    else:
                        self.cache_stats.hits += 1
                        self._cache.move_to_end(cache_key)
                        results[cache_key] = ScanResult(cached)
            work.append((event, slots))
        # 2. analyze what the cache lacks, within the scan budget
        started = time.perf_counter()
        results.update(self._analyze(to_analyze))
        analysis_ms = (time.perf_counter() - started) * 1000
        # 3 + 4. replace, and record
        unscanned: list[dict[str, Any]] = []
        for event, slots in work:
            self._apply(event, slots, now_us, results, unscanned)
        # 5. one line per batch for text replaced unscanned: paths and sizes, never text
        if unscanned:
            log.warning(
                "scan_incomplete",
                fields_unscanned=len(unscanned),
                unscanned_chars=sum(f["unscanned_chars"] for f in unscanned),
                texts_analyzed=len(to_analyze),
                analysis_ms=round(analysis_ms),
                fields=unscanned[:_LOGGED_FIELDS],
                consequence="unscanned text replaced by <UNSCANNED:n> tokens, not forwarded",
            )
        return list(events)

    def _analyze(
        self, texts: Mapping[tuple[FieldAction, bytes], str]
    ) -> dict[tuple[FieldAction, bytes], ScanResult]:
        """Analyze texts within the scan budget; cache only those analyzed to their end."""
        keys = list(texts)
        self.cache_stats.misses += len(keys)
        scanned = self._scanner.scan([(key[0], texts[key]) for key in keys])
        for key, result in zip(keys, scanned, strict=True):
            # A text cut short by a budget is not known to be clean: the next batch that
            # carries it must try again, not reuse a partial result.
            if result.unscanned is None:
                self._remember(key, result.spans)
        return dict(zip(keys, scanned, strict=True))

    def _find(
        self, action: FieldAction, text: str, artifacts: NlpArtifacts | None
    ) -> tuple[Span, ...]:
        """The findings in one text or piece (a :data:`~.scanning.Finder`)."""
        if action is FieldAction.SCAN:
            results = self._analyzers.engine.analyze(
                text,
                language=LANGUAGE,
                entities=list(SCAN_ENTITIES),
                nlp_artifacts=artifacts,
                score_threshold=MIN_SCORE,
            )
            return _spans(keep_findings(text, results))
        results = []
        for recognizer in self._analyzers.pattern_recognizers:
            entities = [e for e in recognizer.supported_entities if e in _PATTERN_ENTITIES]
            # Pattern recognizers never read NLP artifacts; presidio types them as required.
            found = recognizer.analyze(text, entities=entities, nlp_artifacts=None)  # type: ignore[arg-type]
            results.extend(r for r in found or () if r.score >= MIN_SCORE)
        return _spans(keep_findings(text, results))

    def _remember(self, key: tuple[FieldAction, bytes], spans: tuple[Span, ...]) -> None:
        if self._cache_entries == 0:
            return
        self._cache[key] = spans
        if len(self._cache) > self._cache_entries:
            self._cache.popitem(last=False)
            self.cache_stats.evictions += 1

    @staticmethod
    def _spans_for(
        action: FieldAction, text: str, results: Mapping[tuple[FieldAction, bytes], ScanResult]
    ) -> ScanResult:
        """This batch's result for a text (from the cache or from step 2)."""
        return results[(action, hashlib.sha256(text.encode()).digest())]

    def _apply(
        self,
        event: AuditEvent,
        slots: list[tuple[_Slot, FieldAction]],
        now_us: int,
        results: Mapping[tuple[FieldAction, bytes], ScanResult],
        unscanned: list[dict[str, Any]],
    ) -> None:
        tenant = event["actor"].get("tenant_id")
        counts = _Counts()
        scanned = {
            id(slot): self._spans_for(action, slot.analyzed_text, results)
            for slot, action in slots
            if action in (FieldAction.SCAN, FieldAction.SCAN_PATTERNS)
        }
        names = set().union(
            *(
                name_words(s.analyzed_text, scanned[id(s)].spans)
                for s, _ in slots
                if id(s) in scanned
            )
        )
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
                result = scanned[id(slot)]
                spans = _echoed(slot.analyzed_text, result, names)
                if slot.label:
                    spans = _without_label(spans, len(slot.label) + 2)
                if spans:
                    slot.container[slot.key] = self._replace(text, spans, tenant, slot.path, counts)
                if result.unscanned is not None:
                    unscanned.append(
                        {
                            "event_id": event["event_id"],
                            "field": slot.path,
                            "chars": len(text),
                            "unscanned_chars": sum(
                                s.end - s.start for s in spans if s.entity_type == UNSCANNED
                            ),
                            "reason": result.unscanned.value,
                        }
                    )
            else:
                assert_never(action)
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
            if span.entity_type == UNSCANNED:  # no value was read: a size, never a hash
                pieces.append(unscanned_token(span.end - span.start))
            else:
                value = text[span.start : span.end]
                pieces.append(self._pseudonymizer.token(span.entity_type, value, tenant_id=tenant))
            counts.add(path, span.entity_type)
            cursor = span.end
        pieces.append(text[cursor:])
        return "".join(pieces)


def _spans(results: Sequence[Any]) -> tuple[Span, ...]:
    """Join overlapping findings into one span each, sorted by position.

    Two findings that overlap (a name at the head of an address block, a town NER calls a
    person inside it) are replaced as one: keeping only one of them would leave the other's
    remainder raw. The joined span takes the type of its strongest finding (higher score,
    then longer).
    """
    joined: list[tuple[int, int, Any]] = []
    for r in sorted(results, key=lambda r: (r.start, -r.end)):
        if joined and r.start < joined[-1][1]:
            start, end, best = joined[-1]
            if (r.score, r.end - r.start) > (best.score, best.end - best.start):
                best = r
            joined[-1] = (start, max(end, r.end), best)
        else:
            joined.append((r.start, r.end, r))
    return tuple(Span(start, end, best.entity_type, best.score) for start, end, best in joined)


def _echoed(text: str, result: ScanResult, names: set[str]) -> tuple[Span, ...]:
    """The result's spans plus echoes of the event's names, where analysis reached.

    Past an UNSCANNED cut the text becomes one token anyway, and searching a 1 MiB
    remainder for names would cost seconds that no scan budget bounds.
    """
    if result.unscanned is None:
        return with_echoes(text, result.spans, names)
    *found, rest = result.spans
    return (*with_echoes(text[: rest.start], tuple(found), names), rest)


def _without_label(spans: tuple[Span, ...], offset: int) -> tuple[Span, ...]:
    """Move spans found in ``"key: value"`` onto the value; drop those inside the key."""
    return tuple(
        Span(max(0, s.start - offset), s.end - offset, s.entity_type, s.score)
        for s in spans
        if s.end > offset
    )


def _string_slots(node: Any, path: str, actions: Mapping[str, FieldAction]) -> Iterator[_Slot]:
    if isinstance(node, dict):
        if path and f"{path}.*" in actions:  # a map: every value shares one policy path
            for key, value in node.items():
                if isinstance(value, str):
                    yield _Slot(node, key, f"{path}.*", label=str(key))
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
