"""Keep Presidio's dependencies off the network.

tldextract (which Presidio's e-mail recognizer calls as ``tldextract.extract``) fetches
the Public Suffix List from the internet on first use unless told not to. Its module-level
extractor reads ``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` when tldextract is imported, which
may already have happened; so :func:`prepare_offline` both sets the variable (for
extractors made later) and swaps the module-level function for one bound to an extractor
that uses only the suffix-list snapshot bundled with tldextract.
"""

from __future__ import annotations

import os

import tldextract


def prepare_offline() -> None:
    """Make tldextract use its bundled suffix-list snapshot instead of the network."""
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    offline = tldextract.TLDExtract(suffix_list_urls=(), fallback_to_snapshot=True)
    tldextract.extract = offline  # type: ignore[assignment]  # same call shape
