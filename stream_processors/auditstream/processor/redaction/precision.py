"""Precision rules: drop findings that are shapes auditors need and that are never personal.

Presidio's recognizers and spaCy's NER over-reach on LLM traffic: the small English model
tags order ids ("ORD-12345"), model names ("claude-3-5-sonnet"), code identifiers and
library names as PERSON, and ``phonenumbers`` finds "phone numbers" in arithmetic
("1234 * 5678"), prices and quantities. This module decides, per finding, whether the text
it covers is one of those shapes, and the engine drops it. It never adds findings, so it
cannot make a leak worse than the recognizer that produced the finding allows; each rule
is narrow and named, and tested as a table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from auditstream.processor.redaction.places import geonames_places
from auditstream.processor.redaction.precision_vocabulary import (
    EPONYMOUS_BRANDS,
    MODEL_NAME,
    NOT_PEOPLE,
    PLACES,
    PRODUCT_BEFORE,
)

# Code: identifiers with underscores, dotted or slashed paths, calls, markup, operators.
_CODE = re.compile(r"[_/\\()\[\]{}=<>@#$%*+;|`~^]|\w\.\w|::|->")
# CamelCase inside a word after three or more lower-case letters: a class or component
# ("RunnableSequence", "ChatOpenAI"); "McDowell", "MacDonald", "DiCaprio" have fewer.
_CAMEL_CASE = re.compile(r"(?<=[a-z][a-z][a-z])[A-Z]")  # fixed-width lookbehind: linear
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[^\W\d_]", re.UNICODE)


class Finding(Protocol):
    """What the rules read of a recognizer result (presidio's ``RecognizerResult``).

    Read-only properties, so a result whose metadata is typed ``dict`` (not optional) fits.
    """

    @property
    def entity_type(self) -> str:
        """E.g. ``PERSON``."""
        ...

    @property
    def start(self) -> int:
        """Index of the first character."""
        ...

    @property
    def end(self) -> int:
        """Index after the last character."""
        ...

    @property
    def recognition_metadata(self) -> dict[str, Any] | None:
        """Presidio's metadata; names the recognizer."""
        ...


NER_RECOGNIZER = "SpacyRecognizer"
# Recognizers whose findings carry their own evidence (a cue word, a shape checked in
# full), so the generic rules for their entity type would only undo that evidence: the
# digit minimum of ``phone_is_not_a_phone`` is for ``phonenumbers``' bare matches, and
# the gazetteer checks product and model names itself and finds lower-case names on purpose;
# a table's header names its column, and each cell is checked against that column's type.
_SELF_EVIDENT = frozenset(
    {"PhoneContextRecognizer", "NameGazetteerRecognizer", "TableColumnRecognizer"}
)
# A name under a key that can only mean a person ("customer_name") is a name in any case;
# so is a word the cued patterns find in any case ("text marco at +1908...").
_CASE_BLIND = frozenset({"LabelledNameRecognizer", "CuedNameRecognizer"})


def person_is_not_a_name(value: str, text: str, start: int, end: int) -> bool:
    """Tell whether a PERSON finding is something other than a person's name.

    Names have no digits and no code punctuation, do not start with a lower-case letter
    (a script without capitals is fine), and are not model, product or library names.

    Args:
        value: The text of the finding.
        text: The whole text (unused; the rules share one signature).
        start: Where the finding starts.
        end: Where it ends.

    Returns:
        True when the finding should be dropped.
    """
    stripped = value.strip(" \t\r\n'\"-.,:")
    lowered = stripped.lower()
    first = _UPPER.search(stripped)
    return (
        not stripped
        or _DIGIT.search(stripped) is not None
        or _CODE.search(stripped) is not None
        or _CAMEL_CASE.search(stripped) is not None
        or first is None
        or lowered in NOT_PEOPLE
        or any(word in NOT_PEOPLE for word in lowered.split())
        or MODEL_NAME.fullmatch(lowered) is not None
        or lowered.removesuffix("'s").removesuffix("\u2019s") in EPONYMOUS_BRANDS
    )


# A national phone number has at least 10 digits (US/CA 10, UK 10-11 with the trunk 0,
# DE 10-12, FR 10); with a "+" country code, at least 8 (small countries). Shorter runs
# are quantities, years, prices, PINs or arithmetic.
_MIN_NATIONAL_DIGITS = 10
_MIN_INTERNATIONAL_DIGITS = 8
# An operator or "=" right before or after the number makes it arithmetic.
_ARITHMETIC_BEFORE = re.compile(r"(?:[*/\u00d7\u00f7=^+-]|(?<![A-Za-z])x|\btimes)[ \t]{0,3}$")
_ARITHMETIC_AFTER = re.compile(r"^[ \t]{0,3}(?:[*/x\u00d7\u00f7=^]|[+-][ \t]{0,3}\d)")
# A currency sign or code before, or a unit after, makes it an amount.
_AMOUNT_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:USD|EUR|GBP|JPY))[ \t]{0,2}$")
_AMOUNT_AFTER = re.compile(
    r"^[ \t]{0,2}(?:%|USD|EUR|GBP|k?g\b|km\b|ms\b|MB\b|GB\b|tokens?\b|items?\b|units?\b|rows?\b)"
)


def person_is_a_place(value: str, text: str, start: int, end: int) -> bool:
    """Tell whether an NER-only PERSON finding is a city name.

    Args:
        value: The text of the finding.
        text: The whole text (unused).
        start: Where the finding starts.
        end: Where it ends.

    Returns:
        True when the finding should be dropped.
    """
    place = value.strip(" \t\r\n'\".,:")
    return place.lower() in PLACES or place in geonames_places()


_ASCII_CAPITAL = re.compile(r"[A-Z]")


def ner_can_find_a_name(text: str) -> bool:
    """Tell whether spaCy's NER could find a PERSON in ``text`` that the rules keep.

    The rules drop an NER finding without a letter (:func:`person_is_not_a_name`) or whose
    first letter is lower case (:func:`person_in_lower_case`). In ASCII text without a
    capital every letter is lower case, so no finding of NER could pass; text with any
    other character may hold a capital or a letter of a script without case.

    Args:
        text: The text NER would read.

    Returns:
        False when NER need not run on the text.
    """
    return not text.isascii() or _ASCII_CAPITAL.search(text) is not None


def person_in_lower_case(value: str, text: str, start: int, end: int) -> bool:
    """Tell whether a PERSON finding starts with a lower-case letter.

    spaCy's small model calls many lower-case words people; a lower-case name needs the
    evidence of a recognizer that looks for one (see :data:`_CASE_BLIND`).

    Args:
        value: The text of the finding.
        text: The whole text (unused).
        start: Where the finding starts.
        end: Where it ends.

    Returns:
        True when the finding should be dropped.
    """
    first = _UPPER.search(value)
    return first is not None and first.group().islower()


# A bare ten-digit run in 2020-2035 as Unix seconds is a timestamp in a log line or a
# "created_at" field; ``phonenumbers`` reads some as valid numbers of some region.
_EPOCH_SECONDS = re.compile(r"1[5-9]\d{8}|20[0-7]\d{7}")
_EPOCH_RANGE = (1_577_836_800, 2_082_758_400)


def phone_is_not_a_phone(value: str, text: str, start: int, end: int) -> bool:
    """Tell whether a PHONE_NUMBER finding is a plain number rather than a phone number.

    Args:
        value: The text of the finding.
        text: The whole text, to read the characters around the finding.
        start: Where the finding starts.
        end: Where it ends.

    Returns:
        True when the finding should be dropped.
    """
    digits = sum(c.isdigit() for c in value)
    international = value.lstrip("( ").startswith(("+", "00"))
    if digits < (_MIN_INTERNATIONAL_DIGITS if international else _MIN_NATIONAL_DIGITS):
        return True
    before, after = text[max(0, start - 12) : start], text[end : end + 12]
    if international:  # "+44 20 ..." reads as a phone number whatever surrounds it
        return False
    if _EPOCH_SECONDS.fullmatch(value) and _EPOCH_RANGE[0] <= int(value) <= _EPOCH_RANGE[1]:
        return True
    return bool(
        _ARITHMETIC_BEFORE.search(before)
        or _ARITHMETIC_AFTER.search(after)
        or _AMOUNT_BEFORE.search(before)
        or _AMOUNT_AFTER.search(after)
    )


def person_is_a_product(value: str, text: str, start: int, end: int) -> bool:
    """Tell whether an NER-only PERSON finding follows a word for a product.

    Args:
        value: The text of the finding (unused).
        text: The whole text.
        start: Where the finding starts.
        end: Where it ends (unused).

    Returns:
        True when the finding should be dropped.
    """
    return PRODUCT_BEFORE.search(text[max(0, start - 12) : start]) is not None


# A version string with four parts ("1.2.3.4" after "v" or "version") is not an address.
_VERSION_BEFORE = re.compile(r"(?:\bv|\bversion[ \t:]{1,3}|==|>=|<=|~=)$", re.IGNORECASE)


def ip_is_a_version(value: str, text: str, start: int, end: int) -> bool:
    """Tell whether an IP_ADDRESS finding is a version string such as ``v1.2.3.4``.

    Args:
        value: The text of the finding.
        text: The whole text.
        start: Where the finding starts.
        end: Where it ends.

    Returns:
        True when the finding should be dropped.
    """
    return _VERSION_BEFORE.search(text[max(0, start - 10) : start]) is not None


F = TypeVar("F", bound=Finding)

Rule = Callable[[str, str, int, int], bool]
"""A precision rule: ``(value, text, start, end) -> True`` to drop the finding."""

RULES: dict[str, tuple[Rule, ...]] = {
    "PERSON": (person_is_not_a_name, person_in_lower_case),
    "PHONE_NUMBER": (phone_is_not_a_phone,),
    "IP_ADDRESS": (ip_is_a_version,),
}
"""The rules per entity type; entity types without rules keep every finding."""

NER_RULES: dict[str, tuple[Rule, ...]] = {"PERSON": (person_is_a_place, person_is_a_product)}
"""Further rules for findings of spaCy's NER alone (pattern recognizers had a cue)."""


# A replacement token this pipeline or the SDK's local scrub already wrote, such as
# <EMAIL_ADDRESS:9f2c1a4b7d3e> or <SECRET:OPENAI_API_KEY>. Its inside is never a finding:
# rescanning it would nest tokens (<SECRET:<SECRET:...>>) and hide what was replaced.
_TOKEN = re.compile(r"<[A-Z][A-Z0-9_]*:[A-Za-z0-9_]{1,64}>")


def _inside_token(tokens: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(t_start <= start and end <= t_end for t_start, t_end in tokens)


def keep_findings(text: str, findings: Sequence[F]) -> list[F]:
    """Return the findings that no precision rule drops.

    Findings inside a replacement token (already redacted upstream) are always dropped.

    Args:
        text: The analyzed text.
        findings: Recognizer results on it.

    Returns:
        The findings to redact, in their original order.
    """
    tokens = [m.span() for m in _TOKEN.finditer(text)] if "<" in text else []
    kept = []
    for finding in findings:
        if tokens and _inside_token(tokens, finding.start, finding.end):
            continue
        metadata = finding.recognition_metadata or {}
        recognizer = metadata.get("recognizer_name")
        rules = () if recognizer in _SELF_EVIDENT else RULES.get(finding.entity_type, ())
        if recognizer in _CASE_BLIND:
            rules = tuple(rule for rule in rules if rule is not person_in_lower_case)
        if recognizer == NER_RECOGNIZER:
            rules += NER_RULES.get(finding.entity_type, ())
        value = text[finding.start : finding.end]
        if not any(rule(value, text, finding.start, finding.end) for rule in rules):
            kept.append(finding)
    return kept
