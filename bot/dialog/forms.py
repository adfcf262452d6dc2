"""The intake forms — repair, complaint, help request — declared as slots plus a reader.

A :class:`Form` names its slots in the order they are asked, a ``fill`` function that
reads one turn into the slots (every entity the person mentioned, not only the slot that
was asked: people ramble, and whatever they already said is never asked again), optional
``defaults`` (the resident's own house), the read-back shown before anything is created,
and the action that submits it. The conversation mechanics around forms (asking,
retrying, confirming, correcting) live in :mod:`.formflow`.

Slot values are plain JSON (the tracker stores them):

- ``category``: a repair category code (the NLU facility names are the repair codes);
- ``location``: ``{"kind": "home", "house_id", "building", "unit", "room", "own"}`` or
  ``{"kind": "public", "place"}``;
- ``description`` / ``what``: the person's own words;
- ``preferred_time`` / ``when``: ``{"text", "value", "start", "end"}`` or ``{"anytime": true}``;
- ``anonymous``: bool; ``photos``: channel media references.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from core import clock
from workflows.repair.catalogue import HOME, PUBLIC, category

from ..actions import complaint as complaint_action
from ..actions import help_requests as help_action
from ..actions import people
from ..actions import repair as repair_action
from ..messages import LOCATION
from . import understand
from .elderly import building_words, house_words, location_words
from .turn import Turn

REPAIR, COMPLAINT, HELP = "repair", "complaint", "help"
MAX_PLACE = 60
MAX_TEXT = 2000

# words that say "this is about a place" when someone answers "where?" without an address
_PLACE_CUE = re.compile(r"门|楼|路|车库|停车|大堂|花园|广场|走廊|楼道|旁边|附近|对面"
                        r"|里|口|边|院|场|站|库|厅|层|梯|区|号"
                        r"|gate|garage|lobby|garden|park|stair|hall|road|street|entrance|corridor|near", re.I)
# what is left of "3号楼2单元的" once the numbers are read: nothing of the person's own
_ADDRESS_FILLER = re.compile(r"号楼|号|栋|幢|座|单元|室|房|的|了|啊|呀|吧|呢|是|在|嗯|哦"
                             r"|那个|这个|就是|[，。,.!！?？\s]")
# request words with no content of their own ("我要报修" says nothing about what is broken)
_FILLER = re.compile(r"我要|我想|我们|麻烦|帮我|帮忙|请问|请|你好|您好|物业|师傅|报修|报个修|维修|修一下"
                     r"|投诉|反映|求助|一下|一个|有个|问题|事情|东西"
                     r"|了|的|啊|吧|呢|哦|嗯|呀|喂|[，。,.!！?？\s]"
                     r"|i want to|i'd like to|please|report|complain|repair|help|hello|hi|a |an |the ", re.I)


@dataclass(frozen=True)
class Slot:
    name: str
    applies: Callable[[dict], bool] = lambda slots: True
    yes_no: bool = False          # answered with yes/no: "不用了" answers it, it does not cancel


@dataclass(frozen=True)
class Form:
    name: str
    intent: str
    slots: tuple[Slot, ...]
    fill: Callable[[Turn, dict, str | None, bool], list[str]]
    readback: Callable[[Turn, dict], tuple[str, dict]]
    submit: Callable[[Turn, dict], tuple[str, dict]]
    # which slot a word in "what should I change?" names
    change_words: tuple[tuple[str, str], ...] = ()
    defaults: Callable[[Turn, dict], None] = lambda turn, slots: None

    def missing(self, slots: dict) -> Slot | None:
        for slot in self.slots:
            if slot.applies(slots) and slot.name not in slots:
                return slot
        return None

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


# ---- shared readers --------------------------------------------------------------------------

def contentful(turn: Turn) -> bool:
    """Does this message say something of substance, beyond "I want to report"?"""
    if turn.payload:
        return False
    if understand.first(turn.parse, "facility") or understand.first(turn.parse, "place"):
        return True
    return len(_FILLER.sub("", turn.text or "")) >= 3


def free_text_answer(turn: Turn, form_intent: str) -> bool:
    """May this message be taken word for word as the answer to an open question?

    Not when the NLU is sure it is chatter or a request of another kind: "你好" is not a
    description, and "我要投诉噪音" in the middle of a repair is a new request.
    """
    if turn.payload or len((turn.text or "").strip()) < 2:
        return False
    name, sure = understand.intent(turn.parse), understand.confidence(turn.parse) >= 0.6
    other_request = name in understand.CONTENT_INTENTS and name != form_intent
    return not (sure and (name in understand.CHATTER or other_request)) or len(turn.text) >= 15


def _set(slots: dict, name: str, value, changed: list[str]) -> None:
    if value is not None and slots.get(name) != value:
        slots[name] = value
        changed.append(name)


def home_location(house: dict, own: bool) -> dict:
    return {"kind": HOME, "house_id": house["_id"], "building": house.get("building", ""),
            "unit": house.get("unit", ""), "room": house.get("room", ""), "own": own}


def mentioned_location(turn: Turn, asked: bool) -> dict | None:
    """The location this turn names: a shared location, an address, a place, or — when
    "where?" was asked — the person's own words for a public spot ("2号楼楼下")."""
    inbound = turn.inbound
    if inbound.kind == LOCATION and inbound.location is not None:
        label = inbound.location.label or f"{inbound.location.latitude:.5f},{inbound.location.longitude:.5f}"
        return {"kind": PUBLIC, "place": label[:MAX_PLACE]}
    if turn.payload:
        return None
    addr = understand.address(turn.parse)
    place = understand.first(turn.parse, "place")
    if {"building", "unit", "room"} <= set(addr):
        return _house_location(turn, addr["building"], addr["unit"], addr["room"])
    if "room" in addr and not addr.get("building") and turn.houses():
        # "501的": a room in the person's own building and unit
        mine = turn.houses()[0]
        return _house_location(turn, mine["building"], mine["unit"], addr["room"])
    text = (turn.text or "").strip()
    if asked and len(text) <= MAX_PLACE and (addr or place or _PLACE_CUE.search(text)) and _own_words(turn):
        return {"kind": PUBLIC, "place": text}
    if addr.get("building"):
        where = building_words(addr["building"], addr.get("unit"), turn.locale, False)
        if place and addr["building"] in place:
            where = place
        elif place:
            where += place
        return {"kind": PUBLIC, "place": where[:MAX_PLACE]}
    if place:
        return {"kind": PUBLIC, "place": place[:MAX_PLACE]}
    return None


def _house_location(turn: Turn, building: str, unit: str, room: str) -> dict:
    own = next((h for h in turn.houses() if (h.get("building"), h.get("unit"), h.get("room")) ==
                (building, unit, room)), None)
    if own is not None:
        return home_location(own, True)
    house = people.house_at(turn.services, turn.community_id, building, unit, room)
    if house is not None:
        return home_location(house, False)
    return {"kind": PUBLIC, "place": house_words({"building": building, "unit": unit, "room": room},
                                                 turn.locale, False)}


def _own_words(turn: Turn) -> bool:
    """Does the text say more than the address or place in it ("楼下", "旁边")?"""
    rest = turn.text or ""
    for entity in (turn.parse or {}).get("entities", []):
        rest = rest.replace(str(entity.get("text") or entity.get("value") or ""), "")
    return len(_ADDRESS_FILLER.sub("", rest)) >= 2


def mentioned_time(turn: Turn, asked: bool) -> dict | None:
    value = understand.first(turn.parse, "time")
    if value:
        window = understand.visit_window(value, turn.now)
        if window is not None:
            surface = next((e.get("text") for e in turn.parse.get("entities", [])
                            if e.get("entity") == "time" and e.get("value") == value), None) or value
            return {"text": surface, "value": value, "start": clock.iso(window["start"]),
                    "end": clock.iso(window["end"])}
    if understand.anytime(turn.text) or (asked and understand.unknown(turn.text)):
        return {"anytime": True}
    return None


def time_words(turn: Turn, when: dict | None) -> str:
    """The visiting time as the person said it ("明天上午"); in English, the window itself,
    since the words may have been Chinese (a button's payload) or a time format of its own."""
    if not when or when.get("anytime"):
        return turn.words("bot.time.anytime")
    if turn.locale.startswith("zh") or not when.get("start"):
        return when.get("text") or ""
    start, end = (clock.parse_iso(when[k]).astimezone(understand.LOCAL_TZ) for k in ("start", "end"))
    return turn.words("bot.time.window", day=start.strftime("%a %d %b"), start=start.strftime("%H:%M"),
                      end=end.strftime("%H:%M"))


def _description(turn: Turn, slots: dict, name: str, asked: str | None, first: bool, intent: str,
                 changed: list[str]) -> None:
    if name in slots and asked != name:
        return
    if (first and contentful(turn)) or (asked == name and free_text_answer(turn, intent)):
        _set(slots, name, turn.own_words()[:MAX_TEXT], changed)


# ---- repair ------------------------------------------------------------------------------------

def _is_home(slots: dict) -> bool:
    return (slots.get("location") or {}).get("kind") == HOME


def fill_repair(turn: Turn, slots: dict, asked: str | None, first: bool) -> list[str]:
    changed: list[str] = []
    facility = understand.first(turn.parse, "facility")
    if facility and category(facility) is not None:
        _set(slots, "category", facility, changed)
    elif asked == "category" and free_text_answer(turn, "repair_request") and contentful(turn):
        _set(slots, "category", "other", changed)
        slots.setdefault("description", turn.own_words()[:MAX_TEXT])
    _description(turn, slots, "description", asked, first or asked == "category", "repair_request", changed)
    location = mentioned_location(turn, asked == "location")
    if location is not None:
        _set(slots, "location", _allowed_location(location, slots.get("category"), turn), changed)
    # read even before the location is known: "随时都可以来" in the first message counts
    _set(slots, "preferred_time", mentioned_time(turn, asked == "preferred_time"), changed)
    return changed


def _allowed_location(location: dict, code: str | None, turn: Turn) -> dict:
    """A repair at a house the reporter does not live in, or of a public-only facility
    (a lift) named by a home address, is reported as a public location in the same words."""
    cat = category(code or "")
    if location["kind"] == HOME and (not location.get("own") or (cat and HOME not in cat.locations)):
        if cat and HOME not in cat.locations:
            words = building_words(location["building"], location.get("unit"), turn.locale, False)
        else:
            words = house_words(location, turn.locale, False)
        return {"kind": PUBLIC, "place": words}
    return location


def repair_defaults(turn: Turn, slots: dict) -> None:
    """Where: the resident's one bound house (or, for a lift, its building and unit)."""
    if "location" in slots or "category" not in slots:
        return
    houses = turn.houses()
    if len(houses) == 1:
        slots["location"] = _allowed_location(home_location(houses[0], True), slots["category"], turn)
        slots["location_defaulted"] = True


def repair_readback(turn: Turn, slots: dict) -> tuple[str, dict]:
    params = {"where": location_words(slots.get("location"), turn.locale, turn.elderly),
              "what": turn.words(f"bot.facility.{slots.get('category', 'other')}"),
              "description": _short(slots.get("description", "")),
              "photos": len(slots.get("photos", []))}
    if _is_home(slots):
        return "bot.confirm.repair", {**params, "when": time_words(turn, slots.get("preferred_time"))}
    return "bot.confirm.repair_public", params


def submit_repair(turn: Turn, slots: dict) -> tuple[str, dict]:
    created = repair_action.submit(turn.services, turn.person, slots, turn.inbound)
    key = "bot.done.repair_merged" if created.merged else "bot.done.repair"
    return key, {"number": created.case.get("number", "")}


REPAIR_FORM = Form(
    name=REPAIR, intent="repair_request",
    slots=(Slot("category"), Slot("location"), Slot("description"), Slot("preferred_time", applies=_is_home)),
    fill=fill_repair, readback=repair_readback, submit=submit_repair, defaults=repair_defaults,
    change_words=(("location", r"地址|地点|位置|地方|哪里|房子|哪套|楼|where|address|place|location"),
                  ("category", r"问题|什么坏|东西|类别|描述|内容|what|problem|description"),
                  ("preferred_time", r"时间|什么时候|几点|哪天|when|time")),
)


# ---- complaint ---------------------------------------------------------------------------------

def fill_complaint(turn: Turn, slots: dict, asked: str | None, first: bool) -> list[str]:
    changed: list[str] = []
    _description(turn, slots, "description", asked, first, "complaint", changed)
    kind = understand.complaint_category(turn.text) if (first or asked == "description") else None
    if kind:
        _set(slots, "category", kind, changed)
    location = mentioned_location(turn, asked == "location")
    if location is None and asked == "location" and understand.unknown(turn.text):
        location = {"kind": PUBLIC, "place": turn.words("bot.place.unknown")}
    if location is not None:
        _set(slots, "location", location, changed)
    if asked == "anonymous":
        _set(slots, "anonymous", understand.anonymity(turn.parse, turn.text), changed)
    else:  # "我要匿名投诉" answers the question before it is asked
        _set(slots, "anonymous", understand.anonymity_named(turn.text), changed)
    return changed


def complaint_readback(turn: Turn, slots: dict) -> tuple[str, dict]:
    who = "bot.anonymous.yes" if slots.get("anonymous") else "bot.anonymous.no"
    return "bot.confirm.complaint", {
        "where": location_words(slots.get("location"), turn.locale, turn.elderly),
        "what": turn.words(f"complaint.category.{slots.get('category') or 'other'}"),
        "description": _short(slots.get("description", "")), "who": turn.words(who)}


def submit_complaint(turn: Turn, slots: dict) -> tuple[str, dict]:
    case = complaint_action.submit(turn.services, turn.person, slots, turn.inbound)
    return "bot.done.complaint", {"number": case.get("number", "")}


COMPLAINT_FORM = Form(
    name=COMPLAINT, intent="complaint",
    slots=(Slot("description"), Slot("location"), Slot("anonymous", yes_no=True)),
    fill=fill_complaint, readback=complaint_readback, submit=submit_complaint,
    change_words=(("location", r"地址|地点|位置|地方|哪里|where|place|location"),
                  ("description", r"问题|内容|描述|什么事|what|problem|description"),
                  ("anonymous", r"匿名|名字|实名|anonymous|name")),
)


# ---- help request ------------------------------------------------------------------------------

def fill_help(turn: Turn, slots: dict, asked: str | None, first: bool) -> list[str]:
    changed: list[str] = []
    _description(turn, slots, "what", asked, first, "help_request", changed)
    _set(slots, "when", mentioned_time(turn, asked == "when"), changed)
    return changed


def help_readback(turn: Turn, slots: dict) -> tuple[str, dict]:
    return "bot.confirm.help", {"what": _short(slots.get("what", "")),
                                "when": time_words(turn, slots.get("when"))}


def submit_help(turn: Turn, slots: dict) -> tuple[str, dict]:
    record = help_action.record(turn.services, turn.person, slots, turn.inbound)
    return "bot.done.help", {"number": record.get("number", "")}


HELP_FORM = Form(
    name=HELP, intent="help_request",
    slots=(Slot("what"), Slot("when")),
    fill=fill_help, readback=help_readback, submit=submit_help,
    change_words=(("what", r"事情|内容|什么事|帮什么|what"), ("when", r"时间|什么时候|几点|哪天|when|time")),
)


FORMS: dict[str, Form] = {form.name: form for form in (REPAIR_FORM, COMPLAINT_FORM, HELP_FORM)}
FORM_OF_INTENT: dict[str, Form] = {form.intent: form for form in FORMS.values()}


def _short(text: str, limit: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
