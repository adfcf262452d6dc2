"""Submitting a complaint the bot collected, through the complaint service."""
from __future__ import annotations

from workflows.complaint.service import SERVICE

from . import people, photos

MAX_NAME = 60


def submit(services, person: dict, slots: dict, inbound) -> dict:
    """File the complaint; chat photos become the complainant's uploads (:mod:`.photos`)."""
    actor = people.actor_of(person)
    location = slots["location"]
    if location["kind"] == "home":
        place = {"kind": "house", "house_id": location["house_id"]}
    else:
        place = {"kind": "public", "name": location["place"][:MAX_NAME]}
    attached = photos.attach(services, actor, slots.get("photos", []))
    data = {"category": slots.get("category") or "other", "place": place,
            "anonymous": bool(slots.get("anonymous")), "photos": attached.ids,
            "description": photos.describe(slots["description"], attached)[:2000]}
    return SERVICE.create(services, actor, data).case
