"""Phone numbers, found by Presidio's ``PhoneRecognizer`` in candidate windows only.

Presidio runs ``phonenumbers``' matcher over the whole text once per region (eight by
default), which made it the most expensive recognizer on LLM traffic: a long prompt with
a stack trace is parsed eight times for nothing. A phone number has at least eight digits
(the precision rules drop shorter ones anyway), so this recognizer first finds runs of
eight or more digits with phone separators between them, and runs the matcher on those
windows (plus a margin, so the matcher still sees what surrounds a number) instead.
Results are the ones Presidio would give for the number, less those the precision rules
drop; offsets are in the whole text.
(Presidio's own loop also re-parses each match to name its region in the explanation;
the region searched is named here, which saves a parse and changes no finding.)

Regions that share a numbering plan (the United States and Canada: country code 1, the
same national and international prefixes) parse a national number identically, so a
window is matched once per plan, not once per region; the finding names the plan's first
region. A unit test compares the two regions' matches on sixty thousand NANP-shaped texts.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
import regex
from phonenumbers.phonemetadata import PhoneMetadata
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from auditstream.processor.redaction.precision import keep_findings

# An optional "+" or "00", then at least 8 digits, with at most 3 separators (space,
# parentheses, dot, hyphen, slash) between consecutive digits. Bounded to 20 digits.
_CANDIDATE = regex.compile(r"(?:\+|\b00)?\(?\d(?:[ \t().\-/]{0,3}\d){7,19}")
# phonenumbers' Leniency.VALID, Presidio's default: a possible number valid for its region.
_LENIENCY = 1
# Characters of context the matcher sees on each side of a candidate.
_MARGIN = 8
_MAX_PHONE_DIGITS = 15


def numbering_plans(regions: tuple[str, ...]) -> tuple[str, ...]:
    """Return the first region of each numbering plan among ``regions``, in their order.

    Two regions are one plan here when they share the country code and the prefixes that
    ``phonenumbers.parse`` strips from a national number. Parse also reads the default
    region's number ranges, but only to decide whether a leading country code written
    without "+" is one; in the plan of country code 1 that digit is also the national
    prefix and is stripped either way (tested on US and CA, the only shared plan among
    Presidio's regions).
    """
    plans: dict[tuple[object, ...], str] = {}
    for region in regions:
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:
            plans[(region,)] = region  # unknown to phonenumbers: kept, as Presidio keeps it
            continue
        key = (
            meta.country_code,
            meta.international_prefix,
            meta.national_prefix,
            meta.national_prefix_for_parsing,
            meta.national_prefix_transform_rule,
        )
        plans.setdefault(key, region)
    return tuple(plans.values())


class WindowedPhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer, run on digit-run windows instead of the whole text."""

    def __init__(self) -> None:
        super().__init__(name="WindowedPhoneRecognizer", leniency=_LENIENCY)
        self._national_regions = numbering_plans(tuple(self.supported_regions))

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find phone numbers in the windows around long digit runs.

        Args:
            text: The text to analyze.
            entities: The entities asked for (this recognizer finds PHONE_NUMBER only).
            nlp_artifacts: Unused by the matcher; kept for the recognizer interface.

        Returns:
            Results with offsets in ``text``.
        """
        # [start, end, national]: a window of only "+" numbers needs one region's pass,
        # because a number with its country code parses the same in every region.
        windows: list[list[int]] = []
        for match in _CANDIDATE.finditer(text):
            if sum(c.isdigit() for c in match.group()) > _MAX_PHONE_DIGITS:
                continue  # a card, an IBAN or an id: E.164 numbers have 15 digits at most
            start, end = max(0, match.start() - _MARGIN), min(len(text), match.end() + _MARGIN)
            national = int(not match.group().startswith(("+", "00")))
            if windows and start <= windows[-1][1]:
                windows[-1][1] = end
                windows[-1][2] |= national
            else:
                windows.append([start, end, national])
        results: list[RecognizerResult] = []
        for start, end, national in windows:
            window = text[start:end]
            regions = self._national_regions if national else self.supported_regions[:1]
            for region in regions:
                for found in phonenumbers.PhoneNumberMatcher(window, region, leniency=_LENIENCY):
                    result = self._get_recognizer_result(  # type: ignore[no-untyped-call]
                        found, window, region, nlp_artifacts
                    )
                    result.start += start
                    result.end += start
                    results.append(result)
        deduplicated: list[RecognizerResult] = EntityRecognizer.remove_duplicates(results)
        # The precision rules judge these before Presidio merges them with ours: a number
        # this matcher scores higher than the phone-context recognizer ("Mobile: 0341
        # 70395") would take its finding with it when a rule then drops it.
        return keep_findings(text, deduplicated)
