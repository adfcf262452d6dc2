"""Submitting a repair the bot collected, through the repairs service."""
from __future__ import annotations

from core import clock
from workflows.cases import Created
from workflows.repair.catalogue import HOME
from workflows.repair.service import SERVICE

from . import people, photos


def submit(services, person: dict, slots: dict, inbound) -> Created:
    """File the repair; ``Created.merged`` says it joined a neighbour's open report.
    Chat photos become the reporter's uploads (:mod:`.photos`)."""
    actor = people.actor_of(person)
    location = slots["location"]
    if location["kind"] == HOME:
        where = {"kind": HOME, "house_id": location["house_id"]}
    else:
        where = {"kind": location["kind"], "place": location["place"]}
    attached = photos.attach(services, actor, slots.get("photos", []))
    data = {"category": slots["category"], "location": where,
            "description": photos.describe(slots["description"], attached), "photos": attached.ids,
            "preferred_window": window(slots.get("preferred_time")) if location["kind"] == HOME else None,
            "channel": inbound.channel}
    return SERVICE.create(services, actor, data)


def window(when: dict | None) -> dict | None:
    if not when or when.get("anytime") or not when.get("start"):
        return None
    return {"start": clock.parse_iso(when["start"]), "end": clock.parse_iso(when["end"])}
