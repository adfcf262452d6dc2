"""Reading answers: what a parse (plus the raw text) says about each slot.

The NLU gives intents and entities; a form also needs small readings the NLU does not
make — "随时都行" as an answer to "when", "第二个" as a choice, "匿名" as yes, which kind
of complaint "楼上太吵" is. They live here, one function each, so the forms stay
declarative and every reading is tested on its own.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Chinese communities keep Beijing time; windows are built in local time, stored in UTC
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

CONTENT_INTENTS = frozenset({"repair_request", "complaint", "help_request"})
# intents that never carry a slot answer on their own
CHATTER = frozenset({"greet", "thanks", "goodbye", "out_of_scope"})

_ANYTIME = re.compile(r"随时|都可以|都行|都成|都好|什么时候都|啥时候都|任何时候|有空就|尽快|越快越好|马上"
                      r"|any ?time|whenever|as soon as|asap", re.I)
_UNKNOWN = re.compile(r"不知道|不清楚|不确定|说不清|不记得|忘了|don'?t know|not sure", re.I)
_REPEAT = re.compile(r"^(?:啊|(?:嗯|哈|啥)[?？]|什么|你说啥|说什么|没听清|听不清|没听见|听不见|没听懂"
                     r"|再说一遍|再说一次|再讲一遍|重复一下|请再说"
                     r"|pardon|sorry\??|what\??|say (?:that )?again|repeat)[?？!！。.]*$", re.I)
_REPEAT_ANYWHERE = re.compile(r"没听清|听不清|没听见|听不见|再说一遍|再说一次|再讲一遍"
                              r"|say (?:that )?again", re.I)
_ANONYMOUS_YES = re.compile(r"匿名|不要.{0,2}名字|别.{0,3}名字|保密|anonymous", re.I)
_ANONYMOUS_NO = re.compile(r"实名|不用匿名|不需要匿名|不匿名|可以.{0,2}名字|留.{0,2}名字"
                           r"|not anonymous|with my name", re.I)
_YES = re.compile(r"^(?:是|是的|对|对的|好|好的|嗯|行|可以|要|需要|确认|没错"
                  r"|yes|yeah|yep|ok|okay|sure)[啊呀吧的了。!！]*$", re.I)
_NO = re.compile(r"^(?:不|不是|不要|不用|不需要|没有|否|no|nope)[啊呀吧的了。!！]*$", re.I)

_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "first": 1, "second": 2, "third": 3,
             "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_CHOICE = re.compile(r"^(?:第\s*)?(?P<n>[1-5一二两三四五])\s*(?:个|套|号|项|种)?[。.!！]?$"
                     r"|^(?:第\s*)(?P<m>[1-5一二两三四五])"
                     r"|^(?:the )?(?P<en>first|second|third)(?: one)?\.?$", re.I)

# complaint categories of workflows/complaint/policy.py, recognised by the words people use
COMPLAINT_WORDS: tuple[tuple[str, str], ...] = (
    ("objects_from_height", r"高空抛物|往(?:楼)?下扔|从楼上扔|楼上.{0,4}扔|窗外扔|扔下来"
                            r"|掉下来.{0,4}(?:东西|垃圾)|thrown from"),
    ("noise", r"噪音|噪声|吵|装修|跳广场舞|音响|唱歌|狗叫|喧哗|noise|noisy|loud"),
    ("parking", r"停车|车位|占道|消防通道|堵路|挡住|乱停|飞线充电|parking|parked"),
    ("garbage", r"垃圾|臭|脏|乱扔|没人打扫|卫生|garbage|rubbish|trash|dirty"),
    ("pets", r"狗|猫|宠物|狗屎|遛狗|拴绳|dog|cat|pet"),
    ("staff_attitude", r"态度|保安|客服|物业人员|工作人员|骂人|不理人|rude|attitude"),
    ("fees", r"物业费|收费|费用|乱收|多收|账单|fee|charge|bill"),
)
_COMPLAINT_PATTERNS = tuple((name, re.compile(words, re.I)) for name, words in COMPLAINT_WORDS)

# parts of the day as visiting windows (local hours)
_PART_WINDOWS = {"dawn": (6, 8), "morning": (8, 12), "noon": (11, 14), "afternoon": (13, 18),
                 "evening": (18, 21), "night": (19, 22)}
_DAY_WINDOW = (8, 20)


def intent(parse: dict | None) -> str | None:
    return ((parse or {}).get("intent") or {}).get("name")


def confidence(parse: dict | None) -> float:
    return float(((parse or {}).get("intent") or {}).get("confidence") or 0.0)


def values(parse: dict | None, name: str) -> list:
    entities = (parse or {}).get("entities", [])
    return [e.get("value") for e in entities if e.get("entity") == name and e.get("value")]


def first(parse: dict | None, name: str):
    found = values(parse, name)
    return found[0] if found else None


def is_emergency(parse: dict | None, sure: float = 0.5) -> bool:
    """Act as for an emergency? When the safety net fired, or the classifier says so with
    some confidence — or, unsure, about a message that is not merely an answer (an
    address or a time alone is a slot answer, not a cry for help)."""
    net = (parse or {}).get("safety_net")
    if isinstance(net, dict) and net.get("triggered"):
        return True
    if intent(parse) != "emergency":
        return False
    if confidence(parse) >= sure:
        return True
    answers = ("building", "unit", "room", "time", "facility", "place")
    return not any(values(parse, name) for name in answers) and len((parse or {}).get("text") or "") > 4


def address(parse: dict | None) -> dict:
    """``{"building", "unit", "room"}`` — whichever the text named."""
    return {name: str(first(parse, name)) for name in ("building", "unit", "room") if first(parse, name)}


def wants_repeat(text: str) -> bool:
    """"没听清" / "啊？" / "再说一遍": the person did not catch the last question."""
    stripped = (text or "").strip()
    return bool(_REPEAT.match(stripped)) or (len(stripped) <= 12 and bool(_REPEAT_ANYWHERE.search(stripped)))


def unknown(text: str) -> bool:
    return bool(_UNKNOWN.search(text or ""))


def anytime(text: str) -> bool:
    return bool(_ANYTIME.search(text or ""))


def yes_no(parse: dict | None, text: str) -> bool | None:
    """True for affirm / 是, False for deny / 不, None when the answer is neither."""
    stripped = (text or "").strip()
    if _YES.match(stripped):
        return True
    if _NO.match(stripped):
        return False
    name = intent(parse)
    if name == "affirm":
        return True
    if name == "deny":
        return False
    return None


def anonymity_named(text: str) -> bool | None:
    """True for "匿名", False for "实名 / 不用匿名", None when anonymity is not mentioned."""
    if _ANONYMOUS_NO.search(text or ""):
        return False
    if _ANONYMOUS_YES.search(text or ""):
        return True
    return None


def anonymity(parse: dict | None, text: str) -> bool | None:
    """The answer to "do you want to stay anonymous?" (``None``: it says neither)."""
    named = anonymity_named(text)
    return named if named is not None else yes_no(parse, text)


def choice(text: str, count: int) -> int | None:
    """A 0-based pick among ``count`` offered options ("2", "第二个", "second")."""
    m = _CHOICE.match((text or "").strip())
    if not m:
        return None
    raw = (m.group("n") or m.group("m") or m.group("en") or "").lower()
    number = _ORDINALS.get(raw)
    return number - 1 if number and number <= count else None


def complaint_category(text: str) -> str | None:
    for name, pattern in _COMPLAINT_PATTERNS:
        if pattern.search(text or ""):
            return name
    return None


def visit_window(value: str, now: datetime) -> dict | None:
    """A preferred visiting window ``{"start", "end"}`` (aware datetimes) for a time entity
    value such as ``day+1 morning``; None when it cannot be read or lies in the past."""
    from nlu.entities.timex import resolve  # the NLU's own reading of its time values

    local = now.astimezone(LOCAL_TZ)
    try:
        anchor = resolve(value, local)
    except (ValueError, KeyError, OverflowError):
        return None
    tokens = value.split()
    clock_given = any(re.fullmatch(r"\d{2}:\d{2}", t) or t.startswith("in+") for t in tokens)
    part = next((t for t in tokens if t in _PART_WINDOWS), None)
    if clock_given:
        start, end = anchor, anchor + timedelta(hours=2)
    else:
        low, high = _PART_WINDOWS.get(part, _DAY_WINDOW)
        day = anchor.date()
        start = datetime.combine(day, time(low), LOCAL_TZ)
        end = datetime.combine(day, time(high), LOCAL_TZ)
    if end <= local:
        return None
    return {"start": max(start, local), "end": end}
