"""spaCy through Presidio, with NER run only on texts where it can find a name that counts.

NER is half of the engine's time on LLM traffic. Its only use here is PERSON, and the
precision rules drop every PERSON finding of NER whose first letter is lower case or that
has no letter (:func:`~.precision.ner_can_find_a_name`). In a text where no finding could
pass, NER is skipped: the text still goes through the rest of the pipeline (tokens and
lemmas, which Presidio's context words read), so its artifacts differ only in having no
entities, which the rules would have removed anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

from auditstream.processor.redaction.precision import ner_can_find_a_name

_NER = "ner"


class SelectiveNerEngine(SpacyNlpEngine):
    """Presidio's spaCy engine that leaves NER out where it cannot matter."""

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Analyze one text; NER only if it can find a name the rules keep.

        Args:
            text: The text.
            language: Its language code.

        Returns:
            The text's artifacts.
        """
        if ner_can_find_a_name(text):
            return super().process_text(text, language)
        with self._pipeline(language).select_pipes(disable=[_NER]):
            return super().process_text(text, language)

    def process_batch(  # type: ignore[override]
        self, texts: list[str], language: str, batch_size: int = 1, **kwargs: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        """Analyze texts in batches, in their order; NER only on those that need it.

        Args:
            texts: The texts.
            language: Their language code.
            batch_size: Texts per ``nlp.pipe`` batch.
            **kwargs: Passed to Presidio's ``process_batch``.

        Yields:
            ``(text, artifacts)`` per text, in the order given.
        """
        needs = [ner_can_find_a_name(text) for text in texts]
        plain = [text for text, need in zip(texts, needs, strict=True) if not need]
        named = [text for text, need in zip(texts, needs, strict=True) if need]
        without: Iterator[Any] = iter(())
        if plain:
            # Materialised while NER is off: the pipe runs lazily, when iterated.
            with self._pipeline(language).select_pipes(disable=[_NER]):
                without = iter(list(super().process_batch(plain, language, batch_size, **kwargs)))
        with_ner: Iterator[Any] = (
            super().process_batch(named, language, batch_size, **kwargs) if named else iter(())
        )
        for need in needs:
            text, artifacts = next(with_ner) if need else next(without)
            yield text, artifacts

    def _pipeline(self, language: str) -> Any:
        if not self.nlp:
            raise ValueError("the spaCy model is not loaded: call load() first")
        return self.nlp[language]
