"""Bindings: a resident says "I live in 3-2-501 as its owner/tenant/...", staff verify.

``_id`` is ``f"{person_id}:{house_id}"`` (one binding per person and house). States:
``requested`` -> ``approved`` | ``rejected``; an approved or pending binding can be
``revoked`` (moved out, sold); a rejected or revoked one may be requested again.
A resident holds the ``owner`` role exactly while they have an approved owner/co-owner
binding; losing the last one also ends ``owners_committee`` (业委会 members must be owners).
"""
from __future__ import annotations

from core import clock
from core.errors import Conflict, NotFound, RateLimited
from core.roles import OWNER, OWNERS_COMMITTEE, RESIDENT, Actor

from . import fields
from .present import present_person
from .premises import find_house, get_house
from .scope import BINDING_DECIDERS, community_of, fetch, page, require, update

MAX_PENDING_PER_PERSON = 5


def binding_id(person_id: str, house_id: str) -> str:
    return f"{person_id}:{house_id}"


def new_binding(community_id: str, person_id: str, house_id: str, relation: str, state: str,
                decided_by: str | None = None) -> dict:
    now = clock.now_iso()
    doc = {"_id": binding_id(person_id, house_id), "community_id": community_id, "person_id": person_id,
           "house_id": house_id, "relation": relation, "state": state, "created_at": now,
           "history": [{"state": state, "at": now, "by": decided_by or person_id}]}
    if state != "requested":
        doc.update(decided_by=decided_by, decided_at=now)
    return doc


# ---- look-ups -----------------------------------------------------------------------------

def bindings_of(store, person_id: str, state: str | None = "approved") -> list[dict]:
    filter = {"person_id": person_id}
    if state:
        filter["state"] = state
    return store.collection("bindings").find(filter, sort=[("created_at", 1)]).items


def houses_of(store, person_id: str, community_id: str | None = None) -> list[dict]:
    """The houses a person is bound to (approved only), each with its ``relation`` added.

    ``community_id`` additionally keeps only that community's houses.
    """
    bindings = [b for b in bindings_of(store, person_id)
                if community_id is None or b["community_id"] == community_id]
    relation = {b["house_id"]: b["relation"] for b in bindings}
    houses = store.collection("houses").get_many(relation)
    return [{**house, "relation": relation[house["_id"]]} for house in houses
            if community_id is None or house["community_id"] == community_id]


def occupants(store, community_id: str, house_id: str) -> list[dict]:
    """People bound to a house (approved), each with its ``relation``: who lives there."""
    found = store.collection("bindings").find({"house_id": house_id, "state": "approved"}).items
    bindings = [b for b in found if b["community_id"] == community_id]
    relation = {b["person_id"]: b["relation"] for b in bindings}
    return [{**p, "relation": relation[p["_id"]]} for p in store.collection("people").get_many(relation)]


# ---- resident side ------------------------------------------------------------------------

def request_binding(store, actor: Actor, relation, house_id: str | None = None, building=None, unit=None,
                    room=None) -> tuple[dict, bool]:
    """A resident asks to be bound to a house, named by id or by building/unit/room.

    Returns ``(binding, created)``; asking again while a request is pending returns the
    pending one (with the new relation) instead of a second request.
    """
    require(actor, {RESIDENT})
    relation = fields.checked("relation", fields.relation, relation)
    if house_id:
        house = get_house(store, actor, house_id)
    else:
        house = find_house(store, actor.community_id, fields.checked("building", fields.code, building),
                           fields.checked("unit", fields.code, unit),
                           fields.checked("room", fields.code, room))
        if house is None:
            raise NotFound("directory.house_not_found")
    bindings = store.collection("bindings")
    key = binding_id(actor.id, house["_id"])
    with store.transaction():
        existing = bindings.get(key)
        if existing is None:
            if bindings.count({"person_id": actor.id, "state": "requested"}) >= MAX_PENDING_PER_PERSON:
                raise RateLimited("directory.too_many_pending", limit=MAX_PENDING_PER_PERSON)
            return bindings.insert(new_binding(house["community_id"], actor.id, house["_id"], relation,
                                               "requested")), True
        def ask_again(doc: dict) -> None:
            if doc["state"] == "approved":
                raise Conflict("directory.binding_exists")
            if doc["state"] != "requested":
                doc["created_at"] = clock.now_iso()   # back in the queue, at its end
                doc.pop("decided_by", None)
                doc.pop("decided_at", None)
                _log(doc, "requested", actor.id)
            doc.update(state="requested", relation=relation)

        return update(store, "bindings", key, ask_again), False


# ---- staff side ---------------------------------------------------------------------------

def _log(doc: dict, state: str, by: str, note: str = "") -> None:
    entry = {"state": state, "at": clock.now_iso(), "by": by}
    if note:
        entry["note"] = note[:500]
    doc.setdefault("history", []).append(entry)


def decide_binding(store, actor: Actor, binding_id_: str, approve: bool, note: str = "",
                   community_id: str | None = None) -> dict:
    """Staff approve or reject a pending request; approval of an owner makes them ``owner``."""
    require(actor, BINDING_DECIDERS)
    cid = community_of(store, actor, community_id)
    fetch(store, "bindings", cid, binding_id_, "directory.binding_not_found")
    target = "approved" if approve else "rejected"

    def decide(doc: dict) -> None:
        if doc["state"] != "requested":
            raise Conflict("directory.binding_not_pending", details={"state": doc["state"]})
        doc.update(state=target, decided_by=actor.id, decided_at=clock.now_iso())
        _log(doc, target, actor.id, note)

    with store.transaction():
        binding = update(store, "bindings", binding_id_, decide)
        if approve:
            sync_owner_role(store, binding["person_id"])
    return binding


def revoke_binding(store, actor: Actor, binding_id_: str, note: str = "",
                   community_id: str | None = None) -> dict:
    """End a binding (moved out, sold, entered by mistake): deciders, or the resident themself."""
    cid = community_of(store, actor, community_id)
    binding = fetch(store, "bindings", cid, binding_id_, "directory.binding_not_found")
    if binding["person_id"] != actor.id and not actor.has(*BINDING_DECIDERS):
        # someone else's binding stays hidden, exactly like another community's
        raise NotFound("directory.binding_not_found")

    def revoke(doc: dict) -> None:
        if doc["state"] not in ("approved", "requested"):
            raise Conflict("directory.binding_not_active", details={"state": doc["state"]})
        doc.update(state="revoked", decided_by=actor.id, decided_at=clock.now_iso())
        _log(doc, "revoked", actor.id, note)

    with store.transaction():
        binding = update(store, "bindings", binding_id_, revoke)
        sync_owner_role(store, binding["person_id"])
    return binding


def sync_owner_role(store, person_id: str) -> dict:
    """Make the person's ``owner`` role match their approved owner/co-owner bindings."""
    is_owner = any(b["relation"] in fields.OWNER_RELATIONS for b in bindings_of(store, person_id))

    def apply(doc: dict) -> None:
        roles = set(doc.get("roles", []))
        if is_owner:
            roles.add(OWNER)
        else:
            roles -= {OWNER, OWNERS_COMMITTEE}
        doc["roles"] = sorted(roles)

    return update(store, "people", person_id, apply)


def list_bindings(store, actor: Actor, state: str = "requested", community_id: str | None = None,
                  limit: int = 50, cursor: str | None = None):
    """Bindings of the community in one state; pending ones oldest first (a queue)."""
    require(actor, BINDING_DECIDERS)
    cid = community_of(store, actor, community_id)
    state = fields.checked("state", fields.choice, state, ("requested", "approved", "rejected", "revoked"))
    order = 1 if state == "requested" else -1
    return page(store, "bindings", {"community_id": cid, "state": state}, [("created_at", order)], limit,
                cursor)


def describe_bindings(store, bindings: list[dict], viewer: Actor) -> list[dict]:
    """Bindings with the person's name (phone masked per viewer) and the house label."""
    people = {p["_id"]: p for p in store.collection("people").get_many(b["person_id"] for b in bindings)}
    houses = {h["_id"]: h for h in store.collection("houses").get_many(b["house_id"] for b in bindings)}
    out = []
    for b in bindings:
        person, house = people.get(b["person_id"]), houses.get(b["house_id"])
        shown = present_person(person, viewer) if person else None
        out.append({"id": b["_id"], "relation": b["relation"], "state": b["state"],
                    "created_at": b["created_at"], "decided_at": b.get("decided_at"),
                    "decided_by": b.get("decided_by"),
                    "person": {k: shown[k] for k in ("id", "name", "phone")} if shown else None,
                    "house": {"id": house["_id"], "label": house["label"], "area_m2": house.get("area_m2")}
                    if house else None})
    return out

