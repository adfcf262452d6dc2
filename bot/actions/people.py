"""Who is writing: the person behind an inbound message and the houses they are bound to."""
from __future__ import annotations

from core.directory.bindings import houses_of
from core.directory.premises import find_house
from core.roles import Actor


def person_of(services, inbound) -> dict | None:
    """The active person the channel resolved, or None (unknown, pending or deactivated).

    A person whose binding is still pending has no community yet: for the bot they are
    unknown too, except that their language is known (see :func:`language_of`).
    """
    if not inbound.person_id:
        return None
    person = services.store.collection("people").get(inbound.person_id)
    if person is None or not person.get("active", True):
        return None
    if inbound.community_id and person.get("community_id") != inbound.community_id:
        return None  # the channel says another community: trust neither
    return person


def known(person: dict | None) -> bool:
    """Someone the bot can act for: a person of a community."""
    return bool(person and person.get("community_id"))


def actor_of(person: dict) -> Actor:
    return Actor.from_person(person)


def bound_houses(services, person: dict) -> list[dict]:
    """The person's approved houses in their community, in address order (a stable menu)."""
    houses = houses_of(services.store, person["_id"], person.get("community_id"))
    return sorted(houses, key=lambda h: tuple(str(h.get(k, "")).zfill(6)
                                              for k in ("building", "unit", "room")))


def house_at(services, community_id: str, building: str, unit: str, room: str) -> dict | None:
    return find_house(services.store, community_id, building, unit, room)
