"""Toneless pinyin per character, cached.

Voice transcripts confuse characters that sound alike (点梯 for 电梯, 在 for 再, 就命 for
救命). Reading a message as toneless pinyin makes those variants identical, so both the
classifier features and the homophone repair work on sound rather than on a list of
misspellings. pypinyin is imported on first use (it loads a large table).

The reading of a character is taken without its context: 着 is always "zhao". That is wrong
for some words but consistently wrong in training and at run time, and it keeps the lookup a
dictionary hit.
"""

from __future__ import annotations

import re

from nlu.lazy import once

_cache: dict[str, str] = {}


def _load_converter():
    from pypinyin import Style, lazy_pinyin

    return lambda char: lazy_pinyin(char, style=Style.NORMAL)


_converter = once(_load_converter)


def is_han(char: str) -> bool:
    """True for a CJK unified ideograph (the characters pypinyin can read)."""
    return "\u4e00" <= char <= "\u9fff"


def char_pinyin(char: str) -> str:
    """Toneless pinyin of one Chinese character; any other character is returned unchanged."""
    reading = _cache.get(char)
    if reading is None:
        reading = _converter()(char)[0] if is_han(char) else char
        _cache[char] = reading
    return reading


def text_pinyin(text: str) -> list[str]:
    """Toneless pinyin of every character of ``text`` (non-Chinese characters pass through)."""
    return [char_pinyin(c) for c in text]


_RETROFLEX = re.compile(r"^([zcs])h")
_N_INITIAL = re.compile(r"^n(?=[aeiouv])")
_VELAR_FINAL = re.compile(r"(?<=[iea])ng$")


def fuzzy(syllable: str) -> str:
    """Merge the sounds that regional accents (and the recognisers trained on them) confuse:
    zh/z, ch/c, sh/s, initial n/l, final ing/in, eng/en, ang/an. 是/四 and 南/蓝 become one."""
    syllable = _RETROFLEX.sub(r"\1", syllable)
    syllable = _N_INITIAL.sub("l", syllable)
    return _VELAR_FINAL.sub("n", syllable)


def warm_up() -> None:
    """Load pypinyin now rather than on the first message."""
    char_pinyin("电")
