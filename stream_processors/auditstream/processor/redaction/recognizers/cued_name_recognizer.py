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

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer, hint
from auditstream.processor.redaction.recognizers.name_shape import NAME, NAME_FLAGS

_PERSON_WORD = (
    r"(?i:passenger|guest|customer|client|patient|driver|candidate|applicant|tenant|"
    r"landlord|landlady|employee|assignee|cardholder|card\s+holder|account\s+holder|"
    r"borrower|co-borrower|guarantor|beneficiary|policyholder|policy\s+holder|claimant|"
    r"insured|signatory|debtor|titular|titulaire|inhaber|intestatario|rekeninghouder|"
    r"(?:assigned|escalated|reassigned|transferred|handed\s+over|reports|reporting)\s+to|"
    r"supervisor|line\s+manager|"
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
# A word in any case, where the phrase around it is the only evidence, and a capitalised
# family name after it ("yesenia", "Ana Lima"; not "yesenia shes").
_ANY_CASE_NAME = r"\p{L}[\p{L}\p{M}'\u2019-]{1,30}(?:[ ]\p{Lu}[\p{L}\p{M}'\u2019-]{1,30})?"
# "text marco at +1908...", "call Nesrin on 0612...", "email Ana at ana@x.org": someone
# reached at a number or an address that follows.
_CONTACT_VERB = r"(?i:text|call|ring|phone|message|msg|sms|whatsapp|ping|email|e-mail|mail)"
_CONTACT_AHEAD = r"[ \t]{1,3}(?i:at|on|via)[ \t]{1,3}(?:[+(]?\d|[\w.+-]{1,64}@)"
# "a birthday message for yesenia", "sign it from Nerissa": who a greeting is for or from.
_OCCASION_FOR = (
    r"(?i:(?:birthday|bday|anniversary|wedding|farewell|retirement|get[ -]well|thank[ -]you)"
    r"[ \t]{1,3}(?:message|card|note|wish(?:es)?|poem|toast|speech|text)[ \t]{1,3}(?:for|to))"
)
_SIGN_OFF = r"(?i:sign(?:ed)?[ \t]{1,3}(?:it[ \t]{1,3})?(?:from|as|by))"
# Above spaCy's 0.85: Presidio drops a finding inside a higher-scored one of the same type,
# and spaCy's "text marco" (lower case, so dropped by a precision rule) would take "marco".
_ABOVE_NER = 0.9
# Words those cues also take that are not a person ("text support at", "call us on").
_NOT_A_NAME = (
    r"(?i:(?:support|us|me|him|her|them|you|the|our|my|your|customer|service|sales|team|"
    r"office|desk|back|again|now|home|work|someone|anyone|everyone|it|this|that)\b)"
)


class CuedNameRecognizer(HintedPatternRecognizer):
    """Find ``PERSON`` names after a word or label that introduces a person."""

    # The East Asian patterns need characters outside ASCII; the others a cue, then a space
    # or a tab (looked for behind each space or tab, which is cheaper than trying every cue
    # at every position).
    HINTS = (
        hint(r"[^\x00-\x7f]"),
        hint(rf"(?<=(?:{_PERSON_WORD}|{_CONTACT_VERB}|{_OCCASION_FOR}|{_SIGN_OFF}):?)[ \t]"),
    )
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("person_word", rf"(?<=\b{_PERSON_WORD}[ \t]{{0,2}}:?[ \t]{{1,3}}){_NAME}", 0.8),
        Pattern(
            "east_asian_label",
            rf"(?<={_EAST_ASIAN_LABEL}[ \t]{{0,2}}[:\uff1a]?[ \t]{{0,3}}){_NAME}",
            0.85,
        ),
        # Japanese honorifics and "in the name of" after a name: "松永 ヒデ 様",
        # "三田村 あずさ」名義".
        Pattern(
            "japanese_honorific",
            r"(?<![\p{Han}\p{Hiragana}\p{Katakana}])[\p{Han}\p{Hiragana}\p{Katakana}]{1,5}"
            r"(?:[ \u3000][\p{Han}\p{Hiragana}\p{Katakana}]{1,5})?"
            r"(?=[ \u3000]?(?:様|さん|氏|殿|」名義))",
            0.8,
        ),
        Pattern(
            "uncased_after_preposition", rf"(?<=\b(?:for|by|with)[ \t]{{1,3}}){_UNCASED_NAME}", 0.7
        ),
        Pattern(
            "reached_at_contact",
            rf"(?<=\b{_CONTACT_VERB}[ \t]{{1,3}})(?!{_NOT_A_NAME})"
            rf"{_ANY_CASE_NAME}(?={_CONTACT_AHEAD})",
            _ABOVE_NER,
        ),
        Pattern(
            "occasion_for",
            rf"(?<=\b{_OCCASION_FOR}[ \t]{{1,3}}"
            rf"(?:(?i:my|our)[ \t]{{1,3}}\p{{Ll}}{{2,12}}[ \t]{{1,3}})?)"
            rf"(?!{_NOT_A_NAME}){_ANY_CASE_NAME}(?=[ \t,.!?]|$)",
            _ABOVE_NER,
        ),
        Pattern(
            "sign_off",
            rf"(?<=\b{_SIGN_OFF}[ \t]{{1,3}})(?!{_NOT_A_NAME}){_ANY_CASE_NAME}",
            _ABOVE_NER,
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
