"""Localised text. Every user-facing string, errors and bot replies included, lives in
``locales/<locale>/*.po`` (one catalogue file per area, so areas never edit the same file).

Message ids are stable symbolic keys (``error.not_found``); translations use ``{name}``
placeholders. A missing translation falls back to the default locale, then to the key
itself, so a forgotten string is visible but never crashes a request.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

import locales

LOCALES_DIR = Path(locales.__file__).resolve().parent
SUPPORTED = ("zh_CN", "en")
DEFAULT = "zh_CN"


@lru_cache(maxsize=None)
def catalogue(locale: str) -> dict[str, str]:
    """All translations of one locale, merged from its .po files (loaded once per process)."""
    messages: dict[str, str] = {}
    folder = LOCALES_DIR / locale
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale.split("_")[0]):
                if message.id and message.string:
                    messages[str(message.id)] = str(message.string)
    return messages


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """Pick a supported locale from a person's preference or an Accept-Language header."""
    for candidate in [preferred] + _parse_accept(accept_language or ""):
        if not candidate:
            continue
        candidate = candidate.replace("-", "_")
        for supported in SUPPORTED:
            if candidate.lower() == supported.lower() or candidate.split("_")[0].lower() == supported.split("_")[0].lower():
                return supported
    return DEFAULT


def _parse_accept(header: str) -> list[str]:
    ranked = []
    for index, part in enumerate(header.split(",")):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, index, lang.strip()))
    return [lang for _, _, lang in sorted(ranked) if lang]


def translate(key: str, locale: str | None = None, **params) -> str:
    """The text for ``key`` in ``locale`` with ``params`` filled in."""
    text = catalogue(locale or DEFAULT).get(key) or catalogue(DEFAULT).get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
