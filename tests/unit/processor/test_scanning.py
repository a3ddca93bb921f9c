"""The scanner's pieces and budgets, on a fake finder and a fake clock (no Presidio).

The finder reports every match of a marker pattern in the piece it is given, and charges
the clock a fixed cost per call, so budgets are provoked by numbers, never by timing; it
can log Presidio's own warning for a pattern that timed out, as Presidio does.
"""

from __future__ import annotations

import logging
import random
import re
import string

import pytest
from presidio_analyzer import pattern_recognizer

from auditstream.processor.redaction.policy import FieldAction
from auditstream.processor.redaction.scanning import (
    MAX_PIECE_CHARS,
    OVERLAP_CHARS,
    PIECE_CHARS,
    PRESIDIO_LOGGER,
    UNSCANNED,
    ScanBudget,
    Scanner,
    ScanResult,
    Span,
    Unscanned,
    presidio_regex_timeout,
    unscanned_token,
)

PATTERNS = FieldAction.SCAN_PATTERNS
# A marker with spaces in it (a cut at whitespace can split it, as it can a phone number),
# and "BEGIN" then letters and spaces up to "END" or, cut short by a piece, to the piece's
# end: shaped like a private key block, which a truncated pattern still finds.
_MARKER = re.compile(r"ENTITY \d{3} \d{3}|BEGIN[a-z ]*(?:END|$)")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeFinder:
    """Finds markers; each call costs ``cost_s`` on the fake clock and records its piece.

    With ``timing_out``, every call logs the warning Presidio logs when a pattern timed
    out and it skipped the pattern.
    """

    def __init__(self, clock: FakeClock, cost_s: float = 0.0, *, timing_out: bool = False) -> None:
        self.clock = clock
        self.cost_s = cost_s
        self.timing_out = timing_out
        self.pieces: list[str] = []

    def __call__(self, action: FieldAction, text: str, artifacts: object) -> tuple[Span, ...]:
        self.pieces.append(text)
        self.clock.now += self.cost_s
        if self.timing_out:
            logging.getLogger(PRESIDIO_LOGGER).warning(
                "Regex pattern '%s' timed out after %s seconds, skipping.", "fake", 1.0
            )
        return tuple(Span(m.start(), m.end(), "MARKER", 0.9) for m in _MARKER.finditer(text))


def _scanner(
    budget: ScanBudget, cost_s: float = 0.0, *, timing_out: bool = False
) -> tuple[Scanner, FakeFinder]:
    clock = FakeClock()
    finder = FakeFinder(clock, cost_s, timing_out=timing_out)
    return Scanner(None, finder, budget, nlp_batch_size=8, clock=clock), finder  # type: ignore[arg-type]


def _words(chars: int, seed: int = 0) -> str:
    """Filler of ``chars`` characters: random lower-case words of 1 to 9 letters."""
    rnd = random.Random(seed)
    out, n = [], -1  # n: length of the words joined by spaces
    while n < chars:
        word = "".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(1, 9)))
        out.append(word)
        n += len(word) + 1
    return " ".join(out)[:chars]


def _unscanned(result: ScanResult) -> Span:
    [span] = [s for s in result.spans if s.entity_type == UNSCANNED]
    return span


GENEROUS = ScanBudget(field_ms=600_000, batch_ms=600_000, regex_timeout_ms=60_000)


class TestPieces:
    def test_a_long_text_is_analyzed_in_overlapping_pieces_cut_at_whitespace(self) -> None:
        """Pieces are at most PIECE_CHARS, overlap by at least OVERLAP_CHARS, cover the text."""
        text = _words(50_000)
        scanner, finder = _scanner(GENEROUS)
        [result] = scanner.scan([(PATTERNS, text)])
        assert result.unscanned is None
        position = 0
        for index, piece in enumerate(finder.pieces):
            start = text.index(piece, max(0, position - 2 * OVERLAP_CHARS))
            assert start <= max(0, position - OVERLAP_CHARS) or index == 0
            assert len(piece) <= PIECE_CHARS
            end = start + len(piece)
            if end < len(text):
                assert text[end - 1].isspace(), "a cut falls after whitespace"
            position = end
        assert position == len(text)

    def test_a_short_text_is_one_piece(self) -> None:
        """A text of one piece or less is analyzed whole, as before pieces existed."""
        text = _words(PIECE_CHARS)
        scanner, finder = _scanner(GENEROUS)
        scanner.scan([(PATTERNS, text)])
        assert finder.pieces == [text]

    @pytest.mark.parametrize("before_cut", [1, 4, 7, 8, 10, 11, 13, 20])
    def test_an_entity_on_a_cut_is_found_whole(self, before_cut: int) -> None:
        """A marker starting ``before_cut`` characters before the first cut is found whole."""
        at = PIECE_CHARS - before_cut
        text = f"{_words(at - 1)} ENTITY 123 456 {_words(20_000, seed=1)}"
        scanner, _ = _scanner(GENEROUS)
        [result] = scanner.scan([(PATTERNS, text)])
        assert text.index("ENTITY 123 456") == at
        assert any(s.start <= at and at + 14 <= s.end for s in result.spans)

    def test_an_entity_longer_than_the_overlap_on_a_cut_is_found_whole(self) -> None:
        """A 3,000-character block cut by a piece is seen whole by the next one."""
        block = "BEGIN " + _words(3_000).replace("end", "") + " END"
        text = f"{_words(PIECE_CHARS - 1_000)} {block} {_words(20_000)}"
        scanner, _ = _scanner(GENEROUS)
        [result] = scanner.scan([(PATTERNS, text)])
        start = text.index("BEGIN")
        end = start + len(block)
        assert any(s.start <= start and end <= s.end for s in result.spans)

    def test_an_entity_longer_than_a_piece_is_found_whole_in_a_longer_piece(self) -> None:
        """A 6,500-character block (an RSA-8192 key's size) is analyzed again, whole."""
        block = "BEGIN " + _words(6_500, seed=2).replace("end", "") + " END"
        text = f"{_words(1_000)} {block} {_words(20_000, seed=3)}"
        scanner, finder = _scanner(GENEROUS)
        [result] = scanner.scan([(PATTERNS, text)])
        start = text.index("BEGIN")
        end = start + len(block)
        assert any(s.start <= start and end <= s.end for s in result.spans)
        assert max(len(piece) for piece in finder.pieces) > PIECE_CHARS

    def test_pieces_grow_no_larger_than_the_maximum_and_the_scan_ends(self) -> None:
        """A finding longer than any piece stops growing at MAX_PIECE_CHARS; analysis goes on."""
        text = "BEGIN " + _words(100_000, seed=4).replace("end", "")
        scanner, finder = _scanner(GENEROUS)
        [result] = scanner.scan([(PATTERNS, text)])
        assert result.unscanned is None
        assert max(len(piece) for piece in finder.pieces) <= MAX_PIECE_CHARS
        assert result.spans[0].start == 0

    def test_findings_of_overlapping_pieces_are_joined_not_duplicated(self) -> None:
        """Spans come back sorted and disjoint."""
        text = " ".join(f"ENTITY {n:03d} {n:03d} {_words(300, n)}" for n in range(200))
        scanner, _ = _scanner(GENEROUS)
        [result] = scanner.scan([(PATTERNS, text)])
        assert len(result.spans) == 200
        assert all(a.end <= b.start for a, b in zip(result.spans, result.spans[1:], strict=False))


class TestBudgets:
    def test_a_spent_field_budget_replaces_the_rest_of_the_text(self) -> None:
        """0.1 s per piece and a 250 ms field budget: three pieces, then one UNSCANNED span."""
        text = _words(100_000)
        budget = ScanBudget(field_ms=250, batch_ms=600_000, regex_timeout_ms=60_000)
        scanner, finder = _scanner(budget, cost_s=0.1)
        [result] = scanner.scan([(PATTERNS, text)])
        assert len(finder.pieces) == 3
        assert result.unscanned is Unscanned.FIELD_BUDGET
        remainder = _unscanned(result)
        scanned_end = text.index(finder.pieces[2]) + len(finder.pieces[2])
        assert remainder.start <= scanned_end - OVERLAP_CHARS
        assert remainder.end == len(text)
        assert result.spans[-1] is remainder

    def test_a_spent_batch_budget_replaces_texts_not_yet_analyzed_whole(self) -> None:
        """Once the batch budget is gone, the next texts are never looked at."""
        texts = [_words(30_000), _words(40_000), _words(50_000)]
        budget = ScanBudget(field_ms=600_000, batch_ms=250, regex_timeout_ms=60_000)
        scanner, finder = _scanner(budget, cost_s=0.1)
        results = scanner.scan([(PATTERNS, t) for t in texts])
        assert len(finder.pieces) == 3
        assert [r.unscanned for r in results] == [Unscanned.BATCH_BUDGET] * 3
        assert [r.spans for r in results[1:]] == [
            (Span(0, len(t), UNSCANNED, 1.0),) for t in texts[1:]
        ]

    def test_short_texts_are_analyzed_before_long_ones(self) -> None:
        """A batch budget spent on one long text does not cost the short fields."""
        texts = [_words(200_000), "ENTITY 000 001 here", "plain words"]
        budget = ScanBudget(field_ms=600_000, batch_ms=250, regex_timeout_ms=60_000)
        scanner, _ = _scanner(budget, cost_s=0.1)
        long, short, plain = scanner.scan([(PATTERNS, t) for t in texts])
        assert short == ScanResult((Span(0, 14, "MARKER", 0.9),))
        assert plain == ScanResult(())
        assert long.unscanned is Unscanned.BATCH_BUDGET

    def test_text_beyond_the_size_limit_is_never_analyzed(self) -> None:
        """With max_field_chars, the finder never sees what lies past it."""
        text = _words(20_000) + " ENTITY 999 999 " + _words(80_000)
        budget = ScanBudget(
            field_ms=600_000, batch_ms=600_000, max_field_chars=20_000, regex_timeout_ms=60_000
        )
        scanner, finder = _scanner(budget)
        [result] = scanner.scan([(PATTERNS, text)])
        assert result.unscanned is Unscanned.FIELD_SIZE
        assert all("ENTITY 999 999" not in piece for piece in finder.pieces)
        assert _unscanned(result).start <= 20_000 - OVERLAP_CHARS

    def test_a_piece_in_which_a_pattern_timed_out_counts_as_not_analyzed(self) -> None:
        """Presidio skips a timed-out pattern; the scanner replaces such a piece instead."""
        budget = ScanBudget(field_ms=600_000, batch_ms=600_000, regex_timeout_ms=1_000)
        scanner, _ = _scanner(budget, timing_out=True)
        short, long = scanner.scan([(PATTERNS, "ENTITY 000 001"), (PATTERNS, _words(30_000))])
        assert short == ScanResult((Span(0, 14, UNSCANNED, 1.0),), Unscanned.SLOW_PIECE)
        assert long.unscanned is Unscanned.SLOW_PIECE
        assert long.spans == (Span(0, 30_000, UNSCANNED, 1.0),)

    def test_a_piece_slower_than_the_regex_timeout_without_a_timeout_is_analyzed(self) -> None:
        """A host too busy to run a short text within the timeout skipped nothing."""
        budget = ScanBudget(field_ms=600_000, batch_ms=600_000, regex_timeout_ms=1_000)
        scanner, _ = _scanner(budget, cost_s=1.5)
        [short] = scanner.scan([(PATTERNS, "ENTITY 000 001")])
        assert short == ScanResult((Span(0, 14, "MARKER", 0.9),))

    def test_a_finding_reaching_into_the_unscanned_rest_joins_it(self) -> None:
        """No part of a finding is left raw on either side of the cut."""
        text = _words(PIECE_CHARS - 100) + " BEGIN " + "abc " * 2_000 + "END " + _words(30_000)
        budget = ScanBudget(field_ms=50, batch_ms=600_000, regex_timeout_ms=60_000)
        scanner, _ = _scanner(budget, cost_s=0.1)
        [result] = scanner.scan([(PATTERNS, text)])
        begin = text.index("BEGIN")
        assert _unscanned(result).start <= begin
        assert all(s.end <= begin for s in result.spans if s.entity_type != UNSCANNED)


class TestUnscannedToken:
    def test_the_token_names_the_characters_replaced(self) -> None:
        """``<UNSCANNED:n>``: a size, never a value or a hash."""
        assert unscanned_token(1_048_576) == "<UNSCANNED:1048576>"


class TestPresidioRegexTimeout:
    def test_the_timeout_holds_inside_the_block_and_is_restored_after(self) -> None:
        """Presidio's pattern recognizers read our timeout during a scan, and only then."""
        before = pattern_recognizer.REGEX_TIMEOUT_SECONDS
        with presidio_regex_timeout(0.25):
            assert pattern_recognizer.REGEX_TIMEOUT_SECONDS == 0.25
        assert before == pattern_recognizer.REGEX_TIMEOUT_SECONDS

    def test_timeouts_are_counted_even_where_the_operator_silenced_presidio(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An ERROR level must not hide a skipped pattern; it still hides the warning."""
        logger = logging.getLogger(PRESIDIO_LOGGER)
        logger.setLevel(logging.ERROR)
        try:
            with caplog.at_level(logging.DEBUG), presidio_regex_timeout(0.25) as timeouts:
                logger.warning("Regex pattern '%s' timed out after %s seconds, skipping.", "p", 1)
                logger.warning("another warning")
            assert timeouts.count == 1
            assert not [r for r in caplog.records if r.name == PRESIDIO_LOGGER]
            assert logger.level == logging.ERROR
        finally:
            logger.setLevel(logging.NOTSET)
