"""Submitting a repair the bot collected, through the repairs service."""
from __future__ import annotations

from core import clock
from workflows.cases import Created
from workflows.repair.catalogue import HOME
from workflows.repair.service import SERVICE

from . import people


def submit(services, person: dict, slots: dict, inbound) -> Created:
    """File the repair; ``Created.merged`` says it joined a neighbour's open report."""
    location = slots["location"]
    if location["kind"] == HOME:
        where = {"kind": HOME, "house_id": location["house_id"]}
    else:
        where = {"kind": location["kind"], "place": location["place"]}
    data = {"category": slots["category"], "location": where,
            "description": describe(slots["description"], slots.get("photos", [])),
            "preferred_window": window(slots.get("preferred_time")) if location["kind"] == HOME else None,
            "channel": inbound.channel}
    return SERVICE.create(services, people.actor_of(person), data)


def window(when: dict | None) -> dict | None:
    if not when or when.get("anytime") or not when.get("start"):
        return None
    return {"start": clock.parse_iso(when["start"]), "end": clock.parse_iso(when["end"])}


def describe(text: str, photos: list[dict]) -> str:
    """The person's words, plus where their chat photos are: the case's ``photos`` takes
    only mini-program uploads, and a photo must not be lost on the way."""
    links = [p.get("url") or f"{p.get('channel')}:{p.get('media_id')}" for p in photos]
    return text if not links else f"{text}\n[照片 photos] " + " ".join(links)
