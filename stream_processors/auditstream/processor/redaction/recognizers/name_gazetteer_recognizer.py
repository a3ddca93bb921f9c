"""Names from a gazetteer of first and family names across cultures: NER's second signal.

spaCy's small English model misses names it has not seen ("Pauliina", "Usman"), labels
others ORG or GPE ("by Albina Tomaszewska"), and loses lower-case ones. This recognizer
reads runs of capitalised words (with particles such as "van der" and initials such as
"K." inside) and looks each word up in the first and family names of every locale of
Faker's person provider (about 30,000 of each; maintained data, not a list of ours).

Looking a word up is not enough: "Grant", "Rose", "Jordan" and "Austin" are names and
also words or places. So:

- a run of two or three words is a name when every word is a known name, or when the
  words that are not are neither English words nor places ("Dmitar Ruedl", "Agi P
  Szöts"); a run that ends in a street or company word ("Grant Street", "Jordan Ltd"),
  stands before a product word ("the Hugo Boss gift card"), or is a place ("San
  Francisco"), is not;
- a single word is a name when it is a known name and neither an English word (WordNet's
  verbs, adjectives and adverbs, and its nouns that are no names; spaCy's English model
  ships them), a place (GeoNames' cities of 100,000 or more, countries, US states), a
  month nor a product; a word that is also an English word needs a person cue next to it
  ("said Grant", "Hi Rose,", "Will shouted") or a neighbour in a list of names ("Platt,
  David and Claudia"); an unknown word needs a strong cue ("said Naile"), to speak a
  line of a transcript ("Mineko: ..."), to be spoken to ("Dravik, could you ..."), a
  person's possession ("Orsolak's wife"), or to open a sentence that a personal pronoun
  refers back to ("Tavrosz published his first novel at nineteen"); a given name
  that is also a place needs such a context too ("Please don't go, Florence!"), see
  :mod:`.name_context`;
- a known given name vouches for a family name that is a place ("Lisette Palermo"), and a
  middle initial for a known family name ("Walter J Kowalski");
- a lower-case pair is a name only when both words are known names and neither is an
  English word ("rebecca nowak");
- a word of a script without capitals is a name when it is a known name, or a known
  family name followed by a known given name ("김지은", "卢娟").
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass

import regex
from faker.providers import person as faker_person
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.places import geonames_places
from auditstream.processor.redaction.precision_vocabulary import (
    EPONYMOUS_BRANDS,
    MODEL_NAME,
    NOT_PEOPLE,
    PRODUCT_BEFORE,
)
from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer
from auditstream.processor.redaction.recognizers.name_context import (
    CUE_AFTER,
    CUE_BEFORE,
    LINE_START,
    LIST_JOINER,
    PLACE_AFTER,
    PRODUCT_AFTER,
    STRONG_CUE_BEFORE,
    person_context_after,
    speaks_a_line,
    spoken_to,
    subject_of_a_person,
)

PERSON = "PERSON"
# Above spaCy's 0.85: where both find the same span, Presidio keeps the higher score, and
# the gazetteer's finding has passed its own checks (spaCy's may fall to a precision rule,
# and with it the name).
SCORE = 0.9

_TOKEN = regex.compile(
    r"(?<![\p{L}\p{N}_@/\\.-])(?:"
    r"\p{Lu}\p{Ll}?\p{Lu}[\p{Ll}\p{M}]{2,}"  # McDowell, IJzermans, DeAndre
    r"|\p{Lu}['\u2019]\p{Lu}[\p{Ll}\p{M}]+"  # O'Brien, D'Angelo
    r"|\p{Lu}[\p{Ll}\p{M}]+(?:['\u2019-]\p{L}[\p{Ll}\p{M}]+)*"  # Maria, O'Brien, Fernández-Díaz
    r"|\p{Lu}\.?(?=[ ]\p{Lu})"  # an initial before another capitalised word
    r"|(?:van|von|der|den|de|del|della|di|da|dos|das|du|le|la|ter|ten|bin|ibn|al|el)"
    r")(?![\p{L}\p{N}_@])"
)
_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "le",
        "la",
        "ter",
        "ten",
        "bin",
        "ibn",
        "al",
        "el",
    ]
)
# Scripts without capitals: a name is one to three words of them ("吉田 美加子", "김지은",
# "عاقل طزيز"); Chinese, Japanese and Korean names are often written without a space.
_UNCASED_RUN = regex.compile(
    r"(?<![\p{L}\p{N}])(?:[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Arabic}\p{Devanagari}"
    r"\p{Thai}\p{Hebrew}]+(?:[ ](?=[\p{Han}\p{Hangul}\p{Arabic}\p{Devanagari}\p{Thai}\p{Hebrew}])|"
    r"(?![ ][\p{Han}\p{Hangul}\p{Arabic}\p{Devanagari}\p{Thai}\p{Hebrew}]))){1,3}"
    r"(?![\p{L}\p{N}])"
)
_MAX_FAMILY_NAME_CHARS = 3
_LOWER_PAIR = regex.compile(r"(?<![\p{L}\p{N}_@./-])(\p{Ll}{3,})[ ](\p{Ll}{3,})(?![\p{L}\p{N}_@])")
# A lower-case pair after a word for a person in someone's life ("my landlord marietta
# jakimowicz") is a name when neither word is an English word, known names or not.
_RELATION_BEFORE = regex.compile(
    r"(?i:\b(?:(?:my|our|your|his|her|their)\s+(?:landlord|landlady|boss|manager|wife|"
    r"husband|partner|friend|neighbou?r|colleague|coworker|co-worker|roommate|flatmate|"
    r"tenant|doctor|dentist|teacher|nanny|son|daughter|mom|mum|dad|mother|father|brother|"
    r"sister|uncle|aunt|cousin|grandma|grandpa)|account\s+holder|named|called))\s{1,2}$"
)
# One or two lower-case words after a self-introduction, before a comma, the end of the
# clause or a word that starts the next one: "i'm zelipe, email ...", "this is imran i
# forgot", "hi its williemae le again", "her name is diedra chen". They are a name unless
# a word of them is an English word ("i'm stuck,", "this is urgent").
_LOWER_INTRO = regex.compile(
    r"(?i:(?<![\p{L}'])(?:i'?m|i\s+am|(?:my|her|his|their)\s+name\s+is|my\s+name's|"
    r"this\s+is|it'?s|call\s+me|(?:is|acct|account)\s+under)[ \t]{1,2})"
    r"(\p{Ll}[\p{Ll}\p{M}'-]{2,30}(?:[ ]\p{Ll}[\p{Ll}\p{M}'-]{1,30})?)"
    r"(?=[ \t]{0,2}(?:[,.;!?\n]|$|-[ \t]|(?:i|again|not|and|here)\b))"
)
_INFLECTED = regex.compile(r"(?:ing|ed|ly)$")
# Words that end a run of capitalised words that is a street, a company or an institution.
_NOT_A_NAME_END = frozenset(
    [
        "street",
        "st",
        "road",
        "rd",
        "avenue",
        "ave",
        "lane",
        "drive",
        "way",
        "court",
        "place",
        "square",
        "boulevard",
        "park",
        "inc",
        "ltd",
        "llc",
        "plc",
        "corp",
        "co",
        "company",
        "group",
        "bank",
        "university",
        "college",
        "school",
        "hospital",
        "institute",
        "foundation",
        "fund",
        "trust",
        "partners",
        "holdings",
        "capital",
        "ag",
        "gmbh",
        "sa",
        "spa",
        "nv",
        "bv",
        "airport",
        "station",
        "hotel",
        "center",
        "centre",
        "mall",
        "market",
        "bridge",
        "river",
        "lake",
        "mountain",
        "beach",
        "county",
        "city",
        "state",
        "republic",
        "kingdom",
        "island",
        "islands",
    ]
)
_MONTHS_AND_DAYS = frozenset(
    [
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
# Capitalised at the start of a sentence, never part of a name.
_LEADING_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "this",
        "that",
        "these",
        "those",
        "dear",
        "hi",
        "hello",
        "hey",
        "good",
        "thanks",
        "thank",
        "ok",
        "so",
        "and",
        "but",
        "or",
        "if",
        "when",
        "while",
        "as",
        "at",
        "in",
        "on",
        "of",
        "for",
        "with",
        "from",
        "by",
        "to",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "sir",
        "madam",
    ]
)


@dataclass(frozen=True, slots=True)
class NameLexicon:
    """The word lists the recognizer reads.

    Attributes:
        first: Given names, as written (capitalised).
        last: Family names, as written.
        lower_first: Given names, lower-cased.
        lower_last: Family names, lower-cased.
        words: English words, lower-cased (a name that is also a word needs a cue).
        places: Places, as written (never a name on their own).
    """

    first: frozenset[str]
    last: frozenset[str]
    lower_first: frozenset[str]
    lower_last: frozenset[str]
    words: frozenset[str]
    places: frozenset[str]


def faker_names() -> tuple[set[str], set[str]]:
    """Return the first and family names of every locale of Faker's person provider."""
    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(faker_person.__path__):
        provider = getattr(
            importlib.import_module(f"{faker_person.__name__}.{module.name}"), "Provider", None
        )
        attributes = vars(provider) if provider else {}
        for name, value in attributes.items():
            target = first if name.startswith("first_names") else None
            target = last if name.startswith("last_names") else target
            if target is not None and isinstance(value, dict | list | tuple):
                target.update(w for w in value if isinstance(w, str) and w.isalpha() is not False)
    return first, last


def build_lexicon(english_words: Iterable[str], *, nouns: Iterable[str] = ()) -> NameLexicon:
    """Build the lexicon from Faker's names, GeoNames' places and the given English words.

    Args:
        english_words: Lower-case English words other than nouns (WordNet's verbs,
            adjectives and adverbs from spaCy's model): a name that is one needs a cue.
        nouns: Lower-case nouns; those that are also names count as names ("arthur",
            "chen" are WordNet nouns for a king and a surname), the rest as words.

    Returns:
        The lexicon.
    """
    first, last = faker_names()
    lower_first = frozenset(n.lower() for n in first)
    lower_last = frozenset(n.lower() for n in last)
    common_nouns = {n for n in nouns if n not in lower_first and n not in lower_last}
    return NameLexicon(
        first=frozenset(first),
        last=frozenset(last),
        lower_first=lower_first,
        lower_last=lower_last,
        words=frozenset(english_words) | common_nouns | _MONTHS_AND_DAYS,
        places=frozenset(geonames_places()),
    )


@dataclass(slots=True)
class _Run:
    """Consecutive capitalised words (with particles and initials) in a text."""

    start: int
    end: int
    words: list[str]


class NameGazetteerRecognizer(CodeRecognizer):
    """Find person names by looking words up in a name gazetteer.

    Args:
        lexicon: The word lists.
    """

    def __init__(self, lexicon: NameLexicon) -> None:
        self._lexicon = lexicon
        super().__init__([PERSON])

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find names by the gazetteer, their cues and their neighbours."""
        runs = self._runs(text)
        verdicts = [self._verdict(text, run) for run in runs]
        # In a list of names, a word that is also an English word, or is not in the
        # gazetteer, is a name too: "Platt, David, Claudia and Oscar".
        for i, (run, verdict) in enumerate(zip(runs, verdicts, strict=True)):
            if not verdict and self._listable(run):
                neighbours = (i - 1, i + 1)
                if any(
                    0 <= j < len(runs)
                    and verdicts[j]
                    and LIST_JOINER.match(
                        text[min(runs[j].end, run.end) : max(runs[j].start, run.start)]
                    )
                    for j in neighbours
                ):
                    verdicts[i] = True
        results = [
            self.result(PERSON, run.start, run.end, score=SCORE, why="name gazetteer")
            for run, is_name in zip(runs, verdicts, strict=True)
            if is_name
        ]
        results.extend(self._lower_case_names(text))
        results.extend(self._uncased_names(text))
        return results

    def _uncased_names(self, text: str) -> list[RecognizerResult]:
        if text.isascii():
            return []
        results = []
        for match in _UNCASED_RUN.finditer(text):
            words = match.group().split()
            if any(self._uncased_known(word) for word in words):
                results.append(
                    self.result(PERSON, match.start(), match.end(), score=SCORE, why="name")
                )
        return results

    def _uncased_known(self, word: str) -> bool:
        lex = self._lexicon
        if word in lex.first or word in lex.last:
            return True
        # "김지은", "卢娟": a family name of one to three characters, then a given name.
        return any(
            word[:n] in lex.last and word[n:] in lex.first
            for n in range(1, min(_MAX_FAMILY_NAME_CHARS, len(word) - 1) + 1)
        )

    def _runs(self, text: str) -> list[_Run]:
        groups: list[list[tuple[int, int, str]]] = []  # (start, end, word) per run
        for match in _TOKEN.finditer(text):
            if groups and text[groups[-1][-1][1] : match.start()] in (" ", "  "):
                groups[-1].append((match.start(), match.end(), match.group()))
            else:
                groups.append([(match.start(), match.end(), match.group())])
        runs = []
        for words in groups:
            # A capitalised "The" or "Dear" starts a sentence, not a name; particles and
            # initials never end one ("... and van", "Leeds K").
            while words and words[0][2].lower().rstrip(".") in _LEADING_WORDS:
                words.pop(0)
            while words and (words[-1][2] in _PARTICLES or len(words[-1][2]) <= 2):
                words.pop()
            if words:
                runs.append(_Run(words[0][0], words[-1][1], [w for _, _, w in words]))
        return runs

    def _core(self, run: _Run) -> list[str]:
        return [w for w in run.words if w not in _PARTICLES and len(w.rstrip(".")) > 1]

    def _listable(self, run: _Run) -> bool:
        core = self._core(run)
        lex = self._lexicon
        # A given name that is also a city ("Mary", "Elizabeth") is a name among names.
        return (
            len(core) == 1
            and (core[0] not in lex.places or core[0] in lex.first)
            and core[0].lower() not in _MONTHS_AND_DAYS
            and (core[0] in lex.first or core[0] in lex.last or core[0].lower() not in lex.words)
        )

    def _verdict(self, text: str, run: _Run) -> bool:
        lex = self._lexicon
        core = self._core(run)
        phrase = " ".join(run.words)
        lowered = phrase.lower()
        if (
            not core
            or (phrase in lex.places and len(core) > 1)  # one word: see _single_verdict
            or " ".join(core).lower() in EPONYMOUS_BRANDS
            or PRODUCT_AFTER.match(text, run.end)
            or PLACE_AFTER.match(text, run.end)
            or PRODUCT_BEFORE.search(text, max(0, run.start - 12), run.start)
            or lowered in NOT_PEOPLE
            or MODEL_NAME.fullmatch(lowered)
            or core[-1].lower() in _NOT_A_NAME_END
            or any(w.lower() in NOT_PEOPLE for w in core)
        ):
            return False
        if len(core) >= 2:
            known = [w in lex.first or w in lex.last for w in core]
            # A given name that is neither a word nor a place vouches for a family name
            # that is a place ("Lisette Palermo", "Chiara Messina").
            given = core[0] in lex.first and self._plain(core[0]) and core[0] not in lex.places
            others_plain = all(
                k
                or (w.lower() not in lex.words and w not in lex.places)
                or (given and i > 0 and w in lex.places)
                for i, (w, k) in enumerate(zip(core, known, strict=True))
            )
            # Known names, or with words that are neither English words nor places; or two
            # or three such words alone: "Dmitar Ruedl", "Agi P Szöts"; or a known family
            # name after an initial ("Honest J Nowak": a first name that is also a word).
            initialled = len(run.words) == 3 and len(run.words[1].rstrip(".")) == 1
            return (
                all(known)
                or (others_plain and not PRODUCT_AFTER.match(text, run.end))
                or (initialled and core[-1] in lex.last)
            )
        return self._single_verdict(text, run, core[0])

    def _inflected(self, word: str) -> bool:
        """A plural or inflected form of an English word ("Dashboards", "Deployed")."""
        lowered, words = word.lower(), self._lexicon.words
        stems = (lowered[:-1], lowered[:-2], lowered[:-3] + "y", lowered[:-3], lowered[:-2] + "e")
        return any(stem in words for stem in stems if len(stem) > 2)

    def _plain(self, word: str) -> bool:
        """A word of three letters or more that is no English word."""
        return word.lower() not in self._lexicon.words and len(word) > 2

    def _single_verdict(self, text: str, run: _Run, word: str) -> bool:
        lex = self._lexicon
        if word.lower() in _MONTHS_AND_DAYS:
            return False
        before = text[max(0, run.start - 24) : run.start]
        if word in lex.places:
            # "shouted at Mary", "said Elizabeth": a person cue outweighs the city, and so
            # does being spoken to, speaking a line, or a pronoun that refers to a person.
            return word in lex.first and (
                STRONG_CUE_BEFORE.search(before) is not None
                or spoken_to(text, run.start, run.end)
                or speaks_a_line(text, run.start, run.end)
                or subject_of_a_person(text, run.start, run.end, place=True)
            )
        # "Sue, can I please speak to your boss?": a known name opening a line, then a comma.
        known = word in lex.first or word in lex.last
        if known and LINE_START.search(before) and text.startswith(", ", run.end):
            return True
        plain = self._plain(word)
        if word not in lex.first and word not in lex.last:
            return plain and self._unknown_verdict(text, run, word, before)
        if plain:
            return True
        after = text[run.end : run.end + 24]
        return bool(CUE_BEFORE.search(before) or CUE_AFTER.match(after))

    def _unknown_verdict(self, text: str, run: _Run, word: str, before: str) -> bool:
        # An unknown word is a name only after a word that introduces a person, as the
        # speaker of a line of a transcript ("Mineko: What a wife."), when spoken to, with
        # a person's possession ("Quenwyn's address"), or as the subject of a sentence that
        # a personal pronoun refers back to. The weaker contexts need a word that is no
        # English word inflected ("Dashboards began failing after she ...").
        speaker = LINE_START.search(before) is not None and text[run.end : run.end + 1] == ":"
        if STRONG_CUE_BEFORE.search(before) or speaker:
            return True
        return not self._inflected(word) and (
            spoken_to(text, run.start, run.end)
            or person_context_after(text, run.end)
            or subject_of_a_person(text, run.start, run.end)
        )

    def _lower_case_names(self, text: str) -> list[RecognizerResult]:
        lex = self._lexicon
        results = []
        for match in _LOWER_PAIR.finditer(text, overlapped=True):
            given, family = match.group(1), match.group(2)
            if given in lex.words or family in lex.words:
                continue
            known = given in lex.lower_first and family in lex.lower_last
            before = text[max(0, match.start() - 24) : match.start()]
            if known or _RELATION_BEFORE.search(before):
                results.append(
                    self.result(
                        PERSON, match.start(), match.end(), score=SCORE, why="lower-case name"
                    )
                )
        for match in _LOWER_INTRO.finditer(text, overlapped=True):
            words = match.group(1).split(" ")
            if any(
                word in lex.words
                or word in NOT_PEOPLE
                or (_INFLECTED.search(word) and word not in lex.lower_first)
                for word in words
            ):
                continue
            results.append(
                self.result(PERSON, *match.span(1), score=SCORE, why="lower-case introduction")
            )
        return results
