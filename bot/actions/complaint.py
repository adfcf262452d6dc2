"""Submitting a complaint the bot collected, through the complaint service."""
from __future__ import annotations

from workflows.complaint.service import SERVICE

from . import people
from .repair import describe

MAX_NAME = 60


def submit(services, person: dict, slots: dict, inbound) -> dict:
    location = slots["location"]
    if location["kind"] == "home":
        place = {"kind": "house", "house_id": location["house_id"]}
    else:
        place = {"kind": "public", "name": location["place"][:MAX_NAME]}
    data = {"category": slots.get("category") or "other", "place": place,
            "anonymous": bool(slots.get("anonymous")),
            "description": describe(slots["description"], slots.get("photos", []))[:2000]}
    return SERVICE.create(services, people.actor_of(person), data).case
