"""The community vocabulary: facility synonyms, public places, domain words.

The source of truth is ``nlu/data/nlu.yml`` itself: its ``- synonym:`` blocks map resident
words to the facility names below and its ``- lookup: place`` block lists public places, so
Rasa and the built-in engine read the same words. This module turns them into

* a :class:`Lexicon` for the entity extractors and the homophone repair, and
* the jieba user dictionary ``nlu/data/dict/community.txt`` (``word freq tag`` per line) that
  both the built-in tokenizer and Rasa's JiebaTokenizer load.

Regenerate the dictionary after editing the synonyms: ``python -m nlu.lexicon``.
A test fails when the checked-in file is stale.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from nlu.normalise import normalise_text
from nlu.training_data import NluData, load_nlu

DATA_DIR = Path(__file__).resolve().parent / "data"
NLU_FILE = DATA_DIR / "nlu.yml"
DICT_DIR = DATA_DIR / "dict"
DICT_FILE = DICT_DIR / "community.txt"

FACILITIES = (
    "elevator", "water_pipe", "drain", "electricity", "lighting", "gas", "door_access",
    "charging_pile", "parking_gate", "heating", "roof_leak", "window_door", "intercom",
    "smoke_detector", "camera", "garbage_station", "other",
)
PLACE_LOOKUP = "place"

# Words that are neither facilities nor places but that jieba's general dictionary splits
# badly; keeping them whole gives the classifier and Rasa better tokens.
DOMAIN_WORDS = (
    "号楼", "单元", "物业", "物业费", "业委会", "业主", "居委会", "网格员", "志愿者", "志愿服务",
    "积分", "投票", "表决", "报修", "工单", "维修师傅", "师傅", "困人", "救命", "快来人",
    "摔倒", "晕倒", "起不来", "喘不上气", "煤气味", "高空抛物", "消防通道", "飞线充电",
    "人工客服", "转人工", "独居老人", "代买", "陪诊", "水电费", "电表", "水表", "燃气表",
    "停水", "停电", "咋整", "啥子", "唔该", "冇",
)

# jieba frequencies: high enough to win over the general dictionary's splits
_FREQ = {"facility": 20000, "place": 10000, "domain": 8000}
_TAG = {"facility": "n", "place": "s", "domain": "n"}


@dataclass(frozen=True)
class Lexicon:
    """Normalised surface forms of facilities and places."""

    facility_synonyms: dict[str, str]  # surface -> facility name
    places: tuple[str, ...]

    def vocabulary(self) -> set[str]:
        """All Chinese multi-character surface forms (the homophone repair's targets)."""
        words = set(self.facility_synonyms) | set(self.places)
        return {w for w in words if len(w) >= 2 and not w.isascii()}


def _normalised(word: str) -> str:
    return normalise_text(word).text


def lexicon_from(data: NluData) -> Lexicon:
    """Build the lexicon from the synonym and lookup blocks of the NLU data."""
    unknown = set(data.synonyms) - set(FACILITIES)
    if unknown:
        raise ValueError(f"synonym blocks for unknown facilities: {sorted(unknown)}")
    facility = {}
    for name in FACILITIES:
        # each name is also an English word for itself, except "other" (the other day)
        own = [name.replace("_", " ")] if name != "other" else []
        for word in [*own, *data.synonyms.get(name, [])]:
            facility.setdefault(_normalised(word), name)
    places = tuple(dict.fromkeys(_normalised(w) for w in data.lookups.get(PLACE_LOOKUP, [])))
    return Lexicon(facility, places)


def load_lexicon(path: str | Path = NLU_FILE) -> Lexicon:
    """Read the lexicon from an NLU YAML file."""
    return lexicon_from(load_nlu(path))


def render_jieba_dict(data: NluData) -> str:
    """The jieba user dictionary text for the NLU data (surface forms as written)."""
    entries: dict[str, str] = {}
    groups = (
        ("facility", [w for words in data.synonyms.values() for w in words]),
        ("place", data.lookups.get(PLACE_LOOKUP, [])),
        ("domain", list(DOMAIN_WORDS)),
    )
    for group, words in groups:
        for word in words:
            # jieba entries cannot hold spaces; ASCII words are split by jieba's own rules
            if word.isascii() or " " in word or word in entries:
                continue
            entries[word] = f"{word} {_FREQ[group]} {_TAG[group]}"
    return "".join(line + "\n" for line in entries.values())


def write_jieba_dict(nlu_path: str | Path = NLU_FILE, dict_path: str | Path = DICT_FILE) -> Path:
    """Write the jieba user dictionary generated from ``nlu_path``."""
    dict_path = Path(dict_path)
    dict_path.parent.mkdir(parents=True, exist_ok=True)
    dict_path.write_text(render_jieba_dict(load_nlu(nlu_path)), encoding="utf-8")
    return dict_path


def main(argv: list[str] | None = None) -> int:
    """``python -m nlu.lexicon``: regenerate ``nlu/data/dict/community.txt``."""
    del argv
    print(f"wrote {write_jieba_dict()}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
