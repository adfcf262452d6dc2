"""Building, unit and room numbers (``LinliRegexExtractor``).

Runs on normalised text, where Chinese numerals are already digits (三栋一单元幺零五 ->
3栋1单元105). Recognised forms:

* chains: 3号楼2单元501, 2栋1单元301室, 12号楼, 3楼2单元 (楼 followed by a unit is a building),
  3栋1102, 2单元501, 3号搂 (a typing slip for 楼), 3栋2-501 and 3号楼2门501 (unit-room);
* separators: 2-1-301 and 3/2/501 (building-unit-room), 5-1102 (building-room);
* a room after its building, unit or floor across a filler (2单元那个501, 3单元嗯602) or as a
  clause of its own (10号楼,3单元,302,...; 20号楼15楼,1503,...);
* rooms on their own: 102室, 1102号房, 住501, 楼上602, 5楼501 (the floor is dropped),
  502的业主, 1502家传出来的, 取消1102的报修, 我是502的, "是502" ending an answer, a message
  that is only a room number (603号), a room read out digit by digit (幺零五, 五零一), and a
  second room joined to a first (502和503);
* English: "Building 3 Unit 1 room 302", "Unit 1 room 302", "bldg 3", "rm 302", "unit 1203"
  (a three- or four-digit "unit" is an apartment).

:func:`find` also returns the spans that hold an address, which the classifier reads as one
neutral token (see :mod:`nlu.features`).

Not addresses: floors (5楼, 5层, 5f, 地下2层236号车位), dates (3月5号, 12月3号楼下), clock
times, phone numbers (longer digit runs never match because every number is bounded by
non-digits), ticket numbers, amounts and counts (300块, 100多户, 两栋楼中间, 这3栋楼), bus
routes (301路) and numbered things that are not buildings (3号充电桩, 2号门, 1号线).
"""

from __future__ import annotations

import re

from nlu import numerals
from nlu.entities.base import make_entity
from nlu.rewriter import Normalised

EXTRACTOR = "LinliRegexExtractor"

# a number starts here: no digit, letter (ticket R1203, B2) or digit+separator glued on its left
# (10:30, 2024-05-01); a separator after a word is punctuation (报修:18栋)
_NB_DIGIT = r"(?<!\d)(?<!\d[.:/\-])"
_NB = rf"(?<![a-z]){_NB_DIGIT}"
_NE = r"(?![\d.:/\-]\d)(?!\d)"  # and ends here
_NOT_DATE = r"(?<!月)"  # 12月3号楼下 is a date followed by 楼下
_UNIT_AHEAD = r"(?=\s*第?\d{1,2}\s*单元)"
_BUILDING = (
    rf"{_NB}{_NOT_DATE}(?P<building>\d{{1,3}})\s*"
    rf"(?P<bsuffix>号[楼搂]|号栋|号幢|号座|栋楼|栋|幢|座|#楼?|号?[楼搂]{_UNIT_AHEAD}|号{_UNIT_AHEAD})"
)
_UNIT = rf"{_NOT_DATE}第?{_NB}(?P<unit>\d{{1,2}})\s*单元"
# a number followed by these is an amount, a count, a duration, a date, a route or another
# building (天天 is "every day"; 8090后 is a generation, 502后面 a place)
_NOT_A_ROOM = (
    r"(?!\s*(?:块|元|毛|角|天(?!天)|年|个|次|分|米|度|点|月|号楼|号线|栋|幢|单元|楼|层|斤|岁|人|多|余|万|千|百|亿"
    r"|%|路|线|位|号?车位|平|公里|克|升|辆|家(?:商|店|企|公司|单位)|后(?![面边门头])))"
)
# what may stand between a building/unit/floor and its room: 的, a dash, a voice filler
_FILLER = r"(?:那个|这个|就是|嗯+|呃+|额+|啊)"
_GAP = rf"(?:\s|的|-|{_FILLER})*"
# ... or a comma, when the room is then a clause of its own: 10号楼,3单元,302,我家...
_CLAUSE_GAP = rf"{_GAP}(?:(?P<comma>[,;])(?:\s|{_FILLER})*)?"
_CLAUSE_END = r"(?=\s*(?:[,.!?;]|$))"
_NOT_SERVICE = r"(?!(?:110|119|120|122|12345)(?!\d))"  # police, fire, ambulance, traffic, hotline
_ROOM_SUFFIX = r"(?:\s*(?:室|号房|号|房间|房|户))?"
# a room right after a building, unit or floor needs no marker; an amount or a date is not a room
_ROOM_AFTER = (
    rf"{_CLAUSE_GAP}(?(comma){_NOT_SERVICE}){_NB_DIGIT}(?P<room>\d{{3,4}}){_NE}{_ROOM_SUFFIX}"
    rf"(?(comma){_CLAUSE_END}|{_NOT_A_ROOM})"
)
_ROOM_MARKED = rf"{_NB}(?<![有共约近超])(?P<room>\d{{2,4}})\s*(?:室|号房|房间|户)"
_ROOM_CONTEXT = (
    r"(?:住在?|家住|我家是?|我们家是?|家是|房号是?|门牌号?是?|房间号?是?|楼上|楼下|隔壁|对门|对面|对户)"
    rf"(?:的|那个|那家|那户)?\s*(?P<room>\d{{3,4}}){_NE}{_NOT_A_ROOM}"
)
# 我是502的, 我在1102, 他家是302: a person saying where they live
_PERSON = r"(?:我|我们|俺|咱|他|她|他们|她们)家?"
_ROOM_PERSON_IS = rf"{_PERSON}是\s*(?P<room>\d{{3,4}}){_NE}(?:室|号|房)?(?=\s*(?:的|家)?\s*(?:[,.!?;]|$|业主|住户))"
_ROOM_PERSON_AT = rf"{_PERSON}在\s*(?P<room>\d{{3,4}}){_NE}{_NOT_A_ROOM}"
# 502的老爷子, 1102的业主, 901家的狗, 1502家传出来的, 取消1102的报修: a number owned by a household
_ROOM_OF_HOUSEHOLD = (
    rf"{_NB}(?P<room>\d{{3,4}}){_NE}(?:室|号|房)?(?=(?:家的|的|家)?(?:业主|住户|邻居|租户|房东|人家|老|大爷|大妈|阿姨|奶奶"
    r"|爷爷|小孩|孩子|那家|那户|燃气|水费|电费|水管|报修|厨房|卫生间|厕所|阳台|空调|狗|猫|门口|漏水)|(?:的|家)(?:人|住)"
    r"|家(?:里|传|飘|冒|漏|渗|往|门|着|又|天天|每天|一直|总是|老是))"
)
# "房号不对 是502": a bare number that ends an answer
_ROOM_ANSWER = rf"(?:是|在)\s*(?P<room>\d{{3,4}})\s*(?:室|号|房)?\s*[.!?]*$"
# "603号", "501": the whole message is a room number (an answer to "which room?"); the service
# numbers 110/119/120/122 are not rooms
_ROOM_ALONE = rf"^(?:是|在|住)?\s*{_NOT_SERVICE}(?P<room>\d{{3,4}})\s*(?:室|号房|号|房间|房)?\s*[.!?]*$"
# a basement level (地下2层, 负2层, b2) holds parking spaces, not flats
_ROOM_AFTER_FLOOR = rf"{_NB}(?<!地下)(?<!负)\d{{1,2}}\s*(?:楼|层|f)(?!\s*单元){_ROOM_AFTER}"
# a second room joined to a first: 502和503, 501、502 (、 is normalised to a comma)
_ROOM_JOINED = re.compile(
    rf"^\s*(?:室|号房|号|房)?\s*(?:和|跟|与|及|以及|还有|[,/])\s*(?P<room>\d{{3,4}}){_NE}{_NOT_A_ROOM}"
)
# a three- or four-digit number read out digit by digit (幺零五, 五零一) is a room, not a count;
# unless it is a code, a phone or ticket number, a password
_SPOKEN_NUMBER = re.compile(rf"{_NB}(?P<room>\d{{3,4}}){_NE}{_NOT_A_ROOM}")
_CODE_BEFORE = re.compile(r"(?:密码|验证码|编号|单号|工单|尾号|号码|电话|手机|车牌|分机|座机|取件码|code|no\.?)\s*(?:是|为|:)?\s*$")

_EN_NUMBER = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}
_EN_NUM = r"(?:\d{1,4}(?!\d)|(?:" + "|".join(_EN_NUMBER) + r")\b)"
_EN_PATTERNS = {
    "building": rf"\b(?:building|bldg\.?|block|blk\.?|tower)\s*(?:no\.?\s*)?#?\s*(?P<building>{_EN_NUM})",
    # "unit 1203" is an apartment (the English sense), "unit 2" a 单元
    "unit": rf"\bunit\s*(?:no\.?\s*)?#?\s*(?:(?P<room>\d{{3,4}}(?!\d))|(?P<unit>{_EN_NUM}))",
    "room": rf"\b(?:room|rm\.?|apt\.?|apartment|flat|door)\s*(?:no\.?\s*)?#?\s*(?P<room>{_EN_NUM})",
}

# Patterns that find a room by the words before it (住501, 楼上602, 我是502的): those words are
# not part of the address. Rooms found only by their position must also look like a room number
# (_plausible_room).
_ROOM_PERSON_AT_RE = re.compile(_ROOM_PERSON_AT)
_ROOM_ALONE_RE = re.compile(_ROOM_ALONE)
_CONTEXT_PATTERNS = (
    re.compile(_ROOM_CONTEXT), re.compile(_ROOM_PERSON_IS), _ROOM_PERSON_AT_RE,
    re.compile(_ROOM_OF_HOUSEHOLD), re.compile(_ROOM_ANSWER), _ROOM_ALONE_RE,
)
_UNMARKED = (_ROOM_PERSON_AT_RE, _ROOM_ALONE_RE)

# Patterns in priority order: an earlier pattern claims its characters first.
_PATTERNS = [
    re.compile(rf"{_NB}(?P<building>\d{{1,3}})-(?P<unit>\d{{1,2}})-(?P<room>\d{{3,4}}){_NE}"),
    re.compile(
        rf"{_NB}(?P<building>\d{{1,3}})/(?P<unit>\d{{1,2}})/(?P<room>\d{{3,4}}){_NE}(?!\s*(?:点|号|月|年|日))"
    ),
    # 3栋2-501, 3号楼2门501: after a building, a dash or 门 (Beijing usage) joins unit and room
    re.compile(rf"{_BUILDING}\s*的?\s*(?P<unit>\d{{1,2}})\s*(?:-|门)\s*(?P<room>\d{{3,4}}){_NE}{_NOT_A_ROOM}"),
    re.compile(rf"{_NB}(?P<building>\d{{1,3}})-(?P<room>\d{{3,4}}){_NE}(?!\s*(?:点|号|月|年))"),
    re.compile(rf"{_BUILDING}(?:\s*(?:的|-)?\s*{_UNIT})?(?:{_ROOM_AFTER})?"),
    re.compile(rf"{_UNIT}(?:{_ROOM_AFTER})?"),
    re.compile(_ROOM_MARKED),
    re.compile(_ROOM_AFTER_FLOOR),
    *_CONTEXT_PATTERNS,
    *(re.compile(p) for p in _EN_PATTERNS.values()),
]
_FIELDS = ("building", "unit", "room")
_NOT_ROOMS = frozenset({"123", "1234"})  # counting, as in a test message

# 两栋楼中间, 这3栋楼, 有3座楼: a count of buildings, not a building number (号楼 is always a number)
_COUNT_BEFORE = re.compile(r"[这那几每各有共前]$")
_COUNT_AFTER = re.compile(r"^楼?\s*(?:之间|中间|间的|都|全都|一起)")


def _value(field: str, raw: str) -> str:
    raw = _EN_NUMBER.get(raw, raw)
    # building and unit numbers are counted (03栋 is 3); a room number is a label (0501 stays)
    return raw if field == "room" else str(int(raw))


def _counts_buildings(norm: Normalised, m: re.Match[str]) -> bool:
    """True when the building of ``m`` is a count (这3栋楼, 两栋楼, 3栋楼中间), not a number."""
    suffix = m.groupdict().get("bsuffix")
    if suffix is None or m.group("building") is None or "号" in suffix or "#" in suffix:
        return False
    text = norm.text
    o_start, o_end = norm.original_span(*m.span("building"))
    return bool(
        norm.original[o_start:o_end] == "两"  # 两 counts; building 2 is 二栋 or 2栋
        or _COUNT_BEFORE.search(text[:m.start("building")])
        or _COUNT_AFTER.search(text[m.end("bsuffix"):])
    )


def _plausible_room(digits: str) -> bool:
    """A flat number is a floor followed by a door number of 01-30 (501, 1102, 2301): 886
    (bye-bye), 236 (a parking space) and 1000 are not, when nothing else says so."""
    return digits[0] != "0" and 1 <= int(digits[-2:]) <= 30 and digits not in _NOT_ROOMS


def _room_fits(text: str, m: re.Match[str], unmarked: bool) -> bool:
    """Door 00 is never a flat (3号楼100户 counts households); a room found only by its position
    must also look like one; a code (密码是1234) is not a room."""
    digits = m.group("room")
    if _CODE_BEFORE.search(text[max(0, m.start("room") - 8):m.start("room")]):
        return False
    return _plausible_room(digits) if unmarked else digits[-2:] != "00"


def _read_out_digit_by_digit(norm: Normalised, start: int, end: int) -> bool:
    """True when the digits text[start:end] were spoken one Chinese numeral each (幺零五)."""
    o_start, o_end = norm.original_span(start, end)
    surface = norm.original[o_start:o_end]
    return len(surface) == end - start and all(c in numerals.DIGITS for c in surface)


class _Found:
    """Entities found so far, the characters they claim and the address chunks they sit in."""

    def __init__(self, norm: Normalised):
        self.norm = norm
        self.taken: list[tuple[int, int]] = []
        self.entities: list[dict] = []
        self.chunks: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return not any(start < t_end and t_start < end for t_start, t_end in self.taken)

    def add(self, field: str, raw: str, start: int, end: int) -> None:
        self.taken.append((start, end))
        self.entities.append(make_entity(self.norm, field, _value(field, raw), start, end, EXTRACTOR))


# what may separate two address chunks that read as one address (3号楼, 2单元, 501)
_BETWEEN_CHUNKS = re.compile(r"[\s,;的\-/]*")


def _merge(chunks: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(chunks):
        if merged and (start <= merged[-1][1] or _BETWEEN_CHUNKS.fullmatch(text[merged[-1][1]:start])):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def find(norm: Normalised) -> tuple[list[dict], list[tuple[int, int]]]:
    """Building/unit/room entities in the normalised text, and the spans of ``norm.text`` that
    hold an address ("3号楼2单元501室", "501" of 住501), merged when adjacent: the classifier
    reads each as one neutral token, since an address says where, not what is wanted."""
    text = norm.text
    if not any(c.isdigit() for c in text):
        return [], []
    found = _Found(norm)
    rooms: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            count = _counts_buildings(norm, m)
            first = None
            for field in _FIELDS:
                if field not in pattern.groupindex or m.group(field) is None:
                    continue
                if field == "building" and count:
                    continue
                start, end = m.span(field)
                unmarked = pattern in _UNMARKED or m.groupdict().get("comma")
                if field == "room" and not _room_fits(text, m, unmarked):
                    continue
                if found.free(start, end):
                    found.add(field, m.group(field), start, end)
                    first = start if first is None else min(first, start)
                    if field == "room":
                        rooms.append((start, end))
            if first is not None:
                # the words of a context pattern (住, 楼上, 我是) stay; the rest is all address
                found.chunks.append((first if pattern in _CONTEXT_PATTERNS else m.start(), m.end()))
    for m in _SPOKEN_NUMBER.finditer(text):
        start, end = m.span("room")
        if (found.free(start, end) and _plausible_room(m.group("room"))
                and _read_out_digit_by_digit(norm, start, end)
                and not _CODE_BEFORE.search(text[max(0, start - 8):start])):
            found.add("room", m.group("room"), start, end)
            found.chunks.append((start, end))
            rooms.append((start, end))
    while rooms:  # 502和503: a room joined to a room is a room
        _, end = rooms.pop()
        m = _ROOM_JOINED.search(text[end:])
        if m and _plausible_room(m.group("room")):
            start, stop = end + m.start("room"), end + m.end("room")
            if found.free(start, stop):
                found.add("room", m.group("room"), start, stop)
                found.chunks.append((start, stop))
                rooms.append((start, stop))
    found.entities.sort(key=lambda e: e["start"])
    return found.entities, _merge(found.chunks, text)


def extract(norm: Normalised) -> list[dict]:
    """Building/unit/room entities found in the normalised text."""
    return find(norm)[0]
