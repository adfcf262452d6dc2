"""Dispatch: who gets a case, in the three modes of the Chinese property peers (java110).

- ``assign``: a dispatcher (or manager) picks the handler by hand;
- ``grab``: the case waits in a pool (``case["pool"]`` = the trade) and handlers of that
  trade take it themselves, each up to a cap of open cases (default 5, per person
  ``max_open_tickets``);
- ``round_robin``: the system assigns at once to the handler of the trade with the fewest
  open cases, skipping those at their cap; ties rotate through a pointer in Redis, so
  equally loaded handlers take turns. With nobody free the case waits for a dispatcher.

The mode is chosen per category per community from a small settings document
(``settings`` collection, ``_id = "<workflow>:<community_id>"``) merged over the
workflow's defaults. Repairs use it now; complaints and volunteer tasks can reuse it by
passing their own collection, open states and defaults.
"""
from __future__ import annotations

import copy
from datetime import datetime

from core import clock
from core.errors import Conflict, ValidationFailed
from core.roles import TECHNICIAN, Actor
from core.store import DuplicateKey

from .cases import locked, staff_of

ASSIGN, GRAB, ROUND_ROBIN = "assign", "grab", "round_robin"
MODES = (ASSIGN, GRAB, ROUND_ROBIN)
DEFAULT_CAP = 5
CAP_FIELD = "max_open_tickets"


# ---- settings ------------------------------------------------------------------------------

def settings_id(workflow_name: str, community_id: str) -> str:
    return f"{workflow_name}:{community_id}"


def load_settings(store, workflow_name: str, community_id: str, defaults: dict) -> dict:
    """The community's settings merged over ``defaults`` (``modes`` is merged per key).

    ``defaults`` looks like ``{"default_mode": "assign", "modes": {category: mode},
    "cap": 5, ...workflow-specific keys}``; the stored document overrides any of them.
    """
    stored = store.collection("settings").get(settings_id(workflow_name, community_id)) or {}
    merged = copy.deepcopy(defaults)
    for key, value in stored.items():
        if key == "modes":
            merged.setdefault("modes", {}).update(value)
        elif key not in ("_id", "community_id", "workflow"):
            merged[key] = value
    merged["version"] = stored.get("version", 0)
    return merged


def save_settings(store, workflow_name: str, community_id: str, changes: dict, defaults: dict, actor: Actor,
                  expected_version: int | None = None, now: datetime | None = None) -> dict:
    """Store changed settings with a compare-and-set; returns the merged settings.

    ``changes`` has already been validated for shape by the caller; here modes are checked
    against :data:`MODES` and keys against ``defaults`` (unknown keys are refused).
    """
    unknown = sorted(set(changes) - set(defaults))
    if unknown:
        raise ValidationFailed("error.settings_unknown", key=unknown[0])
    modes = changes.get("modes") or {}
    known_modes = set(defaults.get("modes", {}))
    for key, mode in list(modes.items()) + [("default_mode", changes.get("default_mode", ASSIGN))]:
        if mode not in MODES:
            raise ValidationFailed("error.dispatch_mode_unknown", mode=str(mode)[:40])
        if key != "default_mode" and known_modes and key not in known_modes:
            raise ValidationFailed("error.settings_unknown", key=str(key)[:40])
    collection = store.collection("settings")
    doc_id = settings_id(workflow_name, community_id)
    stored = collection.get(doc_id)
    current_version = stored["version"] if stored else 0
    if expected_version is not None and expected_version != current_version:
        raise Conflict("error.stale_version", details={"version": current_version})
    doc = copy.deepcopy(stored) if stored else {"_id": doc_id, "community_id": community_id,
                                                 "workflow": workflow_name}
    for key, value in changes.items():
        if key == "modes":
            doc.setdefault("modes", {}).update(value)
        else:
            doc[key] = value
    doc.update(updated_at=clock.iso(now or clock.now()), updated_by=actor.id)
    if stored is None:
        try:
            collection.insert(doc)
        except DuplicateKey:
            raise Conflict("error.stale_version")
    elif not collection.replace(doc, current_version):
        raise Conflict("error.stale_version")
    return load_settings(store, workflow_name, community_id, defaults)


def mode_for(settings: dict, key: str) -> str:
    return settings.get("modes", {}).get(key) or settings.get("default_mode", ASSIGN)


# ---- handlers and their workload -------------------------------------------------------------

def handlers(store, community_id: str, trade: str | None, role: str = TECHNICIAN) -> list[dict]:
    """Active staff with ``role`` (and ``trade`` when given), ordered by id for stable turns."""
    return sorted((p for p in staff_of(store, community_id)
                   if role in p.get("roles", []) and (trade is None or trade in p.get("trades", []))),
                  key=lambda p: p["_id"])


def cap_of(person: dict, default_cap: int = DEFAULT_CAP) -> int:
    value = person.get(CAP_FIELD)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default_cap


def open_load(store, collection: str, community_id: str, person_id: str, open_states) -> int:
    return store.collection(collection).count({"community_id": community_id, "assignee_id": person_id,
                                               "state": {"$in": sorted(open_states)}})


def has_capacity(store, collection: str, person: dict, open_states, default_cap: int = DEFAULT_CAP) -> bool:
    return open_load(store, collection, person["community_id"], person["_id"], open_states) < cap_of(
        person, default_cap)


def capacity_lock(services, community_id: str, person_id: str):
    """Held while a handler's workload is checked and a case given to them, so two grabs by
    one person at the same moment cannot both slip under the cap."""
    return locked(services, "dispatch", "load", community_id, person_id)


def find_handler(store, community_id: str, person_id: str | None,
                 roles: str | tuple[str, ...] = TECHNICIAN) -> dict:
    """The named person if they are an active handler (staff holding one of ``roles``) of
    this community; 422 otherwise."""
    roles = (roles,) if isinstance(roles, str) else roles
    person = store.collection("people").get(person_id) if isinstance(person_id, str) and person_id else None
    if (person is None or person.get("community_id") != community_id or not person.get("active", True)
            or person.get("kind") != "staff" or not set(roles) & set(person.get("roles", []))):
        raise ValidationFailed("error.assignee_invalid")
    return person


def pick_round_robin(services, collection: str, community_id: str, trade: str | None, open_states,
                     default_cap: int = DEFAULT_CAP, exclude: tuple[str, ...] = (), role: str = TECHNICIAN,
                     capped: bool = True) -> dict | None:
    """The next handler for an automatic assignment, or ``None`` when all are at their cap
    (or there is nobody with ``role``, and ``trade`` when given).

    Fewest open cases first; among equally loaded handlers a rotating pointer in Redis
    picks, so a quiet day still spreads cases instead of always choosing the same person.
    ``capped=False`` ignores workload caps: an emergency goes to someone whatever their load.
    """
    store = services.store
    loads = []
    for person in handlers(store, community_id, trade, role):
        if person["_id"] in exclude:
            continue
        load = open_load(store, collection, community_id, person["_id"], open_states)
        if not capped or load < cap_of(person, default_cap):
            loads.append((load, person))
    if not loads:
        return None
    lowest = min(load for load, _ in loads)
    tied = [person for load, person in loads if load == lowest]
    turn = services.redis.incr(services.key("dispatch", "rr", collection, community_id, trade or role))
    return tied[(turn - 1) % len(tied)]
