"""A name found once in an event is replaced at every other mention in the event."""

from __future__ import annotations

from auditstream.processor.redaction.echoes import name_words, with_echoes
from auditstream.processor.redaction.scanning import Span


class TestNameWords:
    def test_words_of_person_spans_that_stand_alone_are_taken(self) -> None:
        """Capitalised words of three letters or more; particles, titles, initials are not."""
        text = "by Agi P Szöts and Dr. van Gameren, mail ok"
        spans = (Span(3, 14, "PERSON", 0.7), Span(19, 34, "PERSON", 0.7), Span(40, 42, "X", 1))
        assert name_words(text, spans) == {"Agi", "Szöts", "Gameren"}

    def test_names_in_scripts_without_capitals_are_taken(self) -> None:
        """A Chinese or Korean name has no capitals to go by."""
        assert name_words("I am 卢娟", (Span(5, 7, "PERSON", 0.7),)) == {"卢娟"}


class TestWithEchoes:
    def test_every_other_mention_of_a_name_word_becomes_a_person_span(self) -> None:
        """A bare family name, anywhere, word-bounded; the first mention's span stays."""
        text = "directed by Agi P Szöts and starring Szöts; Szötsmann is someone else"
        first = Span(12, 23, "PERSON", 0.7)
        spans = with_echoes(text, (first,), {"Szöts"})
        assert [(text[s.start : s.end], s.entity_type) for s in spans] == [
            ("Agi P Szöts", "PERSON"),
            ("Szöts", "PERSON"),
        ]

    def test_no_known_names_leave_the_spans_as_they_are(self) -> None:
        """Nothing to echo, nothing added."""
        spans = (Span(0, 3, "EMAIL_ADDRESS", 1.0),)
        assert with_echoes("a@b text", spans, set()) is spans


def test_a_name_in_the_prompt_is_replaced_in_the_response_too(engine) -> None:
    """The reply's "Thanks, Aiko!" is the prompt's "Aiko Tanaka"."""
    from support.events import make_event

    event = make_event(
        llm={
            "provider": "openai",
            "model": "gpt-4o",
            "prompt": "Hi, my name is Aiko Tanaka and my order is late.",
            "response": "Thanks, Aiko! I found it.",
        }
    )
    [out] = engine.redact_batch([event], now_us=1)
    assert "Aiko" not in out["llm"]["response"]
    assert out["llm"]["response"].startswith("Thanks, <PERSON:")
