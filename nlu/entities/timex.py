"""Time expressions (``LinliTimeExtractor``) with a normalised, clock-free value.

The value is relative so that parsing stays deterministic and cacheable; the caller resolves
it against its own clock with :func:`resolve`. Grammar of the value (space-separated parts,
each optional, in this order):

* ``day+N`` / ``day-N`` (今天 day+0, 明天 day+1, 后天 day+2, 昨天 day-1), or
  ``week+N:wed`` (下周三 week+1:wed, 这周五 week+0:fri; 周三 alone is ``wed``), or ``MM-DD``
  (3月5号 03-05) / ``--DD`` (5号 before a time of day);
* part of day: ``dawn``, ``morning``, ``noon``, ``afternoon``, ``evening``, ``night``;
* clock ``HH:MM`` in 24 hours (下午三点 -> 15:00);
* ``in+30m`` / ``in+2h`` / ``in+3d`` for 半小时后, 两个小时后, 三天后.

Examples: 明天上午 -> ``day+1 morning``; 今晚 -> ``day+0 evening``; 后天下午三点 ->
``day+2 afternoon 15:00``; 下周三 -> ``week+1:wed``.

English gives the same values: "tomorrow morning" -> ``day+1 morning``, "next Wednesday
afternoon" -> ``week+1:wed afternoon``, "3pm tomorrow" -> ``day+1 15:00``, "tonight at 8" ->
``day+0 evening 20:00``, "in half an hour" -> ``in+30m``; "good morning" is a greeting.
"""

from __future__ import annotations

import datetime as dt
import re

from nlu.entities.base import make_entity
from nlu.rewriter import Normalised

EXTRACTOR = "LinliTimeExtractor"

_DAYS = {
    "大后天": ("day+3", None), "后天": ("day+2", None), "明天": ("day+1", None), "明日": ("day+1", None),
    "明儿": ("day+1", None), "今天": ("day+0", None), "今日": ("day+0", None), "今儿": ("day+0", None),
    "当天": ("day+0", None), "昨天": ("day-1", None), "昨晚": ("day-1", "evening"), "前天": ("day-2", None),
    "今晚": ("day+0", "evening"), "今夜": ("day+0", "night"), "今早": ("day+0", "morning"),
    "今晨": ("day+0", "morning"), "明晚": ("day+1", "evening"), "明早": ("day+1", "morning"),
}
_PARTS = {
    "凌晨": "dawn", "清早": "morning", "一早": "morning", "早上": "morning", "早晨": "morning",
    "上午": "morning", "中午": "noon", "下午": "afternoon", "傍晚": "evening", "晚上": "evening",
    "夜里": "night", "半夜": "night", "深夜": "night",
}
_WEEKDAYS = {"一": "mon", "二": "tue", "三": "wed", "四": "thu", "五": "fri", "六": "sat", "日": "sun", "天": "sun"}
_WEEKDAYS.update({str(i): name for i, name in enumerate(["", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]) if i})
_WEEK_REL = {"下下": 2, "下个": 1, "下": 1, "这个": 0, "这": 0, "本": 0, "上个": -1, "上": -1}
_PM_PARTS = {"afternoon", "evening", "night"}


def _alt(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_DAY = rf"(?P<day>{_alt(_DAYS)})"
_WEEK = rf"(?P<weekrel>{_alt(_WEEK_REL)})?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"
_DATE = r"(?:(?P<month>\d{1,2})月(?P<dom>\d{1,2})(?:日|号)?|(?P<dom_only>\d{1,2})(?:号|日)(?=\s*(?:上午|下午|晚上|早上|中午|\d{1,2}点)))"
_PART = rf"(?P<part>{_alt(_PARTS)})"
_CLOCK = r"(?P<hour>\d{1,2})(?:点钟?|:(?=\d{2}))(?:(?P<half>半)|(?P<quarter>一刻|1刻)|(?P<minute>\d{1,2})分?)?"
_RELATIVE = r"(?P<amount>\d{1,3}|半|一|两)\s*(?:个)?(?P<unit>分钟|小时|钟头|天)(?:以?后|之后)"
_TIME = re.compile(
    rf"(?<!\d)(?:{_RELATIVE}|(?:(?:{_DAY}|{_WEEK}|{_DATE})\s*)?(?:{_PART}\s*)?(?:{_CLOCK})?)"
)


def _clock(m: re.Match[str], part: str | None) -> str:
    hour = int(m.group("hour"))
    if part in _PM_PARTS and hour < 12 or part == "noon" and hour < 5:
        hour += 12
    minute = 30 if m.group("half") else 15 if m.group("quarter") else int(m.group("minute") or 0)
    return f"{hour % 24:02d}:{minute:02d}"


def _relative(m: re.Match[str]) -> str:
    amount, unit = m.group("amount"), m.group("unit")
    minutes = {"分钟": 1, "小时": 60, "钟头": 60, "天": 1440}[unit]
    count = 0.5 if amount == "半" else 1 if amount == "一" else 2 if amount == "两" else int(amount)
    total = int(count * minutes)
    if total % 1440 == 0:
        return f"in+{total // 1440}d"
    return f"in+{total // 60}h" if total % 60 == 0 else f"in+{total}m"


def _value(m: re.Match[str]) -> str:
    if m.group("unit"):
        return _relative(m)
    parts: list[str] = []
    part = _PARTS.get(m.group("part") or "")
    if m.group("day"):
        day, implied_part = _DAYS[m.group("day")]
        parts.append(day)
        part = part or implied_part
    elif m.group("wd"):
        weekday = _WEEKDAYS[m.group("wd")]
        rel = m.group("weekrel")
        parts.append(f"week{_WEEK_REL[rel]:+d}:{weekday}" if rel else weekday)
    elif m.group("month"):
        parts.append(f"{int(m.group('month')):02d}-{int(m.group('dom')):02d}")
    elif m.group("dom_only"):
        parts.append(f"--{int(m.group('dom_only')):02d}")
    if part:
        parts.append(part)
    if m.group("hour"):
        parts.append(_clock(m, part))
    return " ".join(parts)


# English (the normalised text is lower-cased): tomorrow morning, next wednesday afternoon,
# 3pm tomorrow, tonight at 8, in half an hour. A phrase is a run of these parts in any order.
_EN_DAYS = {
    "the day after tomorrow": ("day+2", None), "day after tomorrow": ("day+2", None),
    "tomorrow": ("day+1", None), "tmrw": ("day+1", None), "tmr": ("day+1", None),
    "today": ("day+0", None), "tonight": ("day+0", "evening"), "yesterday": ("day-1", None),
    "this morning": ("day+0", "morning"), "this afternoon": ("day+0", "afternoon"),
    "this evening": ("day+0", "evening"), "last night": ("day-1", "night"),
}
_EN_WEEKDAYS = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun",
}
_EN_WEEK_REL = {"next": 1, "this": 0, "last": -1}
_EN_PARTS = {
    "early morning": "dawn", "morning": "morning", "noon": "noon", "midday": "noon", "lunchtime": "noon",
    "afternoon": "afternoon", "evening": "evening", "night": "night",
}
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10,
               "twenty": 20, "thirty": 30}
_EN_RELATIVE_UNITS = {"minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 1440}
_EN_PART = (
    rf"(?P<en_day>{_alt(_EN_DAYS)})"
    rf"|(?:(?P<en_rel>{_alt(_EN_WEEK_REL)})\s+)?(?P<en_wd>{_alt(_EN_WEEKDAYS)})"
    rf"|(?<!good )(?:(?:in|at) the\s+)?(?P<en_part>{_alt(_EN_PARTS)})"
    r"|(?P<en_hour>\d{1,2})(?::(?P<en_minute>\d{2}))?\s*(?P<en_ampm>a\.?m\.?|p\.?m\.?)(?![a-z])"
    r"|(?P<en_h24>\d{1,2}):(?P<en_m24>\d{2})(?!\d)"
    r"|(?P<en_oclock>\d{1,2})\s*o'?clock"
    r"|at\s+(?P<en_at>\d{1,2})(?::(?P<en_at_minute>\d{2}))?(?![\d:])(?!\s*(?:st|nd|rd|th|%|号|栋|楼|单元|floor)\b)"
)
_EN_PART_RE = re.compile(rf"\b(?:{_EN_PART})\b")
_EN_ANY = re.sub(r"\(\?P<\w+>", "(?:", _EN_PART)  # the same parts without group names, to repeat them
_EN_PHRASE = re.compile(rf"\b(?:{_EN_ANY})(?:(?:\s*,?\s*|\s+(?:on|at|in)\s+)(?:{_EN_ANY}))*\b")
_EN_RELATIVE = re.compile(
    rf"\bin\s+(?:(?P<half>half an?)|(?P<n>\d{{1,3}}|{_alt(_EN_NUMBERS)}))\s*"
    r"(?P<unit>minute|min|hour|hr|day)s?\b"
)


def _en_relative(m: re.Match[str]) -> str:
    minutes = _EN_RELATIVE_UNITS[m.group("unit")]
    if m.group("half"):
        total = minutes // 2
    else:
        n = m.group("n")
        total = (int(n) if n.isdigit() else _EN_NUMBERS[n]) * minutes
    if total % 1440 == 0:
        return f"in+{total // 1440}d"
    return f"in+{total // 60}h" if total % 60 == 0 else f"in+{total}m"


def _en_value(phrase: str) -> str | None:
    """The value of an English time phrase (its parts in any order), None when it names no time."""
    day = part = clock = None
    for m in _EN_PART_RE.finditer(phrase):
        if m.group("en_day"):
            day, implied = _EN_DAYS[m.group("en_day")]
            part = part or implied
        elif m.group("en_wd"):
            weekday, rel = _EN_WEEKDAYS[m.group("en_wd")], m.group("en_rel")
            day = f"week{_EN_WEEK_REL[rel]:+d}:{weekday}" if rel else weekday
        elif m.group("en_part"):
            part = _EN_PARTS[m.group("en_part")]
        else:
            hour = int(m.group("en_hour") or m.group("en_h24") or m.group("en_oclock") or m.group("en_at"))
            minute = int(m.group("en_minute") or m.group("en_m24") or m.group("en_at_minute") or 0)
            ampm = (m.group("en_ampm") or "")[:1]
            if ampm == "p" and hour < 12:
                hour += 12
            elif ampm == "a" and hour == 12:
                hour = 0
            if hour > 24 or minute > 59:
                continue
            clock = (hour, minute, bool(ampm))
    if clock is not None:
        hour, minute, explicit = clock
        if not explicit and (part in _PM_PARTS and hour < 12 or part == "noon" and hour < 5):
            hour += 12
        clock = f"{hour % 24:02d}:{minute:02d}"
    parts = [p for p in (day, part, clock) if p]
    return " ".join(parts) or None


def _english_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of every English time expression in lower-cased text."""
    found = [(m.start(), m.end(), _en_relative(m)) for m in _EN_RELATIVE.finditer(text)]
    for m in _EN_PHRASE.finditer(text):
        if any(m.start() < end and start < m.end() for start, end, _ in found):
            continue
        if not re.search("[a-z]", m.group()):
            continue  # a bare 15:00 is read with the Chinese around it (明天下午3:30)
        value = _en_value(m.group())
        if value:
            found.append((m.start(), m.end(), value))
    return found


def extract(norm: Normalised) -> list[dict]:
    """Time entities in the normalised text (Chinese, and English where it has Latin letters)."""
    out = []
    taken: list[tuple[int, int]] = []
    if re.search("[a-z]", norm.text):
        for start, end, value in _english_spans(norm.text):
            taken.append((start, end))
            out.append(make_entity(norm, "time", value, start, end, EXTRACTOR))
    for m in _TIME.finditer(norm.text):
        if m.start() == m.end() or any(m.start() < t_end and t_start < m.end() for t_start, t_end in taken):
            continue
        out.append(make_entity(norm, "time", _value(m), m.start(), m.end(), EXTRACTOR))
    return sorted(out, key=lambda e: e["start"])


_WEEKDAY_INDEX = {name: i for i, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}
_PART_HOUR = {"dawn": 5, "morning": 9, "noon": 12, "afternoon": 15, "evening": 19, "night": 22}


def resolve(value: str, now: dt.datetime) -> dt.datetime:
    """Turn a normalised time value into a datetime relative to ``now``.

    Without a clock part the time of day is a typical hour for the part of day, else ``now``'s.
    """
    when = now
    hour_minute = None
    part_hour = None
    for token in value.split():
        if token.startswith("in+"):
            amount, unit = int(token[3:-1]), token[-1]
            return now + dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
        if token.startswith("day"):
            when = now + dt.timedelta(days=int(token[3:]))
        elif token.startswith("week") or token in _WEEKDAY_INDEX:
            weeks, _, name = token[4:].partition(":") if token.startswith("week") else ("+0", "", token)
            monday = now - dt.timedelta(days=now.weekday())
            when = monday + dt.timedelta(weeks=int(weeks), days=_WEEKDAY_INDEX[name])
        elif token.startswith("--"):
            when = now.replace(day=int(token[2:]))
        elif re.fullmatch(r"\d{2}-\d{2}", token):
            when = now.replace(month=int(token[:2]), day=int(token[3:]))
        elif token in _PART_HOUR:
            part_hour = _PART_HOUR[token]
        elif re.fullmatch(r"\d{2}:\d{2}", token):
            hour_minute = (int(token[:2]), int(token[3:]))
    if hour_minute is None and part_hour is not None:
        hour_minute = (part_hour, 0)
    if hour_minute is not None:
        when = when.replace(hour=hour_minute[0], minute=hour_minute[1], second=0, microsecond=0)
    return when
