"""Names right after a word that introduces a person, in prose and in forms.

"passenger Leyna Pasquier", "assigned to Thorello Faro", "Name on card: JAMAL CARRILLO",
"a nombre de Bronco Navarro", "氏名: 菓子愛子", "이름: 앵혜윤", "passenger 권수연". The word in
front says a person follows, whatever the NER model makes of the name: the small English
model misses names of other languages and scripts most often.

Names in scripts without capitals carry no evidence of their own, so after the looser
prepositions ("for 산대호", "by 池宮城勝利") only such a run counts, and only as long as a
name is (two to six characters).
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

from auditstream.processor.redaction.recognizers.name_shape import NAME, NAME_FLAGS

_PERSON_WORD = (
    r"(?i:passenger|guest|customer|client|patient|driver|candidate|applicant|tenant|"
    r"landlord|landlady|employee|assignee|cardholder|card\s+holder|account\s+holder|"
    r"(?:assigned|escalated|reassigned|transferred|handed\s+over)\s+to|"
    r"name\s+on\s+(?:the\s+)?card|"
    r"a\s+nombre\s+de|au\s+nom\s+de|a\s+nome\s+di|em\s+nome\s+de|im\s+namen\s+von|"
    r"auf\s+den\s+namen|op\s+naam\s+van)"
)
# Labels of a form in Japanese, Chinese and Korean: name, contact, consignee, passenger.
_EAST_ASIAN_LABEL = (
    r"(?:氏名|お名前|名前|姓名|名字|联系人|聯絡人|收件人|收货人|乘客|客户|患者|担当者|"
    r"이름|성명|성함|고객명|담당자)"
)
# A name starts with two letters: "employee E-40202" names an id, not a person.
_NAME = rf"(?=\p{{L}}{{2}}){NAME}"
_UNCASED_NAME = r"(?:\p{Hangul}{2,4}|[\p{Han}\p{Hiragana}\p{Katakana}]{2,6})(?![\p{L}\p{M}])"


class CuedNameRecognizer(PatternRecognizer):
    """Find ``PERSON`` names after a word or label that introduces a person."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("person_word", rf"(?<=\b{_PERSON_WORD}[ \t]{{0,2}}:?[ \t]{{1,3}}){_NAME}", 0.8),
        Pattern(
            "east_asian_label",
            rf"(?<={_EAST_ASIAN_LABEL}[ \t]{{0,2}}[:\uff1a]?[ \t]{{0,3}}){_NAME}",
            0.85,
        ),
        Pattern(
            "uncased_after_preposition", rf"(?<=\b(?:for|by|with)[ \t]{{1,3}}){_UNCASED_NAME}", 0.7
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="CuedNameRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
            # The capitals are the evidence (see name_shape).
            global_regex_flags=NAME_FLAGS,
        )
