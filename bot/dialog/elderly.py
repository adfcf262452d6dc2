"""Elderly mode: who gets it and how addresses are read back.

People labelled ``elderly`` (care labels set by staff) and anyone speaking (voice input
from a WeChat voice message or a smart speaker) get short sentences, at most three
options per question, one question at a time, and addresses read back with the numbers
standing apart ("3 号楼 2 单元 501") so they are easy to see and to hear. The texts
themselves are the ``.elderly`` variants in ``bot.po`` (see :mod:`.replies`).
"""
from __future__ import annotations

import re

from . import replies

ELDERLY_LABEL = "elderly"
_NUMBER = re.compile(r"\s*(\d+)\s*")


def elderly_mode(person: dict | None, voice: bool) -> bool:
    """Short, speakable replies for elderly residents and for spoken input."""
    return voice or ELDERLY_LABEL in ((person or {}).get("care_labels") or [])


def house_words(house: dict, locale: str, elderly: bool) -> str:
    """``3号楼2单元501`` — or, in elderly mode, ``3 号楼 2 单元 501`` (numbers set apart)."""
    return replies.text("bot.address.house", locale, elderly, building=house.get("building", ""),
                        unit=house.get("unit", ""), room=house.get("room", ""))


def building_words(building: str, unit: str | None, locale: str, elderly: bool) -> str:
    key = "bot.address.building_unit" if unit else "bot.address.building"
    return replies.text(key, locale, elderly, building=building, unit=unit or "")


def location_words(location: dict | None, locale: str, elderly: bool) -> str:
    """How a repair or complaint location is read back to the person."""
    if not location:
        return ""
    if location.get("kind") == "home":
        return house_words(location, locale, elderly)
    place = location.get("place") or location.get("name") or ""
    return spaced_numbers(place) if elderly else place


def spaced_numbers(text: str) -> str:
    """``3号楼2单元`` -> ``3 号楼 2 单元``: numbers stand apart, for the eye and for the voice."""
    return _NUMBER.sub(lambda m: f" {m.group(1)} ", text).strip()
