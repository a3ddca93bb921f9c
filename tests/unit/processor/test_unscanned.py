"""Fail closed on time: text the engine cannot analyze within its budget never passes raw.

Real Presidio and spaCy (offline). Budgets are made tiny to provoke the behaviour; how
long anything takes is measured in benchmarks, never asserted here.
"""

from __future__ import annotations

import random
import re
import string

import pytest
from structlog.testing import capture_logs

from auditstream.processor.loader import scan_budget
from auditstream.processor.redaction.engine import RedactionEngine
from auditstream.processor.redaction.policy import load_policy
from auditstream.processor.redaction.scanning import PIECE_CHARS, ScanBudget
from auditstream.processor.redaction.tokens import Pseudonymizer
from auditstream.processor.settings import load_processor_settings
from support.events import make_event

MIB = 1 << 20
RUN = 20  # no run of this many characters of unanalyzed input may survive
_TOKEN = re.compile(r"<UNSCANNED:(\d+)>")


def _engine(analyzers, **budget: int) -> RedactionEngine:
    limits = {"field_ms": 600_000, "batch_ms": 600_000, "regex_timeout_ms": 60_000, **budget}
    return RedactionEngine(
        analyzers, load_policy(), Pseudonymizer(b"k" * 32), scan_budget=ScanBudget(**limits)
    )


def _phone_like(chars: int) -> str:
    """Phone-shaped numbers back to back: the densest findings, the costliest analysis."""
    rnd = random.Random(7)
    out: list[str] = []
    n = 0
    while n < chars:
        number = f"+1 {rnd.randint(200, 999)} {rnd.randint(200, 999)}-{rnd.randint(0, 9999):04d} "
        out.append(number)
        n += len(number)
    return "".join(out)[:chars]


def _short_tokens(chars: int) -> str:
    """Words of one to three letters, mixed case: a token every two or three characters."""
    rnd = random.Random(11)
    letters = string.ascii_letters
    out: list[str] = []
    n = -1
    while n < chars:
        word = "".join(rnd.choices(letters, k=rnd.randint(1, 3)))
        out.append(word)
        n += len(word) + 1
    return " ".join(out)[:chars]


def _prose(chars: int) -> str:
    sentences = [
        "The quarterly report covers revenue, churn and the migration plan.",
        "Please summarise the open tickets and list the blocked deployments.",
        "Our team reviewed the latency graphs and found no regression.",
        "Draft a short note for the release channel about the new cache.",
    ]
    out: list[str] = []
    n = 0
    while n < chars:
        sentence = sentences[len(out) % len(sentences)] + f" Item {len(out)}. "
        out.append(sentence)
        n += len(sentence)
    return "".join(out)[:chars]


def _raw_runs(original: str, output: str, length: int = RUN) -> int:
    """How many ``length``-character runs of ``original`` occur in ``output``."""
    seen = {output[i : i + length] for i in range(len(output) - length + 1)}
    return sum(original[i : i + length] in seen for i in range(len(original) - length + 1))


def _unscanned_chars(text: str) -> int:
    return sum(int(m.group(1)) for m in _TOKEN.finditer(text))


def _counted(event: dict, path: str) -> dict[str, int]:
    return {
        r["entity_type"]: r["count"]
        for r in event["processing"]["redactions"]
        if r["field"] == path
    }


class TestAdversarialFields:
    def test_a_mebibyte_of_phone_like_digits_leaves_no_raw_run_past_what_was_analyzed(
        self, analyzers
    ) -> None:
        """At most the first piece is analyzed; the rest is one token, with no raw run left."""
        text = _phone_like(MIB)
        event = make_event()
        event["llm"]["prompt"] = text
        [out] = _engine(analyzers, field_ms=1).redact_batch([event], now_us=1)
        prompt = out["llm"]["prompt"]
        assert prompt.endswith(">")
        assert _unscanned_chars(prompt) >= len(text) - PIECE_CHARS
        assert len(prompt) < 3 * PIECE_CHARS
        assert _raw_runs(text[PIECE_CHARS:], prompt) == 0
        assert _counted(out, "llm.prompt")["UNSCANNED"] == 1

    def test_100_kb_of_short_tokens_leaves_no_raw_run_past_what_was_analyzed(
        self, analyzers
    ) -> None:
        """spaCy's worst case (a token every few characters) is cut the same way."""
        text = _short_tokens(100_000)
        event = make_event()
        event["llm"]["response"] = text
        [out] = _engine(analyzers, field_ms=1).redact_batch([event], now_us=1)
        response = out["llm"]["response"]
        assert _unscanned_chars(response) >= len(text) - PIECE_CHARS
        assert _raw_runs(text[PIECE_CHARS:], response) == 0
        assert _counted(out, "llm.response")["UNSCANNED"] == 1

    def test_with_no_budget_left_an_adversarial_field_is_replaced_whole(self, analyzers) -> None:
        """A batch budget spent before a long text starts replaces all of it."""
        texts = [_phone_like(MIB), _short_tokens(100_000), _phone_like(50_000)]
        events = [make_event() for _ in texts]
        for event, text in zip(events, texts, strict=True):
            event["llm"]["prompt"] = text
        out = _engine(analyzers, batch_ms=1).redact_batch(events, now_us=1)
        prompts = [e["llm"]["prompt"] for e in out]
        whole = [p for p, t in zip(prompts, texts, strict=True) if p == f"<UNSCANNED:{len(t)}>"]
        assert len(whole) >= len(texts) - 1  # the first may have started within the 1 ms
        for prompt, text in zip(prompts, texts, strict=True):
            assert _raw_runs(text[PIECE_CHARS:], prompt) == 0

    def test_a_mebibyte_attribute_value_is_cut_at_its_own_length(self, analyzers) -> None:
        """Attribute values are analyzed after their key; the token counts the value only."""
        text = "".join(random.Random(3).choices(string.digits, k=MIB))
        event = make_event(attributes={"blob": text})
        [out] = _engine(analyzers, field_ms=1).redact_batch([event], now_us=1)
        value = out["attributes"]["blob"]
        assert _raw_runs(text[PIECE_CHARS:], value) == 0
        assert _unscanned_chars(value) + len(_TOKEN.sub("", value)) <= len(text)
        assert _counted(out, "attributes.*")["UNSCANNED"] == 1


class TestBudgetsAndRecords:
    def test_normal_events_are_unaffected(self, analyzers) -> None:
        """Default budgets: planted values go, nothing is marked unscanned."""
        event = make_event()
        event["llm"]["prompt"] = (
            "Hello, my name is Maria Gonzalez. Write to maria.gonzalez@example.org or call "
            "+1 212 736 5000."
        )
        [out] = RedactionEngine(analyzers, load_policy(), Pseudonymizer(b"k" * 32)).redact_batch(
            [event], now_us=1
        )
        assert "<UNSCANNED" not in str(out)
        assert "maria.gonzalez@example.org" not in out["llm"]["prompt"]
        assert "UNSCANNED" not in {r["entity_type"] for r in out["processing"]["redactions"]}

    @pytest.mark.parametrize("before_cut", [3, 12, 30])
    def test_a_long_normal_text_is_analyzed_in_full_across_its_pieces(
        self, analyzers, before_cut: int
    ) -> None:
        """With time to spare, values on and past a piece boundary are all replaced."""
        email, phone = "aiko.tanaka@example.com", "+44 20 7946 0958"
        at = PIECE_CHARS - before_cut
        head = _prose(at)
        text = f"{head}{email} and {_prose(9_000)} call {phone}. {_prose(2_000)}"
        event = make_event()
        event["llm"]["prompt"] = text
        [out] = _engine(analyzers).redact_batch([event], now_us=1)
        prompt = out["llm"]["prompt"]
        assert email not in prompt
        assert phone not in prompt
        assert "<UNSCANNED" not in prompt

    @pytest.mark.parametrize("body_chars", [3_000, 6_500])
    def test_a_private_key_across_a_piece_boundary_is_replaced_whole(
        self, analyzers, body_chars: int
    ) -> None:
        """A PEM block cut by a piece (RSA-4096 and RSA-8192 sizes) leaves no line behind."""
        rnd = random.Random(body_chars)
        body = "".join(rnd.choices(string.ascii_letters + string.digits + "+/", k=body_chars))
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        block = "\n".join(
            ["-----BEGIN RSA PRIVATE KEY-----", *lines, "-----END RSA PRIVATE KEY-----"]
        )
        text = f"{_prose(PIECE_CHARS - 900)} Deploy with this key:\n{block}\n{_prose(12_000)}"
        event = make_event()
        event["tool"] = {"name": "deploy", "input": text, "output": "ok"}
        [out] = _engine(analyzers).redact_batch([event], now_us=1)
        redacted = out["tool"]["input"]
        assert [line for line in lines if line in redacted] == []
        assert "<UNSCANNED" not in redacted

    def test_one_log_line_per_batch_names_paths_and_sizes_never_text(self, analyzers) -> None:
        """The warning lists event, path, sizes and reason; no run of the texts is in it."""
        texts = [_phone_like(40_000), _short_tokens(30_000)]
        events = [make_event() for _ in texts]
        for event, text in zip(events, texts, strict=True):
            event["llm"]["prompt"] = text
        with capture_logs() as logs:
            _engine(analyzers, field_ms=1).redact_batch(events, now_us=1)
        [line] = [entry for entry in logs if entry["event"] == "scan_incomplete"]
        assert line["log_level"] == "warning"
        assert line["fields_unscanned"] == 2
        assert {(f["event_id"], f["field"], f["chars"]) for f in line["fields"]} == {
            (e["event_id"], "llm.prompt", len(t)) for e, t in zip(events, texts, strict=True)
        }
        assert {f["reason"] for f in line["fields"]} == {"field_budget"}
        assert line["unscanned_chars"] == sum(f["unscanned_chars"] for f in line["fields"])
        rendered = repr(logs)
        assert all(_raw_runs(text, rendered) == 0 for text in texts)

    def test_an_unscanned_text_is_analyzed_again_not_served_from_the_cache(self, analyzers) -> None:
        """A result cut short is never remembered as clean: the next batch misses the cache."""
        engine = _engine(analyzers, field_ms=1)
        text = _phone_like(40_000)
        first, second = make_event(), make_event()
        first["llm"]["prompt"] = second["llm"]["prompt"] = text
        engine.redact_batch([first], now_us=1)
        misses = engine.cache_stats.misses
        engine.redact_batch([second], now_us=1)
        assert engine.cache_stats.misses == misses + 1  # the prompt; the short fields hit
        assert "<UNSCANNED:" in second["llm"]["prompt"]

    def test_a_regex_timeout_fails_closed(self, analyzers) -> None:
        """Recognizers as slow as the regex timeout: the text is replaced, not passed on."""
        text = _prose(6_000) + " Write to maria.gonzalez@example.org."
        event = make_event()
        event["llm"]["prompt"] = text
        with capture_logs() as logs:
            [out] = _engine(analyzers, regex_timeout_ms=1).redact_batch([event], now_us=1)
        # Where the first timeout falls depends on the host's speed: what came before it
        # passes as analyzed (plain prose here), all from it on is replaced.
        prompt = out["llm"]["prompt"]
        token = re.search(r"<UNSCANNED:(\d+)>$", prompt)
        assert token is not None
        assert "maria.gonzalez" not in prompt
        assert prompt[: token.start()] == text[: len(text) - int(token.group(1))]
        [line] = [entry for entry in logs if entry["event"] == "scan_incomplete"]
        reasons = {f["field"]: f["reason"] for f in line["fields"]}
        assert reasons["llm.prompt"] == "slow_piece"

    def test_an_unscanned_token_is_never_rescanned(self, analyzers) -> None:
        """Redacting a redacted event again keeps the token as it is."""
        event = make_event()
        event["llm"]["prompt"] = "Call +1 212 736 5000. " + _phone_like(40_000)
        [once] = _engine(analyzers, field_ms=1).redact_batch([event], now_us=1)
        token = _TOKEN.search(once["llm"]["prompt"])
        assert token is not None
        again = make_event()
        again["llm"]["prompt"] = f"before {token.group()} after"
        [twice] = _engine(analyzers).redact_batch([again], now_us=1)
        assert twice["llm"]["prompt"] == f"before {token.group()} after"


class TestScanSettings:
    def test_settings_name_the_budgets_and_default_to_the_engine_defaults(self) -> None:
        """Without variables the worker's budget is ScanBudget's own defaults."""
        settings = load_processor_settings(processor={"hmac_key": "k" * 40})
        assert scan_budget(settings) == ScanBudget()

    def test_budgets_come_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """``AUDITSTREAM_PROCESSOR__SCAN_*`` variables set the four limits."""
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__HMAC_KEY", "k" * 40)
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__SCAN_FIELD_BUDGET_MS", "250")
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__SCAN_BATCH_BUDGET_MS", "1500")
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__SCAN_MAX_FIELD_CHARS", "50000")
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__SCAN_REGEX_TIMEOUT_MS", "200")
        assert scan_budget(load_processor_settings()) == ScanBudget(
            field_ms=250, batch_ms=1_500, max_field_chars=50_000, regex_timeout_ms=200
        )
