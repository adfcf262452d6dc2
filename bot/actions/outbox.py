"""Telling staff about what the bot records itself (hand-offs, help requests, emergencies).

Workflow cases write their events to the outbox through the engine; the bot's own
records use the same outbox document, so the same relay delivers them (inbox first, then
WeCom) with the same at-least-once, once-per-recipient guarantee. Texts are
``notify.<type>.title/.body`` in ``locales/*/bot.po``.
"""
from __future__ import annotations

from core import clock
from core.directory.people import staff_with
from core.roles import PLATFORM_ADMIN

MAX_PLATFORM_DUTY = 200


def staff_ids(store, community_id: str | None, roles) -> list[str]:
    """Ids of the community's active staff holding any of ``roles``."""
    if not community_id:
        return []
    found: set[str] = set()
    for role in roles:
        found |= {p["_id"] for p in staff_with(store, community_id, role=role)}
    return sorted(found)


def platform_duty_ids(store) -> list[str]:
    """Ids of the deployment-wide duty: active ``platform_admin`` staff (street office IT),
    who belong to no community — the people to page when nobody of a community can be."""
    staff = store.collection("people").find({"community_id": None, "kind": "staff"},
                                            limit=MAX_PLATFORM_DUTY).items
    return sorted(p["_id"] for p in staff if p.get("active", True) and PLATFORM_ADMIN in p.get("roles", []))


def event(store, *, community_id: str | None, type_: str, workflow: str, record: dict, recipients: list[str],
          data: dict | None = None, event_id: str | None = None) -> dict:
    """Append one outbox event about ``record`` (call inside the record's transaction).

    The id defaults to ``<record id>:<type>`` (one such event per record); events that
    recur pass their own natural id, so a retried turn cannot page twice."""
    now = clock.now_iso()
    doc = {"_id": event_id or f"{record['_id']}:{type_}", "community_id": community_id, "type": type_,
           "workflow": workflow, "case_id": record["_id"], "case_number": record.get("number"),
           "recipients": sorted(set(recipients)), "data": dict(data or {}), "status": "pending",
           "attempts": 0, "available_at": now, "created_at": now}
    return store.collection("outbox").insert(doc)
