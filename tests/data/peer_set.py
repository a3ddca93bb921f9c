"""The peer set: presidio-research's sentence templates, filled by its Faker, as LLM events.

Generated at test and benchmark time, never committed: ``presidio-evaluator`` and ``faker``
are pinned in the ``dev`` extra, so the same seed gives the same 1,500 sentences (about 8 s),
except that Faker draws its date-times up to the current time: DATE_TIME values move with
the clock, their count and shape do not.
Each sentence becomes the ``llm.prompt`` of an otherwise ordinary LLM_REQUEST event (the
``base_event`` of ``eval_case.py``), labelled with its spans of the headline types only:
GPE, ORGANIZATION, NRP, TITLE and the like are not personal on their own.

We wrote neither the templates nor the values, so this set measures our recognizers
without flattering them. It is reported by ``benchmarks/bench_processor_redaction.py``
beside vanilla Presidio; the quality gates are on our own sets.

Usage (``tests/`` is on ``sys.path`` under pytest; a script inserts it)::

    from data.peer_set import build_peer_set
    records = build_peer_set()
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
import warnings
from pathlib import Path

from auditstream.processor.redaction.evaluation import EvalRecord, PiiLabel

# The generators next to this file run as scripts and import their siblings as top-level
# modules (``import eval_values``); make that work when this module is imported as a package.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from eval_case import base_event  # noqa: E402

SENTENCES = 1500
SEED = 42
LOWER_CASE_RATIO = 0.05
FIELD = "llm.prompt"
HEADLINE_TYPES = (
    "PERSON",
    "STREET_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "IP_ADDRESS",
    "US_SSN",
    "IBAN_CODE",
    "US_DRIVER_LICENSE",
    "DATE_TIME",
)
"""The personal types of presidio-research's generator (its other types stay unlabelled)."""

EXPECTED_COUNTS = {
    "PERSON": 895,
    "STREET_ADDRESS": 571,
    "PHONE_NUMBER": 124,
    "CREDIT_CARD": 115,
    "DATE_TIME": 110,
    "EMAIL_ADDRESS": 38,
    "IP_ADDRESS": 17,
    "US_SSN": 15,
    "IBAN_CODE": 12,
    "US_DRIVER_LICENSE": 4,
}
"""Labels per type with the pinned presidio-evaluator 0.3.2 and faker 40.63.0."""


def build_peer_set(sentences: int = SENTENCES, *, seed: int = SEED) -> list[EvalRecord]:
    """Generate presidio-research sentences and wrap each in a labelled LLM event.

    Args:
        sentences: How many sentences to generate.
        seed: The generator's seed (also seeds the event ids).

    Returns:
        One record per sentence, in generation order.
    """
    import numpy as np

    # presidio-evaluator prints progress, tqdm bars and pandas warnings; keep them off.
    noise = io.StringIO()
    saved = random.getstate(), np.random.get_state()
    try:
        with (
            contextlib.redirect_stdout(noise),
            contextlib.redirect_stderr(noise),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            from presidio_evaluator.data_generator import (
                PresidioSentenceFaker,
                presidio_sentence_faker,
            )
            from presidio_evaluator.data_generator.faker_extensions import (
                HospitalProvider,
            )

            class OfflineHospitalProvider(HospitalProvider):  # type: ignore[misc]
                """Its default hospital list: the stock provider asks WikiData over the network."""

                def load_wiki_hospitals(self) -> list[str]:
                    return list(self.default_list)

            providers = [
                OfflineHospitalProvider if p is HospitalProvider else p
                for p in presidio_sentence_faker.presidio_additional_entity_providers
            ]
            # 0.3.2 draws the full names of its person table ("Cecilie K. Josefsen") from the
            # global random module before it applies random_seed: seed it first, or the
            # names change from run to run.
            random.seed(seed)
            faker = PresidioSentenceFaker(
                "en_US",
                lower_case_ratio=LOWER_CASE_RATIO,
                entity_providers=providers,
                random_seed=seed,
            )
            samples = faker.generate_new_fake_sentences(sentences)
    finally:  # it seeds the global generators; give callers theirs back
        random.setstate(saved[0])
        np.random.set_state(saved[1])
    rng = random.Random(seed)
    records = []
    for index, sample in enumerate(samples):
        text = sample.full_text  # literal "\n" sequences stay as the templates have them
        event = base_event(rng, index)
        event["llm"]["prompt"] = text
        # The value is read from the text at the span: with lower_case_ratio, 0.3.2 lower-cases
        # some spans' entity_value but not the sentence, and a value that is not in the text
        # could never leak.
        pii = tuple(
            PiiLabel(FIELD, text[span.start_position : span.end_position], span.entity_type)
            for span in sample.spans
            if span.entity_type in HEADLINE_TYPES
        )
        records.append(
            EvalRecord(
                id=f"peer-{index:04d}",
                category=f"presidio-research:{sample.template_id}",
                event=event,
                pii=pii,
                keep=(),
            )
        )
    return records
