"""Facility and place entities found by dictionary look-up (longest match first).

``LinliFacilityExtractor`` maps resident words (电梯, 升降梯, lift, 点梯 after homophone repair)
to one of the fixed facility names; ``LinliPlaceExtractor`` finds public places, including a
building prefix (3号楼大堂) when one is glued to the place word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlu.entities.base import make_entity
from nlu.rewriter import Normalised

FACILITY_EXTRACTOR = "LinliFacilityExtractor"
PLACE_EXTRACTOR = "LinliPlaceExtractor"


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation, longest words first; ASCII words must stand as whole words."""
    parts = []
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        escaped = re.escape(word)
        parts.append(rf"\b{escaped}\b" if word.isascii() else escaped)
    return "|".join(parts) or r"(?!)"


class PhraseMatcher:
    """Finds dictionary phrases in normalised text and maps each to a value."""

    def __init__(self, phrases: dict[str, str], entity: str, extractor: str, prefix: str = ""):
        """``phrases`` maps surface -> value; ``prefix`` is an optional regex kept in the match
        and in the value (the value is then the whole matched surface)."""
        self._values = phrases
        self._entity = entity
        self._extractor = extractor
        self._surface_values = bool(prefix)
        self._pattern = re.compile(f"{prefix}(?P<phrase>{_alternation(phrases)})")

    def extract(self, norm: Normalised) -> list[dict]:
        """Entities for every non-overlapping phrase in ``norm.text``."""
        out = []
        for m in self._pattern.finditer(norm.text):
            value = m.group() if self._surface_values else self._values[m.group("phrase")]
            out.append(make_entity(norm, self._entity, value, m.start(), m.end(), self._extractor))
        return out


def facility_matcher(synonyms: dict[str, str]) -> PhraseMatcher:
    """Matcher for ``facility`` from a surface -> facility-name map."""
    return PhraseMatcher(synonyms, "facility", FACILITY_EXTRACTOR)


# a building number glued in front of a place belongs to the place (3号楼大堂, 5栋门口)
_BUILDING_PREFIX = r"(?:\d{1,3}\s*(?:号楼|栋|幢)的?)?"


def place_matcher(places: Iterable[str]) -> PhraseMatcher:
    """Matcher for ``place``; the value is the normalised surface, building prefix included."""
    return PhraseMatcher({p: p for p in places}, "place", PLACE_EXTRACTOR, prefix=_BUILDING_PREFIX)
