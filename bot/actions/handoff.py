"""Hand-off to a human: a record staff see on WeCom, and the dispatchers are told.

A hand-off document (collection ``handoffs``)::

    {"_id", "kind": "human" | "emergency", "person_id", "community_id", "channel", "user_key",
     "opened_at", "state": "open", "reason", "text", "summary"}

One conversation has at most one open hand-off: asking again while one is open returns
it instead of paging the desk twice. The channels relay staff replies to
``channel``/``user_key`` and close the hand-off; the bot only opens it.
"""
from __future__ import annotations

import contextlib

from core import clock
from core.roles import DISPATCHER
from core.store import DuplicateKey

from . import outbox

OPEN = "open"
HUMAN, EMERGENCY = "human", "emergency"
MAX_TEXT = 500


def forward(services, handoff_id: str, inbound, text: str) -> dict | None:
    """Pass the person's message to the staff member holding the hand-off.

    Returns the hand-off while it is open (forwarding only once someone has taken it),
    None once it is closed.
    """
    doc = services.store.collection("handoffs").get(handoff_id)
    if doc is None or doc.get("state") != OPEN:
        return None
    if doc.get("staff_id") and text:
        with contextlib.suppress(DuplicateKey):  # the same message again (a retried turn): told once
            outbox.event(services.store, community_id=doc.get("community_id"), type_="handoff.message",
                         workflow="handoff", record=doc, recipients=[doc["staff_id"]],
                         data={"name": doc.get("person_name") or doc["user_key"][-6:],
                               "text": text[:MAX_TEXT]},
                         event_id=f"{doc['_id']}:message:{inbound.msg_id or clock.new_id()}")
    return doc


def open_handoff_for(services, channel: str, user_key: str) -> dict | None:
    found = services.store.collection("handoffs").find(
        {"channel": channel, "user_key": user_key, "state": OPEN}, limit=1).items
    return found[0] if found else None


def open_handoff(services, person: dict | None, inbound, reason: str, summary: dict | None = None,
                 kind: str = HUMAN, recipients: list[str] | None = None,
                 data: dict | None = None) -> tuple[dict, bool]:
    """Open (or find the open) hand-off of this conversation; returns ``(doc, created)``.

    ``recipients`` defaults to the community's dispatchers; an emergency names its own.
    """
    if kind == HUMAN:
        existing = open_handoff_for(services, inbound.channel, inbound.user_key)
        if existing is not None:
            return existing, False
    store = services.store
    community_id = (person or {}).get("community_id") or inbound.community_id
    doc = {"_id": clock.new_id("ho"), "kind": kind, "person_id": (person or {}).get("_id"),
           "person_name": (person or {}).get("name", ""), "community_id": community_id,
           "channel": inbound.channel, "user_key": inbound.user_key, "opened_at": clock.now_iso(),
           "state": OPEN, "reason": reason, "text": (inbound.text or "")[:MAX_TEXT], "summary": summary or {}}
    if recipients is None:
        recipients = outbox.staff_ids(store, community_id, (DISPATCHER,))
    with store.transaction():
        store.collection("handoffs").insert(doc)
        if recipients:
            outbox.event(store, community_id=community_id, type_=f"handoff.{kind}", workflow="handoff",
                         record=doc, recipients=recipients,
                         data={"name": doc["person_name"] or inbound.user_key[-6:], "text": doc["text"][:100],
                               **(data or {})})
    return doc, True
