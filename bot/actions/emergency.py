"""Emergencies said to the bot, until the emergency workflow exists (a later issue).

Stop-gap, in this order, all before the person gets the reply:

1. an **emergency repair** (``SERVICE.raise_emergency``: the emergency priority, which the
   public create API cannot ask for), reported by the person (or by the system for someone
   unknown). It is given at once to a security person of the duty room (round robin; the
   desk and the manager when nobody is on duty), escalates to the manager after 5 minutes
   and reminds the duty room every 5 minutes until someone accepts it (the table is in
   :mod:`workflows.repair.catalogue`). The category follows the danger — a lift with people
   inside is ``elevator``, a gas smell ``gas``, fire or smoke ``smoke_detector`` (each also
   calls the technicians of that trade); anything medical is ``other``, because no repair
   category fits a fall. The description starts with 【紧急求助】 and carries the person's
   words;
2. an ``emergency`` hand-off (collection ``handoffs``) — stored even when step 1 fails
   or there is no community at all, so an alert is never lost — whose outbox event pages
   the duty room (security), the dispatchers and the manager, plus the grid worker for an
   elderly resident, on WeCom and in their inbox. When that is nobody — someone unknown
   (no community: an openid nobody has bound), or a community with no active duty staff —
   the deployment-wide duty is paged instead: every active ``platform_admin`` (street
   office IT / duty), through the same outbox, so at least once.

A second emergency message within :data:`REPEAT_WINDOW` adds the words to the same repair
(a ``note``) instead of opening another one, and pages again.
"""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from core import clock
from core.errors import LinliError
from core.roles import DISPATCHER, GRID_WORKER, MANAGER, SECURITY, Actor
from workflows.repair.catalogue import HOME, PUBLIC, category
from workflows.repair.service import SERVICE

from . import handoff, outbox, people

log = logging.getLogger("linli.bot.emergency")
REPEAT_WINDOW = timedelta(minutes=10)
DUTY_ROLES = (SECURITY, DISPATCHER, MANAGER)
MARK = "【紧急求助】"

# safety-net rule (or words) -> repair category
_DANGER_CATEGORY = (
    (("trapped_in_lift",), r"电梯|梯里|lift|elevator", "elevator"),
    (("gas_smell",), r"煤气|燃气|天然气|液化气|瓦斯|gas", "gas"),
    (("fire", "smoke"), r"火|烟|fire|smoke", "smoke_detector"),
)


def danger_of(parse: dict | None) -> str | None:
    """The safety-net rule that fired, whatever shape the NLU reports it in."""
    net = (parse or {}).get("safety_net")
    if isinstance(net, list):
        net = net[0] if net else None
    if isinstance(net, dict):
        net = net.get("rule") or (net.get("rules") or [None])[0]
    return net if isinstance(net, str) else None


def category_for(parse: dict | None, text: str) -> str:
    rule = danger_of(parse)
    for rules, words, code in _DANGER_CATEGORY:
        if rule in rules or (rule is None and re.search(words, text or "", re.I)):
            return code
    return "other"


def raise_emergency(services, person: dict | None, inbound, parse: dict | None,
                    previous: dict | None = None) -> dict:
    """Record and page an emergency; returns ``{"case_id", "number", "handoff_id", "at",
    "paged"}`` (``paged``: how many people were paged; 0 means the person must be told that
    nobody could be).

    Raises only when not even the hand-off could be stored (the store is down): the
    caller then still tells the person to call 120/119 itself.
    """
    community_id = (person or {}).get("community_id") or inbound.community_id
    text = (inbound.text or "").strip()
    case = None
    if community_id:
        try:
            case = _record_case(services, person, inbound, parse, community_id, text, previous)
        except (LinliError, ValueError, KeyError):  # the hand-off below still records it
            log.exception("emergency repair could not be created for %s/%s", inbound.channel,
                          inbound.user_key)
    recipients = outbox.staff_ids(services.store, community_id, DUTY_ROLES)
    if person and "elderly" in (person.get("care_labels") or []):
        recipients += outbox.staff_ids(services.store, community_id, (GRID_WORKER,))
    notice = None
    if not recipients:  # nobody of a community to page: the deployment's own duty must hear of it
        recipients = outbox.platform_duty_ids(services.store)
        notice = None if community_id else "handoff.emergency_unplaced"
    doc, _ = handoff.open_handoff(
        services, person, inbound, reason="emergency", kind=handoff.EMERGENCY, recipients=recipients,
        summary={"case_id": (case or {}).get("_id"), "number": (case or {}).get("number"),
                 "danger": danger_of(parse), "voice": inbound.voice},
        data={"number": (case or {}).get("number") or "", "where": _where_words(case),
              "channel": inbound.channel},
        notice=notice)
    if not community_id:
        log.critical("EMERGENCY from an unknown person with no community (%d platform duty paged): %s/%s: %s",
                     len(recipients), inbound.channel, inbound.user_key, text[:200])
    if not recipients:
        log.critical("EMERGENCY paged nobody (no duty staff, no platform_admin): %s/%s, hand-off %s",
                     inbound.channel, inbound.user_key, doc["_id"])
    return {"case_id": (case or {}).get("_id"), "number": (case or {}).get("number"),
            "handoff_id": doc["_id"], "at": clock.now_iso(), "paged": len(recipients)}


def _record_case(services, person, inbound, parse, community_id: str, text: str,
                 previous: dict | None) -> dict:
    actor = people.actor_of(person) if people.known(person) else Actor.system(community_id)
    if previous and previous.get("case_id") and recent(previous):
        return SERVICE.act(services, actor, previous["case_id"], "note", {"note": f"{MARK}{text}"[:2000]})
    code = category_for(parse, text)
    data = {"category": code, "location": _location(services, person, code, inbound),
            "description": f"{MARK}{text or inbound.channel}"[:2000], "channel": inbound.channel}
    return SERVICE.raise_emergency(services, actor, data)


def recent(raised: dict | None) -> bool:
    """Was this emergency raised within :data:`REPEAT_WINDOW`?"""
    at = (raised or {}).get("at")
    return bool(at) and clock.now() - clock.parse_iso(at) <= REPEAT_WINDOW


def _location(services, person: dict | None, code: str, inbound) -> dict:
    houses = people.bound_houses(services, person) if people.known(person) else []
    allowed = category(code).locations
    if houses and HOME in allowed:
        return {"kind": HOME, "house_id": houses[0]["_id"]}
    if houses:
        house = houses[0]
        return {"kind": PUBLIC, "place": f"{house.get('building')}-{house.get('unit')}"}
    # nobody we know: say who wrote, so the duty room can answer on the same channel
    return {"kind": PUBLIC, "place": f"{inbound.channel}:{inbound.user_key}"[:100]}


def _where_words(case: dict | None) -> str:
    location = (case or {}).get("location") or {}
    return location.get("label") or location.get("place") or ""
