"""The words that make a street: types, compound endings and prefixes.

Street types and prefixes come from Faker's address providers of every locale (the data
of a maintained library, not a list of ours), plus the abbreviations and spellings they
leave out, and the endings of streets written as one word ("Favoritenstrasse").
"""

from __future__ import annotations

import importlib
import pkgutil

from faker.providers import address as faker_address

# Abbreviations and types that Faker's lists leave out or spell differently.
_EXTRA_TYPES = [
    "St",
    "Rd",
    "Ave",
    "Av",
    "Blvd",
    "Dr",
    "Ln",
    "Ct",
    "Pl",
    "Sq",
    "Ter",
    "Terr",
    "Pkwy",
    "Hwy",
    "Cir",
    "Cres",
    "Crt",
    "Gdns",
    "Gr",
    "Mews",
    "Cl",
    "Wynd",
    "Close",
    "Row",
    "Hill",
    "Rise",
    "Walk",
    "Green",
    "Gardens",
    "Grove",
    "Park",
    "Parade",
    "Terrace",
    "Way",
    "Lane",
    "Street",
    "Road",
    "Avenue",
    "Drive",
    "Court",
    "Place",
    "Square",
    "Crescent",
    "Boulevard",
    "Highway",
    # USPS suffixes that Faker's en_US list leaves out.
    "Annex",
    "Bayou",
]
# Compound endings of streets written as one word (German, Dutch, Nordic, Finnish,
# Icelandic, Central European), and the same as separate words.
ENDINGS = [
    "straße",
    "strasse",
    "str",
    "gasse",
    "weg",
    "platz",
    "ring",
    "allee",
    "damm",
    "ufer",
    "chaussee",
    "steig",
    "pfad",
    "straat",
    "gracht",
    "laan",
    "plein",
    "kade",
    "singel",
    "dijk",
    "markt",
    "dreef",
    "pad",
    "boulevard",
    "hof",
    "vej",
    "gade",
    "gatan",
    "vägen",
    "väg",
    "gata",
    "veien",
    "vegen",
    "gate",
    "braut",
    "stræti",
    "tie",
    "katu",
    "kuja",
    "polku",
    "utca",
    "ulica",
    "ulice",
    "cesta",
]
_PREFIXES = [
    "rue",
    "avenue",
    "av",
    "boulevard",
    "bd",
    "chemin",
    "allée",
    "impasse",
    "quai",
    "cours",
    "route",
    "place",
    "via",
    "viale",
    "piazza",
    "corso",
    "largo",
    "vicolo",
    "strada",
    "calle",
    "avenida",
    "av.",
    "paseo",
    "plaza",
    "camino",
    "carrer",
    "carretera",
    "ronda",
    "travesía",
    "rua",
    "travessa",
    "praça",
    "alameda",
    "estrada",
    "ul.",
    "ul",
    "al.",
    "al",
    "aleja",
    "plac",
    "os.",
    "odos",
    "leoforos",
    "straße",
    "strasse",
]


def faker_street_words() -> tuple[set[str], set[str], set[str]]:
    """Street types (long ones, and all) and prefixes from every locale of Faker's data."""
    types: set[str] = set(_EXTRA_TYPES)
    short_types: set[str] = set()
    prefixes: set[str] = set(_PREFIXES)
    for module in pkgutil.iter_modules(faker_address.__path__):
        provider = getattr(
            importlib.import_module(f"{faker_address.__name__}.{module.name}"), "Provider", None
        )
        for name, target in (
            ("street_suffixes", types),
            ("street_prefixes", prefixes),
            ("street_suffixes_long", types),
        ):
            words = vars(provider).get(name) if provider else None
            if isinstance(words, list | tuple):
                target.update(w.strip() for w in words if _usable(w))
                if target is types:
                    short_types.update(w.strip() for w in words if isinstance(w, str) and w.strip())
    return types, short_types | types, prefixes


def _usable(word: object) -> bool:
    # Short entries ("A", "B", "Top", "End", "Key") are letters and words of prose first;
    # the abbreviations worth having are in _EXTRA_TYPES.
    return isinstance(word, str) and len(word.strip()) > 3 and not word.isupper()
