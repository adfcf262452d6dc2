"""Running a form: ask what is missing, read answers, accept corrections, confirm, submit.

The rules, whatever the form:

- every turn reads *all* it can (:attr:`Form.fill`), so a rambling answer fills several
  slots and only what is still missing is asked, one question at a time;
- a slot already filled is overwritten by a newer mention ("不对，是4号楼") and the
  change is acknowledged;
- a question that gets no answer is asked again in other words, at most
  :data:`MAX_REASKS` times; then a human is offered;
- "算了 / 取消" ends the form at any point; a question asked in passing is answered and
  the form's question repeated;
- nothing is created before the person confirms the read-back.
"""
from __future__ import annotations

import logging
import re

from core import i18n
from core.errors import LinliError
from workflows.repair.catalogue import HOME, category

from . import policies, understand
from .elderly import house_words, location_words
from .forms import FORM_OF_INTENT, FORMS, Form
from .turn import Turn

log = logging.getLogger("linli.bot")
MAX_REASKS = 2
SURE = 0.6
SWITCH_SURE = 0.8
MAX_CANCEL_CHARS = 10
_CANCEL = re.compile(r"算了|取消|不报了|不修了|不投诉了|不弄了|不办了|不用报了|不要报了|撤销"
                     r"|cancel|never ?mind|forget it", re.I)
CONFIRM_BUTTONS = (("bot.button.confirm", "/affirm"), ("bot.button.change", "/deny"),
                   ("bot.button.cancel", "/cancel"))
OFFER_BUTTONS = (("bot.button.human", "/human_agent"), ("bot.button.continue", "/continue"),
                 ("bot.button.cancel", "/cancel"))
YES_NO_BUTTONS = (("bot.button.yes", "/affirm"), ("bot.button.no", "/deny"))
TIME_BUTTONS = (("bot.button.asap", "尽快"), ("bot.button.tomorrow_morning", "明天上午"),
                ("bot.button.tomorrow_afternoon", "明天下午"))


# ---- starting and advancing ------------------------------------------------------------------

def start(turn: Turn, form: Form) -> None:
    turn.tracker.start_form(form.name)
    turn.act(f"start_{form.name}")
    form.fill(turn, turn.tracker.slots, None, True)
    advance(turn, form)


def advance(turn: Turn, form: Form) -> None:
    """Ask the next missing slot, or read everything back for confirmation."""
    slots = turn.tracker.slots
    form.defaults(turn, slots)
    slot = form.missing(slots)
    if slot is None:
        ask_confirm(turn, form)
    else:
        ask_slot(turn, form, slot.name)


def ask_slot(turn: Turn, form: Form, name: str) -> None:
    tracker = turn.tracker
    tracker.pending = {"kind": "slot", "slot": name}
    attempt = tracker.retries.get(name, 0)
    turn.act(f"ask_{name}")
    key, buttons, params = _question(turn, form, name)
    turn.ask(key if attempt == 0 else f"{key}.again{attempt}", buttons, **params)


def _question(turn: Turn, form: Form, name: str) -> tuple[str, tuple, dict]:
    base = f"bot.ask.{form.name}.{name}"
    if form.name == "repair" and name == "location":
        return _repair_location_question(turn)
    if name in ("preferred_time", "when"):
        return base, TIME_BUTTONS, {}
    if form.slot(name) is not None and form.slot(name).yes_no:
        return base, YES_NO_BUTTONS, {}
    return base, (), {}


def _repair_location_question(turn: Turn) -> tuple[str, tuple, dict]:
    houses = turn.houses()
    code = category(turn.tracker.slots.get("category") or "")
    if code is not None and HOME not in code.locations:  # a lift is never inside a home
        buttons = tuple((f"{h['building']}号楼{h['unit']}单元", f"{h['building']}号楼{h['unit']}单元")
                        for h in houses[:2])
        return "bot.ask.repair.where_public", buttons, {}
    if len(houses) > 1:
        # the payload is the address itself, so a typed or spoken answer reads the same way
        buttons = tuple((house_words(h, turn.locale, turn.elderly), house_words(h, "zh_CN", False))
                        for h in houses[:3])
        return "bot.ask.repair.which_house", buttons, {}
    return "bot.ask.repair.location", (), {}


def ask_confirm(turn: Turn, form: Form, unclear: bool = False) -> None:
    turn.tracker.pending = {"kind": "confirm"}
    turn.act(f"confirm_{form.name}")
    if unclear:
        turn.reply.say("bot.confirm.unclear")
    key, params = form.readback(turn, turn.tracker.slots)
    turn.ask(key, CONFIRM_BUTTONS, **params)


def offer_human(turn: Turn, slot: str | None) -> None:
    turn.tracker.pending = {"kind": "offer_human", "slot": slot}
    turn.act("offer_human")
    turn.ask("bot.ask.offer_human", OFFER_BUTTONS)


# ---- one turn inside a form ---------------------------------------------------------------------

def handle(turn: Turn) -> None:
    """A text (or location) turn while a form is in progress."""
    tracker = turn.tracker
    form = FORMS[tracker.form]
    pending = tracker.pending or {}
    kind, asked = pending.get("kind"), pending.get("slot")
    name = understand.intent(turn.parse)
    sure = understand.confidence(turn.parse) >= SURE
    if wants_cancel(turn, form, kind, asked):
        cancel(turn, form)
        return
    if name == "human_agent" and sure:
        policies.human_agent(turn, reason="asked_in_form", summary={"form": form.name, **tracker.slots})
        tracker.end_form()
        return
    if kind == "offer_human":
        if _offer_answered(turn, form, asked):
            return
        kind = "slot" if asked else "confirm"
        tracker.pending = {"kind": kind, "slot": asked} if asked else {"kind": "confirm"}
    if name in policies.SIDE_INTENTS and sure and not _answers(turn, form, asked):
        policies.SIMPLE[name](turn)
        repeat(turn)
        return
    if _switches_form(turn, form):
        return
    if kind == "confirm":
        _on_confirm(turn, form)
    elif kind == "change":
        _on_change(turn, form)
    else:
        _on_slot(turn, form, asked)


def wants_cancel(turn: Turn, form: Form, kind: str | None, asked: str | None) -> bool:
    text = turn.text or ""
    # "算了" is a cancel; "物业取消了我的车位" is a complaint that mentions one
    if turn.payload == "cancel" or (len(text) <= MAX_CANCEL_CHARS and _CANCEL.search(text)):
        return True
    if understand.intent(turn.parse) != "cancel" or understand.confidence(turn.parse) < SURE:
        return False
    # "不用了" answers "do you want to stay anonymous?"; it does not cancel the complaint
    return not _answers_yes_no(form, asked, turn) and kind != "offer_human"


def _answers_yes_no(form: Form, asked: str | None, turn: Turn) -> bool:
    slot = form.slot(asked) if asked else None
    return bool(slot and slot.yes_no and understand.yes_no(turn.parse, turn.text) is not None)


# the entities that answer each slot's question
_ANSWERED_BY = {"category": ("facility",), "location": ("building", "room", "place"),
                "preferred_time": ("time",), "when": ("time",)}


def _answers(turn: Turn, form: Form, asked: str | None) -> bool:
    """Does this message answer the question asked, whatever else the NLU thinks it is?
    ("明天上午有人在家" answers "when?"; "电梯能用吗" does not answer it.)"""
    if _answers_yes_no(form, asked, turn):
        return True
    return any(understand.first(turn.parse, entity) for entity in _ANSWERED_BY.get(asked, ()))


def _switches_form(turn: Turn, form: Form) -> bool:
    """"我要投诉" in the middle of a repair: a new request, clearly said, replaces it."""
    name = understand.intent(turn.parse)
    other = FORM_OF_INTENT.get(name)
    if other is None or other is form or understand.confidence(turn.parse) < SWITCH_SURE:
        return False
    pending = turn.tracker.pending or {}
    if pending.get("kind") != "slot" or pending.get("slot") in ("description", "what"):
        return False  # a complete report is not dropped, and an open question takes any answer
    turn.reply.say(f"bot.form.set_aside.{form.name}")
    turn.tracker.end_form()
    start(turn, other)
    return True


def _on_slot(turn: Turn, form: Form, asked: str | None) -> None:
    tracker = turn.tracker
    before = dict(tracker.slots)
    changed = form.fill(turn, tracker.slots, asked, False)
    acknowledge(turn, form, before, changed)
    if asked and asked not in tracker.slots and form.slot(asked).applies(tracker.slots):
        failed(turn, form, asked)
        return
    if asked:
        tracker.retries.pop(asked, None)
    advance(turn, form)


def failed(turn: Turn, form: Form, name: str) -> None:
    """The question got no answer: ask it again differently, at most twice, then offer a human."""
    tracker = turn.tracker
    tracker.retries[name] = tracker.retries.get(name, 0) + 1
    turn.act("reask")
    if tracker.retries[name] > MAX_REASKS:
        offer_human(turn, name)
    elif name == "confirm":
        ask_confirm(turn, form, unclear=True)
    elif name == "change":
        _ask_change(turn, form)
    else:
        ask_slot(turn, form, name)


def _on_confirm(turn: Turn, form: Form) -> None:
    tracker = turn.tracker
    before = dict(tracker.slots)
    changed = form.fill(turn, tracker.slots, None, False)
    if changed:  # "不对，是4号楼" / "对，明天下午吧": take the correction, read back again
        acknowledge(turn, form, before, changed)
        tracker.retries.pop("confirm", None)
        advance(turn, form)
        return
    answer = understand.yes_no(turn.parse, turn.text)
    if answer is True:
        submit(turn, form)
    elif answer is False:
        tracker.retries.pop("confirm", None)
        _ask_change(turn, form)
    else:
        failed(turn, form, "confirm")


def _ask_change(turn: Turn, form: Form) -> None:
    turn.tracker.pending = {"kind": "change"}
    turn.act("ask_change")
    buttons = tuple((f"bot.field.{form.name}.{slot}", f"/change:{slot}") for slot, _ in form.change_words)
    turn.ask(f"bot.ask.change.{form.name}", buttons)


def _on_change(turn: Turn, form: Form) -> None:
    tracker = turn.tracker
    before = dict(tracker.slots)
    changed = form.fill(turn, tracker.slots, None, False)
    if changed:
        acknowledge(turn, form, before, changed)
        advance(turn, form)
        return
    slot = turn.payload_arg if turn.payload == "change" else _named_slot(form, turn.text)
    if slot and any(slot == name for name, _ in form.change_words):
        tracker.retries.pop("change", None)
        for name in _dependants(form, slot):
            tracker.slots.pop(name, None)
        ask_slot(turn, form, slot)
    elif understand.yes_no(turn.parse, turn.text) is True:
        ask_confirm(turn, form)
    else:
        failed(turn, form, "change")


def _named_slot(form: Form, text: str) -> str | None:
    for slot, words in form.change_words:
        if re.search(words, text or "", re.I):
            return slot
    return None


def _dependants(form: Form, slot: str) -> tuple[str, ...]:
    """Slots to clear when ``slot`` is changed: a new "what is broken" needs new words too."""
    if form.name == "repair" and slot == "category":
        return ("category", "description")
    if form.name == "repair" and slot == "location":
        return ("location", "location_defaulted")
    return (slot,)


def _offer_answered(turn: Turn, form: Form, slot: str | None) -> bool:
    """After "shall I get you a person?": yes hands off, "continue" asks again from scratch.
    Anything else may be the answer to the original question after all (returns False)."""
    wants_more = turn.payload == "continue" or re.search(r"继续|接着|continue", turn.text or "", re.I)
    answer = "continue" if wants_more else understand.yes_no(turn.parse, turn.text)
    if answer is True:
        policies.human_agent(turn, reason="not_understood", summary={"form": form.name, **turn.tracker.slots})
        turn.tracker.end_form()
        return True
    if answer in (False, "continue"):
        turn.tracker.retries.pop(slot or "confirm", None)
        if slot:
            ask_slot(turn, form, slot)
        else:
            ask_confirm(turn, form)
        return True
    return False


# ---- ending ------------------------------------------------------------------------------------

def submit(turn: Turn, form: Form) -> None:
    tracker = turn.tracker
    try:
        key, params = form.submit(turn, tracker.slots)
    except (LinliError, ValueError) as err:
        log.warning("bot could not submit %s for %s: %s", form.name, turn.inbound.user_key, err)
        reason = (i18n.translate(err.message_key, turn.locale, **err.params)
                  if isinstance(err, LinliError) else "")
        turn.reply.say("bot.submit.failed", reason=reason)
        offer_human(turn, None)
        return
    tracker.end_form()
    turn.act(f"submit_{form.name}")
    turn.reply.meta["case_number"] = params.get("number")
    turn.reply.say(key, **params)


def cancel(turn: Turn, form: Form) -> None:
    turn.tracker.end_form()
    turn.act(f"cancel_{form.name}")
    turn.reply.say(f"bot.form.cancelled.{form.name}")


def repeat(turn: Turn) -> None:
    """Ask the last question again, word for word (after "没听清", or after a side answer)."""
    prompt = turn.tracker.last_prompt
    if prompt:
        buttons = tuple(tuple(b) for b in prompt.get("buttons", []))
        turn.ask(prompt["key"], buttons, **prompt.get("params", {}))


def acknowledge(turn: Turn, form: Form, before: dict, changed: list[str]) -> None:
    """Say which earlier answers were corrected ("好的，改成 4 号楼")."""
    if changed:
        turn.act("fill_slots")
    for name in changed:
        corrected = name in before and before[name] != turn.tracker.slots.get(name)
        if corrected and not before.get(f"{name}_defaulted"):
            turn.reply.say("bot.corrected", value=value_words(turn, name, turn.tracker.slots[name]))
        elif name == "location" and before.get("location_defaulted"):
            turn.tracker.slots.pop("location_defaulted", None)
            turn.reply.say("bot.corrected", value=value_words(turn, name, turn.tracker.slots[name]))


def value_words(turn: Turn, name: str, value) -> str:
    if name == "location":
        return location_words(value, turn.locale, turn.elderly)
    if name == "category":
        return turn.words(f"bot.facility.{value}")
    if name in ("preferred_time", "when"):
        return value.get("text") or turn.words("bot.time.anytime")
    if name == "anonymous":
        return turn.words("bot.anonymous.yes" if value else "bot.anonymous.no")
    return str(value)
