"""Russian word stems for the catalog search. The browser runs a port of the same Snowball
algorithm (site/assets/js/stem-ru.js), so a query stem equals the stem computed here at build time."""

from __future__ import annotations

import functools
import re

import snowballstemmer

_WORD = re.compile(r"[0-9a-zа-я]+")
# Words too common in a medical catalog to narrow a search (stems of their forms).
_STOP = frozenset(
    {
        "и",
        "в",
        "во",
        "на",
        "по",
        "с",
        "со",
        "к",
        "ко",
        "о",
        "об",
        "от",
        "для",
        "при",
        "из",
        "у",
        "а",
    }
)


@functools.cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


def words(text: str) -> list[str]:
    """Lower-cased words with ё folded to е (the JS side folds the same way)."""
    return _WORD.findall(text.casefold().replace("ё", "е"))


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def stems(text: str) -> list[str]:
    """Distinct stems of the words of `text`, in order of first appearance."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w in _STOP:
            continue
        seen.setdefault(stem(w), None)
    return list(seen)
