"""Names in structured text under a key that means a person.

Shapes: ``"customer_name": "Aiko Khan"``, ``full_name: Aiko Khan``, ``cardholder=Aiko Khan``.

Tool inputs and outputs are JSON, where NER sees no sentence and misses most names. Keys
that hold other names (``file_name``, ``model_name``, ``company_name``) are not listed.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer, hint
from auditstream.processor.redaction.recognizers.name_shape import NAME, NAME_FLAGS

_KEY = (
    r"(?i:(?:customer|contact|recipient|display|patient|employee|holder|user|account_?holder|"
    r"sender|passenger|guest|traveller|traveler|applicant|beneficiary)?_?(?:full_?)?name|"
    r"first_?name|last_?name|given_?name|family_?name|surname|cardholder|card_?holder|"
    r"account_?holder|author|assignee|reporter|customer|contact|recipient|beneficiary|"
    # Admin actions and tickets name people under these keys ("target_user: Aiko Khan").
    r"(?:target|end|assigned|new|old)_?user|owner|requester|approver|reviewer|"
    r"(?:requested|approved|reviewed|created|updated|modified|deleted|granted)_?by|"
    r"employee|manager|member|tenant|patient|passenger|driver|guest|holder)"
)


_PERSON_ONLY_KEY = (
    r"(?i:(?:customer|contact|recipient|patient|employee|holder|account_?holder|passenger|"
    r"guest|traveller|traveler|applicant|beneficiary|full|first|last|given|family|legal|"
    r"maiden|driver|tenant|member)_?name|surname|cardholder|card_?holder|holder|"
    r"name_?on_?card)"
)


_CONTACT_KEY = (
    r"\"(?i:e-?mail|phone|mobile|tel|telephone|cell|dob|birth_?date|date_?of_?birth|"
    r"address|home_?address)\w*\"[ \t]{0,3}:"
)


class LabelledNameRecognizer(HintedPatternRecognizer):
    """Find ``PERSON`` values of person-name keys in JSON, YAML and key=value text."""

    # A key of the patterns ("name" is one of _KEY), then its colon or equals sign, looked
    # for behind each colon and equals sign.
    HINTS = (hint(rf"(?<=(?:{_KEY}|{_PERSON_ONLY_KEY})[\"']?[ \t]{{0,3}})[:=]"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        # Under a quoted key that can only mean a person ("customer_name", not "name",
        # which also names tables and buckets) the value is a name whatever its case:
        # "amber norton", "شقتي سين".
        Pattern(
            "json_person_value_any_case",
            rf"(?<=(?<![A-Za-z0-9])\"{_PERSON_ONLY_KEY}\"[ \t]{{0,3}}:[ \t]{{0,3}}\")"
            r"[\p{L}\p{M}'\u2019.-]{2,40}(?:[ ][\p{L}\p{M}'\u2019.-]{1,40}){0,3}(?=\")",
            0.8,
        ),
        Pattern(
            "json_person_value",
            rf"(?<=(?<![A-Za-z0-9])\"{_KEY}\"[ \t]{{0,3}}:[ \t]{{0,3}}\"){NAME}(?=\")",
            0.8,
        ),
        # {"name": "Fee an de Beke", "phone": "+31 ..."}: "name" alone also names tables
        # and buckets, but beside a phone, e-mail, birth date or address it is a person's.
        Pattern(
            "json_name_beside_contact",
            rf"(?<=\"name\"[ \t]{{0,3}}:[ \t]{{0,3}}\")[\p{{L}}\p{{M}}'\u2019.-]{{2,40}}"
            rf"(?:[ ][\p{{L}}\p{{M}}'\u2019.-]{{1,40}}){{0,4}}(?=\"[ \t]{{0,3}},[ \t\n]{{0,12}}"
            rf"{_CONTACT_KEY})",
            0.8,
        ),
        # {"name": {"given": "Klothilda", "family": "Habich"}}: the parts of a name object.
        Pattern(
            "json_name_part",
            r"(?<=\"name\"[ \t]{0,3}:[ \t]{0,3}\{[^{}]{0,120}\"(?i:given|family|middle|first|last)"
            r"\"[ \t]{0,3}:[ \t]{0,3}\")[\p{L}\p{M}'\u2019.-]{1,40}"
            r"(?:[ ][\p{L}\p{M}'\u2019.-]{1,40}){0,3}(?=\")",
            0.85,
        ),
        Pattern(
            "key_value_person",
            # Not the start of an identifier: "- name: SMTP_PASSWORD".
            rf"(?<=(?<![A-Za-z0-9\"]){_KEY}[ \t]{{0,3}}[:=][ \t]{{0,3}}){NAME}(?![\w-])",
            0.8,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="LabelledNameRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
            global_regex_flags=NAME_FLAGS,
        )
