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


def extract(norm: Normalised) -> list[dict]:
    """Time entities in the normalised text."""
    out = []
    for m in _TIME.finditer(norm.text):
        if m.start() == m.end():
            continue
        out.append(make_entity(norm, "time", _value(m), m.start(), m.end(), EXTRACTOR))
    return out


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
