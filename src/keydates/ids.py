"""Ids people can read, made from any text: 'München Büro' -> 'muenchen-buero'.

An id is lower-case ASCII letters and digits in words joined by single
hyphens: it is part of file names, feed paths and UIDs. German umlauts
become ae, oe, ue and ss, as Germans write them without umlauts; anything
else goes through anyascii (Chinese by syllable: 春节 -> chun-jie).
"""

from __future__ import annotations

import re
import unicodedata
from anyascii import anyascii

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 60  # characters: ids end up in file names and URLs
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"})


def slug(text: object) -> str:
    """The id made from `text`, or '' when nothing in it can be spelled in ASCII."""
    if not isinstance(text, str):
        return ""
    words = []
    for char in text.translate(_GERMAN):
        if char.isascii():
            words.append(char)
        elif unicodedata.east_asian_width(char) in "WF":
            words.append(f" {anyascii(char)} ")  # one syllable per character: chun-jie, not chunjie
        else:
            words.append(anyascii(char))
    ascii_text = re.sub(r"['\u2019]", "", "".join(words))  # "New Year's" -> "new-years"
    result = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(result) > MAX_SLUG:
        result = result[:MAX_SLUG].rsplit("-", 1)[0] if "-" in result[:MAX_SLUG] else result[:MAX_SLUG]
    return result


def unique(base: str, taken: set[str], *extras: str) -> str:
    """`base`, or the first of `base-<extra>`, `base-2`, `base-3`... not in `taken`; added to it."""
    candidates = [base, *(f"{base}-{extra}" for extra in extras if extra)]
    choice = next((c for c in candidates if c not in taken), None)
    n = 2
    while choice is None:
        choice = f"{base}-{n}" if f"{base}-{n}" not in taken else None
        n += 1
    taken.add(choice)
    return choice


def suggestion(text: object, fallback: object = None, fallback_name: str = "title") -> str:
    """' (did you mean 'muenchen'?)' for a text that is not a valid id; '' if none can be made.

    When nothing in `text` transliterates, the id is made from `fallback`
    (the event's title, the calendar's name), saying so.
    """
    if isinstance(text, str) and ID_RE.match(text):
        return ""
    made = slug(text)
    if made:
        return f" (did you mean {made!r}?)"
    made = slug(fallback)
    return f" (did you mean {made!r}, made from the {fallback_name}?)" if made else ""
