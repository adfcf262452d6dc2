"""Staff commands typed in WeCom chat, mapped to the same service functions the staff
console calls (a business rule lives in ``workflows/``; nothing is decided here)::

    接单 <单号>              accept a ticket assigned to me, or grab it from my trade's pool
    到达 [<单号>]            I am on site (the number may be left out when one ticket waits)
    完成 <单号> [说明]       resolved, with a note for the resident
    转单 <单号> <同事>       hand the ticket to a colleague (name or WeCom userid)
    收到                     acknowledge an alert
    接待 [<编号>] / 结束     take a resident's request for a human / end it; while one is
                             taken, anything else typed goes to the resident

A number may be typed whole (``BX000123``) or as its digits (``123``). Every refusal is the
service's own localised message (not yours, wrong state, someone was faster ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from core import i18n
from core.errors import Conflict, LinliError, NotFound
from core.roles import Actor

from . import handoff_relay
from .messages import TEXT, InboundMessage, OutboundMessage

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CaseKind:
    """How the commands act on one workflow's cases (None: the workflow has no such step)."""

    workflow: str
    prefix: str
    collection: str
    service: Callable[[], object]                 # imported on use: workflows load lazily
    accept_event: str
    grab_event: str | None                       # take it from my trade's pool
    arrive_event: str | None
    resolve_event: str                           # its note is what the resident reads
    transfer_event: str | None
    waiting_states: tuple[str, ...]              # assigned to me, not yet accepted
    on_the_way_states: tuple[str, ...]           # accepted, not yet on site


def _repair_service():
    from workflows.repair import SERVICE

    return SERVICE


def _complaint_service():
    from workflows.complaint import SERVICE

    return SERVICE


CASE_KINDS = (
    CaseKind("repair", "BX", "repairs", _repair_service, "accept", "grab", "arrive", "resolve", "transfer",
             ("assigned", "transferred", "reopened"), ("accepted",)),
    # a complaint is answered, not visited, and moves between levels, not between colleagues
    CaseKind("complaint", "TS", "complaints", _complaint_service, "accept", None, None, "reply", None,
             ("submitted", "escalated", "reopened"), ()),
)


def respond(services, inbound: InboundMessage) -> list[OutboundMessage]:
    """The answer to one WeCom message from a staff member."""
    locale = inbound.locale
    if inbound.person_id is None:
        return [_say("channels.staff.unknown", locale)]
    staff = services.store.collection("people").get(inbound.person_id)
    if staff is None or staff.get("kind") != "staff":
        return [_say("channels.staff.unknown", locale)]
    actor = Actor.from_person(staff)
    if inbound.kind != TEXT or not inbound.text.strip():
        return [_say("channels.staff.help", locale)]
    words = _SPACES.split(inbound.text.strip().replace("\u3000", " "))
    command = COMMANDS.get(words[0].lower())
    try:
        if command is None:
            return handoff_relay.relay(services, actor, inbound.text.strip(), locale) or \
                [_say("channels.staff.help", locale)]
        return command(services, actor, words[1:], locale)
    except LinliError as err:
        return [OutboundMessage(text=i18n.translate(err.message_key, locale, **err.params))]


# ---- the commands -----------------------------------------------------------------------

def accept(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    if not args:
        return [_say("channels.staff.usage.accept", locale)]
    kind, case = _case(services, actor, args[0], locale)
    mine = case.get("assignee_id") == actor.id and case.get("state") in kind.waiting_states
    event = kind.grab_event if kind.grab_event and case.get("pool") and not mine else kind.accept_event
    try:
        case = kind.service().act(services, actor, case["_id"], event, {})
    except Conflict:
        # the usual reason is a colleague who was faster: name them rather than the state
        now = services.store.collection(kind.collection).get(case["_id"]) or {}
        if now.get("assignee_id") not in (None, actor.id):
            return [_say("channels.staff.taken_by", locale, number=case.get("number", ""),
                         name=now.get("assignee_name", ""))]
        raise
    return [_say("channels.staff.accepted", locale, **_summary(case))]


def arrive(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    if args:
        kind, case = _case(services, actor, args[0], locale)
    else:
        found = _on_the_way(services, actor)
        if not found:
            return [_say("channels.staff.nothing_to_arrive", locale)]
        if len(found) > 1:
            numbers = "、".join(c.get("number", "") for _, c in found)
            return [_say("channels.staff.which_case", locale, numbers=numbers)]
        kind, case = found[0]
    if kind.arrive_event is None:
        return [_say("channels.staff.no_visit", locale, number=case.get("number", ""))]
    case = kind.service().act(services, actor, case["_id"], kind.arrive_event, {})
    return [_say("channels.staff.arrived", locale, **_summary(case))]


def resolve(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    if not args:
        return [_say("channels.staff.usage.resolve", locale)]
    kind, case = _case(services, actor, args[0], locale)
    note = " ".join(args[1:])[:500]
    case = kind.service().act(services, actor, case["_id"], kind.resolve_event, {"note": note})
    return [_say("channels.staff.resolved", locale, **_summary(case))]


def transfer(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    if len(args) < 2:
        return [_say("channels.staff.usage.transfer", locale)]
    kind, case = _case(services, actor, args[0], locale)
    if kind.transfer_event is None:
        return [_say("channels.staff.no_transfer", locale, number=case.get("number", ""))]
    colleague = _colleague(services, actor, " ".join(args[1:]))
    if colleague is None:
        return [_say("channels.staff.colleague_unknown", locale, name=" ".join(args[1:])[:40])]
    case = kind.service().act(services, actor, case["_id"], kind.transfer_event,
                              {"assignee_id": colleague["_id"], "note": f"WeCom: {actor.name}"})
    return [_say("channels.staff.transferred", locale, name=colleague.get("name", ""), **_summary(case))]


def acknowledge(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    # emergencies (and with them alerts to acknowledge) are not built yet
    return [_say("channels.staff.nothing_to_acknowledge", locale)]


def show_help(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    return [_say("channels.staff.help", locale)]


def take_handoff(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    return handoff_relay.take(services, actor, args[0] if args else None, locale)


def end_handoff(services, actor: Actor, args: list[str], locale: str) -> list[OutboundMessage]:
    return handoff_relay.end(services, actor, locale)


COMMANDS: dict[str, Callable] = {
    "接单": accept, "accept": accept,
    "到达": arrive, "arrive": arrive,
    "完成": resolve, "done": resolve,
    "转单": transfer, "transfer": transfer,
    "收到": acknowledge, "ack": acknowledge,
    "接待": take_handoff, "take": take_handoff,
    "结束": end_handoff, "end": end_handoff,
    "帮助": show_help, "help": show_help, "?": show_help, "？": show_help,
}


# ---- finding tickets and colleagues ---------------------------------------------------------

def _numbers(text: str) -> list[tuple[CaseKind, str]]:
    """The case numbers ``text`` may mean: a whole number names one kind, bare digits any."""
    text = text.strip().upper()
    if text.isdigit() and len(text) <= 9:
        return [(kind, f"{kind.prefix}{int(text):06d}") for kind in CASE_KINDS]
    return [(kind, text) for kind in CASE_KINDS if text.startswith(kind.prefix)]


def _case(services, actor: Actor, text: str, locale: str) -> tuple[CaseKind, dict]:
    """The one case of the staff member's community that ``text`` names; 404 otherwise."""
    found = []
    for kind, number in _numbers(text):
        hits = services.store.collection(kind.collection).find(
            {"community_id": actor.community_id, "number": number}, limit=1).items
        found += [(kind, hit) for hit in hits]
    if not found:
        raise NotFound("channels.staff.case_not_found", number=text[:20])
    if len(found) > 1:
        raise Conflict("channels.staff.which_case", numbers="、".join(case["number"] for _, case in found))
    return found[0]


def _on_the_way(services, actor: Actor) -> list[tuple[CaseKind, dict]]:
    found = []
    for kind in CASE_KINDS:
        for state in kind.on_the_way_states:
            page = services.store.collection(kind.collection).find(
                {"community_id": actor.community_id, "assignee_id": actor.id, "state": state}, limit=10)
            found += [(kind, case) for case in page.items]
    return found


def _colleague(services, actor: Actor, who: str) -> dict | None:
    """A colleague of the same community, by WeCom userid or by name."""
    people = services.store.collection("people")
    by_userid = people.find({"community_id": actor.community_id, "wecom_userid": who}, limit=1).items
    if by_userid:
        return by_userid[0]
    named = [p for p in people.find({"community_id": actor.community_id, "kind": "staff"}, limit=500).items
             if p.get("name") == who and p.get("active", True)]
    return named[0] if len(named) == 1 else None


def _summary(case: dict) -> dict:
    location = case.get("location") or {}
    where = location.get("label") or location.get("place") or ""
    return {"number": case.get("number", ""), "where": where,
            "description": str(case.get("description") or "")[:40]}


def _say(key: str, locale: str, **params) -> OutboundMessage:
    return OutboundMessage(text=i18n.translate(key, locale, **params))
