"""Analyze free texts within a time budget; text not analyzed in time is never passed raw.

Analysis cost grows with text length, and faster than linearly: Presidio's context
enhancer walks every spaCy token for every finding, so a text dense with findings (1 MiB of
phone-like digits) costs minutes, and spaCy refuses a text over a million characters
outright (the batch then fails and the partition stops). Personal data that reaches the
archive can never be taken back, so a text that cannot be analyzed in time is replaced,
not passed on: this module owns that decision and never writes to an event itself.

Three limits (:class:`ScanBudget`), all checked between pieces of work, never inside one:

1. a batch budget: once a batch of texts has used it, every text not yet analyzed is
   replaced whole;
2. a field budget: a long text is analyzed piece by piece (:data:`PIECE_CHARS`, cut at
   whitespace, overlapping by :data:`OVERLAP_CHARS` so an entity on a cut is seen whole
   in one of the two pieces), and once its budget is spent the rest of it is replaced;
3. a size limit: characters past ``max_field_chars`` are replaced without being tried.

Regular expressions run under the ``regex`` package's timeout, set on Presidio's pattern
recognizers for the length of a scan (:func:`presidio_regex_timeout`). Presidio logs a
pattern that timed out and skips it, which would pass the text on unscanned; a piece in
which a pattern timed out therefore counts as not analyzed. The scan counts Presidio's
timeout warnings (:class:`RegexTimeouts`) rather than inferring them from a piece's
duration: on a loaded host a one-character attribute value took over a second of wall
time, and was replaced although nothing had been skipped. The replaced remainder of a text
is one span of type ``UNSCANNED``, which the engine turns into an ``<UNSCANNED:n>`` token
(n: characters replaced); it carries no hash, so equal texts cannot be matched through it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from presidio_analyzer import pattern_recognizer as presidio_pattern_recognizer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

from auditstream.processor.redaction.analyzer import LANGUAGE
from auditstream.processor.redaction.policy import FieldAction

UNSCANNED = "UNSCANNED"
"""Entity type of a text's remainder that was replaced without analysis."""

# A piece is what is analyzed between two budget checks, so it bounds how far a field can
# overrun its budget. Measured on one core (recognizers only, spaCy aside), 4 KiB cost
# 0.5 s of random digits, 0.35 s of a numeric CSV, 0.2 s of back-to-back phone numbers and
# 0.07 s of prose; 8 KiB cost more than twice that (Presidio's context enhancer is
# quadratic in a piece), which put a plain CSV near the regex timeout. Smaller pieces cut
# more entities, which the overlap and the rules of _next_piece cover.
PIECE_CHARS = 4096
# Shared by consecutive pieces: an entity up to this long lying across a cut lies whole in
# one of the two pieces, and the words before it (Presidio's context) come with it.
OVERLAP_CHARS = 256
# A finding that fills a piece and runs into its cut (a PEM block: an RSA-8192 key is
# about 6.5 KiB) is looked at again in a piece twice as long, up to this size, which
# covers the longest span a recognizer of ours matches (20,000 characters, private keys).
MAX_PIECE_CHARS = 32_768
# How far back from a cut to look for whitespace, so a cut does not split a word.
WORD_SLACK_CHARS = 64
# Texts of one piece or less go through spaCy together (``nlp.pipe``); a group holds at
# most this many characters, so the batch budget is checked at least every 1-1.5 s of NER
# on one core (30-50 us per character measured), while a chunk of ordinary events still
# takes few groups.
GROUP_CHARS = 32_768


class Unscanned(StrEnum):
    """Why the rest of a text was replaced instead of analyzed."""

    FIELD_SIZE = "field_size"
    """The text is longer than ``max_field_chars``."""
    FIELD_BUDGET = "field_budget"
    """The text's own time budget ran out."""
    BATCH_BUDGET = "batch_budget"
    """The batch's time budget ran out."""
    SLOW_PIECE = "slow_piece"
    """A pattern timed out in a piece, so Presidio skipped it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanBudget:
    """Limits of one batch's analysis (``AUDITSTREAM_PROCESSOR__SCAN_*``).

    Attributes:
        field_ms: Time one text may take, checked between its pieces.
        batch_ms: Time the texts of one batch may take together, checked between texts
            and pieces.
        max_field_chars: Characters of one text analyzed at most; the rest is replaced.
        regex_timeout_ms: Timeout of each regular expression search in Presidio's pattern
            recognizers; a piece in which one timed out counts as not analyzed.
    """

    field_ms: int = 4_000
    batch_ms: int = 8_000
    max_field_chars: int = 262_144
    regex_timeout_ms: int = 1_000


@dataclass(frozen=True, slots=True)
class Span:
    """One finding in a text.

    Attributes:
        start: Index of the first character.
        end: Index after the last character.
        entity_type: Presidio entity type, e.g. ``EMAIL_ADDRESS``, or :data:`UNSCANNED`.
        score: Confidence, 0 to 1.
    """

    start: int
    end: int
    entity_type: str
    score: float


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What the analysis of one text found.

    Attributes:
        spans: Findings, sorted and disjoint; when ``unscanned`` is set, the last one is the
            :data:`UNSCANNED` remainder.
        unscanned: Why the text was not analyzed to its end; None when it was (only such
            results may be cached).
    """

    spans: tuple[Span, ...]
    unscanned: Unscanned | None = None


Finder = Callable[[FieldAction, str, NlpArtifacts | None], tuple[Span, ...]]
"""The findings in one text or piece: ``(action, text, NER artifacts or None) -> spans``,
sorted and disjoint (the engine's recognizers and precision rules)."""


def unscanned_token(chars: int) -> str:
    """Return the token that replaces an unanalyzed remainder of ``chars`` characters.

    It has the shape of every replacement token (``<TYPE:value>``), so a text that passes
    the pipeline again never has it rescanned (see ``precision._TOKEN``).

    Args:
        chars: Characters replaced.

    Returns:
        ``<UNSCANNED:chars>``.
    """
    return f"<{UNSCANNED}:{chars}>"


# Presidio's logger and the start of its warning for a pattern that timed out
# (presidio_analyzer/pattern_recognizer.py, 2.2.366): "Regex pattern '%s' timed out after
# %s seconds, skipping."
PRESIDIO_LOGGER = "presidio-analyzer"
_TIMEOUT_WARNING = "Regex pattern '%s' timed out"


class RegexTimeouts(logging.Filter):
    """Count Presidio's pattern timeouts; pass on the records its logger would have shown.

    Args:
        level: The logger's effective level outside the scan; records below it are
            counted, then dropped, so the operator's log level still holds.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.count = 0
        self._level = level

    def filter(self, record: logging.LogRecord) -> bool:
        """Count a timeout warning; keep what the logger's own level lets through."""
        if isinstance(record.msg, str) and record.msg.startswith(_TIMEOUT_WARNING):
            self.count += 1
        return record.levelno >= self._level


@contextmanager
def presidio_regex_timeout(seconds: float) -> Iterator[RegexTimeouts]:
    """Run Presidio's pattern recognizers with this ``regex`` timeout while the block runs.

    presidio-analyzer 2.2.366 reads ``REGEX_TIMEOUT_SECONDS`` from the environment at
    import (60 s by default) into a global of ``pattern_recognizer.py`` and passes it to
    every ``finditer`` of ``PatternRecognizer``, reading the global at each call. Setting it
    here keeps our setting the only source, and restoring it leaves no trace in other code
    of the process. The worker analyzes on one thread, so nothing else sees the change.

    Presidio's logger is made to emit its warnings during the block, whatever the
    operator's level (a timeout it did not log would pass a text on unscanned), and the
    yielded filter counts the timeouts and drops what that level would not have shown.

    Args:
        seconds: The timeout.

    Yields:
        The count of patterns that timed out in the block.
    """
    module: Any = presidio_pattern_recognizer  # the global is typed int; regex takes float
    previous = module.REGEX_TIMEOUT_SECONDS
    logger = logging.getLogger(PRESIDIO_LOGGER)
    level, disabled = logger.level, logger.disabled
    timeouts = RegexTimeouts(logger.getEffectiveLevel())
    module.REGEX_TIMEOUT_SECONDS = seconds
    logger.addFilter(timeouts)
    logger.setLevel(min(logger.getEffectiveLevel(), logging.WARNING))
    logger.disabled = False
    try:
        yield timeouts
    finally:
        module.REGEX_TIMEOUT_SECONDS = previous
        logger.removeFilter(timeouts)
        logger.setLevel(level)
        logger.disabled = disabled


class Scanner:
    """Analyze batches of texts within a :class:`ScanBudget`.

    The scanner decides what is analyzed and when (pieces, groups, budgets); ``find``
    decides what a text's findings are.

    Args:
        nlp: The spaCy-backed NLP engine (NER for ``SCAN`` texts).
        find: The findings in one text or piece.
        budget: The limits.
        nlp_batch_size: Texts per ``nlp.pipe`` call.
        clock: Seconds on a monotonic clock (tests pass a fake one).
    """

    __slots__ = (
        "_budget",
        "_clock",
        "_find",
        "_nlp",
        "_nlp_batch_size",
        "_one_piece",
        "_regex_timeout_s",
    )

    def __init__(
        self,
        nlp: NlpEngine,
        find: Finder,
        budget: ScanBudget,
        *,
        nlp_batch_size: int,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._nlp = nlp
        self._clock = clock
        self._find = find
        self._budget = budget
        self._nlp_batch_size = nlp_batch_size
        self._one_piece = min(PIECE_CHARS, budget.max_field_chars)
        self._regex_timeout_s = budget.regex_timeout_ms / 1000

    def scan(self, texts: Sequence[tuple[FieldAction, str]]) -> list[ScanResult]:
        """Analyze texts; each comes back complete or with its remainder marked UNSCANNED.

        Steps: 1 texts of one piece, in groups through spaCy; 2 longer texts piece by
        piece, shortest first (short texts are the most fields for the budget); 3 texts
        the batch budget left untouched, replaced whole.

        Args:
            texts: ``(action, text)`` pairs; the action is ``SCAN`` or ``SCAN_PATTERNS``.

        Returns:
            One result per text, in the same order.
        """
        deadline = self._clock() + self._budget.batch_ms / 1000
        results: list[ScanResult | None] = [None] * len(texts)
        short = [i for i, (_, text) in enumerate(texts) if len(text) <= self._one_piece]
        long = sorted(
            (i for i, (_, text) in enumerate(texts) if len(text) > self._one_piece),
            key=lambda i: len(texts[i][1]),
        )
        with presidio_regex_timeout(self._regex_timeout_s) as timeouts:
            # 1. one-piece texts; spaCy once per group
            for group in _groups(short, texts, self._nlp_batch_size):
                if self._clock() >= deadline:
                    break
                ner = [texts[i][1] for i in group if texts[i][0] is FieldAction.SCAN]
                docs: Iterator[tuple[str, NlpArtifacts]] = (
                    self._nlp.process_batch(ner, language=LANGUAGE, batch_size=self._nlp_batch_size)
                    if ner
                    else iter(())
                )
                for i in group:
                    action, text = texts[i]
                    artifacts = next(docs)[1] if action is FieldAction.SCAN else None
                    if self._clock() < deadline:
                        results[i] = self._whole(action, text, artifacts, timeouts)
            # 2. longer texts, piece by piece
            for i in long:
                if self._clock() >= deadline:
                    break
                results[i] = self._in_pieces(*texts[i], deadline, timeouts)
        # 3. what the batch budget left
        return [
            result if result is not None else _replaced(len(text), 0, Unscanned.BATCH_BUDGET)
            for result, (_, text) in zip(results, texts, strict=True)
        ]

    def _whole(
        self,
        action: FieldAction,
        text: str,
        artifacts: NlpArtifacts | None,
        timeouts: RegexTimeouts,
    ) -> ScanResult:
        before = timeouts.count
        spans = self._find(action, text, artifacts)
        if timeouts.count > before:
            return _replaced(len(text), 0, Unscanned.SLOW_PIECE)
        return ScanResult(spans)

    def _in_pieces(
        self, action: FieldAction, text: str, batch_deadline: float, timeouts: RegexTimeouts
    ) -> ScanResult:
        """Analyze a long text piece by piece until it ends or a limit stops it."""
        deadline = min(batch_deadline, self._clock() + self._budget.field_ms / 1000)
        limit = min(len(text), self._budget.max_field_chars)
        found: list[Span] = []
        start = 0  # where the next piece starts; all before it is analyzed
        length = PIECE_CHARS
        while True:
            if self._clock() >= deadline:
                over_batch = self._clock() >= batch_deadline
                reason = Unscanned.BATCH_BUDGET if over_batch else Unscanned.FIELD_BUDGET
                break
            end = _piece_end(text, start, limit, length)
            piece = text[start:end]
            artifacts = (
                self._nlp.process_text(piece, LANGUAGE) if action is FieldAction.SCAN else None
            )
            before = timeouts.count
            spans = _shifted(self._find(action, piece, artifacts), start)
            if timeouts.count > before:
                reason = Unscanned.SLOW_PIECE  # this piece's findings may lack a pattern
                break
            found.extend(spans)
            if end < limit:
                start, length = _next_piece(text, start, end, length, spans)
                continue
            if limit == len(text):
                return ScanResult(_merged(found))
            reason = Unscanned.FIELD_SIZE
            start, _ = _next_piece(text, start, end, MAX_PIECE_CHARS, spans)
            break
        return _replaced(len(text), start, reason, _merged(found))


def _groups(
    indexes: Sequence[int], texts: Sequence[tuple[FieldAction, str]], size: int
) -> Iterator[list[int]]:
    """Cut indexes into groups of at most ``size`` texts and about GROUP_CHARS characters."""
    group: list[int] = []
    chars = 0
    for i in indexes:
        length = len(texts[i][1])
        if group and (len(group) == size or chars + length > GROUP_CHARS):
            yield group
            group, chars = [], 0
        group.append(i)
        chars += length
    if group:
        yield group


def _after_space(text: str, position: int, floor: int) -> int:
    """The last index in ``(floor, position]`` right after whitespace, else ``position``."""
    for index in range(position, max(floor, position - WORD_SLACK_CHARS), -1):
        if text[index - 1].isspace():
            return index
    return position


def _piece_end(text: str, start: int, limit: int, length: int) -> int:
    """Where the piece starting at ``start`` ends: ``limit``, or a cut at whitespace."""
    if limit - start <= length:
        return limit
    return _after_space(text, start + length, start + OVERLAP_CHARS)


def _next_piece(
    text: str, start: int, end: int, length: int, spans: Sequence[Span]
) -> tuple[int, int]:
    """Start and length of the piece after ``[start, end)``, analyzed in ``length``.

    1. The next piece starts ``OVERLAP_CHARS`` before the cut, or earlier, before a
       finding that reaches past that point: if the cut truncated the entity, the next
       piece sees it whole.
    2. A finding that starts too early for that (within the piece's own overlap) and runs
       into the cut fills the piece: the same start is analyzed again in a piece twice as
       long, up to ``MAX_PIECE_CHARS``.
    3. Past that size the finding is cut like any text, and the next piece gets the plain
       overlap.

    Returns:
        ``(start, length)``; the start is never negative, and after a cut it is past
        ``start`` unless the piece grows.
    """
    overlap_start = end - OVERLAP_CHARS
    reaching = [s for s in spans if s.end > overlap_start]
    movable = [s.start - OVERLAP_CHARS for s in reaching if s.start - OVERLAP_CHARS > start]
    # A finding ending within a word's slack of the cut may continue past it.
    filling = [
        s for s in reaching if s.start - OVERLAP_CHARS <= start and s.end >= end - WORD_SLACK_CHARS
    ]
    if filling and length < MAX_PIECE_CHARS:  # 2.
        return start, min(2 * length, MAX_PIECE_CHARS)
    target = min([overlap_start, *movable])  # 1., or 3. when nothing moves it
    return max(0, _after_space(text, target, start)), PIECE_CHARS


def _shifted(spans: Sequence[Span], offset: int) -> list[Span]:
    return [Span(s.start + offset, s.end + offset, s.entity_type, s.score) for s in spans]


def _merged(spans: Sequence[Span]) -> tuple[Span, ...]:
    """Join findings of overlapping pieces: overlapping spans become their union.

    Within one piece spans are already disjoint, so a one-piece text is unchanged. Across
    pieces, a union never leaves a part of either finding unreplaced (one piece may have
    seen an entity cut short); it takes the type of the higher score.
    """
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and span.start < out[-1].end:
            last = out[-1]
            best = last if last.score >= span.score else span
            out[-1] = Span(
                last.start, max(last.end, span.end), best.entity_type, max(last.score, span.score)
            )
        else:
            out.append(span)
    return tuple(out)


def _replaced(length: int, cut: int, reason: Unscanned, spans: tuple[Span, ...] = ()) -> ScanResult:
    """The findings before ``cut``, then one UNSCANNED span to the end of the text.

    A finding that reaches past ``cut`` joins the UNSCANNED span, so nothing after the
    cut, and no part of a finding that reached into it, remains.
    """
    cut = min([cut] + [s.start for s in spans if s.end > cut])
    kept = tuple(s for s in spans if s.end <= cut)
    return ScanResult((*kept, Span(cut, length, UNSCANNED, 1.0)), reason)
