"""The words around a capitalised word that make it a person's name, for the name gazetteer.

A word that is a known name and also an English word ("Grant", "Rose"), or a word that
no list knows ("Naile"), is a name only by what stands next to it: a word that
introduces a person before it, a verb of speech after it, a neighbour in a list of
names. A name right before a product or place word is a brand or a site instead.
"""

from __future__ import annotations

import regex

# A single word that is also an English word is a name next to one of these.
CUE_BEFORE = regex.compile(
    r"(?i:\b(?:said|says|told|asked|shouted\s+at|shouted|to|with|and|dear|hi|hello|hey|"
    r"thanks|thank\s+you|mr|mrs|ms|miss|dr|prof|sir|kid|son|daughter|wife|husband|brother|"
    r"sister|mother|father|mom|dad|(?:named|called)(?:\s+(?:him|her|them))?|name\s+is|by|from|"
    r"under|cc|attn|for|colleague|manager|agent|customer|patient|user|friend|me)\.?[,:]?)\s{1,2}$"
)
# A name right before one of these is a brand: "the Hugo Boss gift card", "Dyson store".
PRODUCT_AFTER = regex.compile(
    r"(?:['\u2019]s)?\s{1,2}(?i:gift\s+card|store|shop|outlet|shoes|sneakers|boots|jeans|bag|"
    r"handbag|watch|perfume|fragrance|laptop|phone|vacuum|subscription|voucher|coupon|"
    r"products?|brand|jacket|car|model|app|whisk(?:e)?y|burger|restaurant)\b"
)
# A name right before one of these is a place: "our Chelsea office", "Marion airport".
PLACE_AFTER = regex.compile(
    r"\s{1,2}(?i:office|offices|airport|branch|warehouse|depot|campus|site|hub|station|"
    r"support\s+desk|help\s?desk|headquarters|hq|plant|factory|location|stadium)\b"
)
STRONG_CUE_BEFORE = regex.compile(
    r"(?i:\b(?:said|says|told|asked|shouted\s+at|dear|hi|hello|hey|mr|mrs|ms|miss|dr|"
    r"(?:named|called)(?:\s+(?:him|her|them))?|name\s+is|name's|name\?|directed\s+by|written\s+by|signed\s+by|attn|cc)"
    r"\.?[,:]?)\s{1,4}$"
)
LINE_START = regex.compile(r"(?:^|\n)[ \t>]{0,4}$")
CUE_AFTER = regex.compile(
    r"^(?:['\u2019]s\b|\s{0,2}[,:]?\s{0,2}(?i:said|says|shouted|asked|told|wrote|replied|lives|"
    r"is\s+from|was|is|has|had|will|who|and|called|here|speaking)\b|\s{0,2}:)"
)
LIST_JOINER = regex.compile(
    r"^(?:\s{0,2},\s{0,2}|\s{1,2}(?:and|&|or)\s{1,2}|\s{0,2},\s{0,2}and\s{1,2})$"
)
# Words that open a sentence or a line and are no English word in WordNet's sense:
# pronouns and chat interjections ("They named her ...", "Hmm, can you ...").
_FUNCTION_WORDS = frozenset(
    [
        *("i", "you", "he", "she", "it", "we", "they", "who", "whom", "whose", "there"),
        *("someone", "somebody", "anyone", "anybody", "everyone", "everybody", "nobody"),
        *("hmm", "hmmm", "umm", "uhm", "btw", "pls", "plz", "lol", "ugh", "yeah", "yep"),
        *("nope", "fyi", "imo", "tbh", "idk", "thx", "okay", "ok", "yes", "no", "hey"),
    ]
)
# "Obuya's wife", "Quenwyn's address:" and a street line: only a person has these. A
# product has an account, a phone number, an e-mail and an address too ("Redis's address
# is 10.0.0.5"), so an address counts only with a house number after it.
_PERSONAL_POSSESSION_AFTER = regex.compile(
    r"['\u2019]s[ ]{1,2}(?:(?i:birthday|wife|husband|mother|father|mom|mum|dad|son|daughter|"
    r"brother|sister|girlfriend|boyfriend|passport|parents)\b"
    r"|(?i:home[ ]{1,2})?address[ \t:]{0,3}(?:\n[ \t]{0,4}){0,2}\d{1,6}(?:[ ]\d{1,6})?"
    r"[ ]{1,2}\p{L})"
)
# "... lives at 12 ...", "... lives on 883 ...": the subject of a home address with a number.
_LIVES_AT_NUMBER_AFTER = regex.compile(r"[ ]{1,2}(?:lives|lived)[ ]{1,2}(?:at|on|in)[ ]{1,2}\d")
# The start of a sentence: a line start, or a full stop, "!" or "?" and a space.
_SENTENCE_START = regex.compile(r"(?:^|\n|[.!?][\"'\u201d)]?[ \t]{1,3})[ \t>\"'\u201c]{0,2}$")
# A lower-case word right after a sentence's first word: a verb, so that word is a subject.
_PREDICATE_AFTER = regex.compile(r"[ ]{1,2}\p{Ll}{2,}\b")
# A personal pronoun in the rest of the sentence or the next one refers to a person: the
# subject that opened the sentence ("Tavrosz published his first novel at nineteen").
# Object and possessive forms only: "he" and "she" mostly open a clause of their own
# ("Kubectl began timing out after he upgraded").
_PERSONAL_PRONOUN = regex.compile(r"(?i:\b(?:him|his|her|hers|himself|herself)\b)")
# English calls a city, a country or a ship "she", never "he" ("Florence is lovely in May,
# her museums especially"): after a word that is also a place, only these count.
_MASCULINE_PRONOUN = regex.compile(r"(?i:\b(?:him|his|himself)\b)")
_PRONOUN_WINDOW = 120  # characters: about one long sentence or two short ones
# Words that open a request after a name that opens a line: "Dravik, could you ...".
_REQUEST_AFTER = regex.compile(
    r", (?i:can|could|would|will|please|do|don't|did|are|have|I|you|we|let's|thanks|thank|"
    r"where|when|what|how|why|is|it's)\b"
)
# A name between a comma and "!" or "?" at the end of a sentence: "Please don't go, Florence!".
_VOCATIVE_BEFORE = regex.compile(r",[ ]$")
_VOCATIVE_AFTER = regex.compile(r"[!?]")
# A line of a transcript that speaks: a quote, or a first or second person word.
_SPEECH_AFTER = regex.compile(
    r':[ \t]{0,2}(?:["\u201c]|[^\n]{0,80}?\b(?:I|I\'m|me|my|you|your|we)\b)'
)


def person_context_after(text: str, end: int) -> bool:
    """Tell whether the words after a single word say that it names a person.

    Args:
        text: The analyzed text.
        end: Where the word ends.

    Returns:
        True after "'s address" and the like, or before "lives at" and a house number.
    """
    return bool(
        _PERSONAL_POSSESSION_AFTER.match(text, end) or _LIVES_AT_NUMBER_AFTER.match(text, end)
    )


def subject_of_a_person(text: str, start: int, end: int, *, place: bool = False) -> bool:
    """Tell whether a word opens a sentence as its subject, and a pronoun refers to a person.

    Args:
        text: The analyzed text.
        start: Where the word starts.
        end: Where it ends.
        place: The word is also a place, so a feminine pronoun may refer to it as one.

    Returns:
        True for "Tavrosz published his first novel at nineteen".
    """
    return bool(
        text[start:end].lower() not in _FUNCTION_WORDS
        and _SENTENCE_START.search(text, max(0, start - 8), start)
        and _PREDICATE_AFTER.match(text, end)
        and (_MASCULINE_PRONOUN if place else _PERSONAL_PRONOUN).search(
            text, end, end + _PRONOUN_WINDOW
        )
    )


def spoken_to(text: str, start: int, end: int) -> bool:
    """Tell whether a word is the name of someone spoken to.

    Args:
        text: The analyzed text.
        start: Where the word starts.
        end: Where it ends.

    Returns:
        True for a word that opens a line before a request ("Dravik, could you ...") or that
        ends a sentence after a comma ("Please don't go, Florence!").
    """
    if text[start:end].lower() in _FUNCTION_WORDS:
        return False
    opens_a_request = bool(
        LINE_START.search(text, max(0, start - 8), start) and _REQUEST_AFTER.match(text, end)
    )
    return opens_a_request or bool(
        _VOCATIVE_BEFORE.search(text, max(0, start - 2), start) and _VOCATIVE_AFTER.match(text, end)
    )


def speaks_a_line(text: str, start: int, end: int) -> bool:
    """Tell whether a word opening a line speaks it, as in a transcript.

    Args:
        text: The analyzed text.
        start: Where the word starts.
        end: Where it ends.

    Returns:
        True for 'Florence: "Where were you?"' and "Florence: you owe me a call.".
    """
    return bool(
        LINE_START.search(text, max(0, start - 8), start) and _SPEECH_AFTER.match(text, end)
    )
