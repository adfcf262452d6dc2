"""Building, unit and room numbers (``LinliRegexExtractor``).

Runs on normalised text, where Chinese numerals are already digits (三栋一单元幺零五 ->
3栋1单元105). Recognised forms:

* chains: 3号楼2单元501, 2栋1单元301室, 12号楼, 3楼2单元 (楼 followed by a unit is a building),
  3栋1102, 2单元501;
* dashes: 2-1-301 (building-unit-room), 5-1102 (building-room);
* rooms on their own: 102室, 1102号房, 住501, 楼上602, 5楼501 (the floor is dropped),
  502的业主, 取消1102的报修, "是502" ending an answer;
* English: "Building 3 Unit 1 room 302", "Unit 1 room 302", "bldg 3", "rm 302".

Not addresses: floors (5楼, 5层, 5f), dates (3月5号), clock times, phone numbers (longer
digit runs never match because every number is bounded by non-digits), amounts, and numbered
things that are not buildings (3号充电桩, 2号门, 1号线).
"""

from __future__ import annotations

import re

from nlu.entities.base import make_entity
from nlu.rewriter import Normalised

EXTRACTOR = "LinliRegexExtractor"

_NB = r"(?<![\d.:/\-])"  # a number starts here: no digit or separator glued on the left
_NE = r"(?![\d.:/\-]\d)(?!\d)"  # and ends here
_BUILDING = rf"{_NB}(?P<building>\d{{1,3}})\s*(?:号楼|号栋|栋楼|栋|幢|座|#楼?|号?楼(?=\s*第?\d{{1,2}}\s*单元)|号(?=\s*第?\d{{1,2}}\s*单元))"
_UNIT = r"第?(?P<unit>\d{1,2})\s*单元"
# a number followed by these is an amount, a duration, a date or another building (天天 is "every day")
_NOT_A_ROOM = r"(?!\s*(?:块|元|天(?!天)|年|个|次|分|米|度|点|月|号楼|栋|幢|单元|楼|层|斤|岁|人))"
# a room right after a building or unit needs no marker; an amount or a date is not a room
_ROOM_AFTER = (
    rf"(?:的|-|\s)?{_NB}(?P<room>\d{{3,4}}){_NE}"
    r"(?:\s*(?:室|号房|号|房间|房|户))?"
    rf"{_NOT_A_ROOM}"
)
_ROOM_MARKED = rf"{_NB}(?P<room>\d{{2,4}})\s*(?:室|号房|房间|户)"
_ROOM_CONTEXT = (
    r"(?:住在?|家住|我家是?|我们家是?|家是|房号是?|门牌号?是?|房间号?是?|楼上|楼下|隔壁|对门|对面)\s*"
    rf"(?P<room>\d{{3,4}}){_NE}{_NOT_A_ROOM}"
)
# 502的老爷子, 1102的业主, 901家的狗, 取消1102的报修: a bare number owned by a household
_ROOM_OF_HOUSEHOLD = (
    rf"{_NB}(?P<room>\d{{3,4}}){_NE}(?:室|号|房)?(?=(?:家的|的|家)?(?:业主|住户|邻居|租户|房东|人家|老|大爷|大妈|阿姨|奶奶"
    r"|爷爷|小孩|孩子|那家|那户|燃气|水费|电费|水管|报修|厨房|卫生间|厕所|阳台|空调|狗|猫|门口|漏水)|(?:的|家)(?:人|住))"
)
# "房号不对 是502": a bare number that ends an answer
_ROOM_ANSWER = rf"(?:是|在)\s*(?P<room>\d{{3,4}})\s*(?:室|号|房)?\s*$"
_ROOM_AFTER_FLOOR = rf"{_NB}\d{{1,2}}\s*(?:楼|层|f)\s*的?\s*(?P<room>\d{{3,4}}){_NE}"

_EN_NUMBER = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}
_EN_NUM = r"(?:\d{1,4}|" + "|".join(_EN_NUMBER) + r")\b"
_EN_PATTERNS = {
    "building": rf"\b(?:building|bldg\.?|block|blk\.?|tower)\s*(?:no\.?\s*)?#?\s*(?P<building>{_EN_NUM})",
    "unit": rf"\bunit\s*(?:no\.?\s*)?#?\s*(?P<unit>{_EN_NUM})",
    "room": rf"\b(?:room|rm\.?|apt\.?|apartment|flat|door)\s*(?:no\.?\s*)?#?\s*(?P<room>{_EN_NUM})",
}

# Patterns in priority order: an earlier pattern claims its characters first.
_PATTERNS = [
    re.compile(rf"{_NB}(?P<building>\d{{1,3}})-(?P<unit>\d{{1,2}})-(?P<room>\d{{3,4}}){_NE}"),
    re.compile(rf"{_NB}(?P<building>\d{{1,3}})-(?P<room>\d{{3,4}}){_NE}(?!\s*(?:点|号|月|年))"),
    re.compile(rf"{_BUILDING}(?:\s*(?:的|-)?\s*{_UNIT})?(?:{_ROOM_AFTER})?"),
    re.compile(rf"{_UNIT}(?:{_ROOM_AFTER})?"),
    re.compile(_ROOM_MARKED),
    re.compile(_ROOM_AFTER_FLOOR),
    re.compile(_ROOM_CONTEXT),
    re.compile(_ROOM_OF_HOUSEHOLD),
    re.compile(_ROOM_ANSWER),
    *(re.compile(p) for p in _EN_PATTERNS.values()),
]
_FIELDS = ("building", "unit", "room")


def _value(field: str, raw: str) -> str:
    raw = _EN_NUMBER.get(raw, raw)
    # building and unit numbers are counted (03栋 is 3); a room number is a label (0501 stays)
    return raw if field == "room" else str(int(raw))


def extract(norm: Normalised) -> list[dict]:
    """Building/unit/room entities found in the normalised text."""
    text = norm.text
    if not any(c.isdigit() for c in text):
        return []
    taken: list[tuple[int, int]] = []
    found: list[dict] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            for field in _FIELDS:
                if field not in pattern.groupindex or m.group(field) is None:
                    continue
                start, end = m.span(field)
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                taken.append((start, end))
                found.append(make_entity(norm, field, _value(field, m.group(field)), start, end, EXTRACTOR))
    found.sort(key=lambda e: e["start"])
    return found
