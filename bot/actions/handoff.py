"""Hand-off to a human: a record staff see on WeCom, and the dispatchers are told.

A hand-off document (collection ``handoffs``)::

    {"_id", "kind": "human" | "emergency", "person_id", "person_name", "community_id", "channel",
     "user_key", "opened_at", "state": "open", "reason", "text", "summary", "paged": [staff ids]}

One conversation has at most one open hand-off: asking again while one is open returns
it instead of paging the desk twice. The channels relay staff replies to
``channel``/``user_key`` and close the hand-off; the bot only opens it.
"""
from __future__ import annotations

import contextlib

from core import clock
from core.roles import DISPATCHER
from core.store import DuplicateKey

from ..handoff_relay import code_of
from . import outbox

OPEN = "open"
HUMAN, EMERGENCY = "human", "emergency"
MAX_TEXT = 500


def still_open(services, handoff_id: str) -> dict | None:
    doc = services.store.collection("handoffs").get(handoff_id)
    return doc if doc is not None and doc.get("state") == OPEN else None


def pass_on(services, doc: dict, inbound, text: str) -> None:
    """Pass what the person wrote to the staff member holding the hand-off — or, while
    nobody holds an emergency, to everyone it paged (a follow-up such as the address)."""
    if doc.get("staff_id"):
        recipients, type_ = [doc["staff_id"]], "handoff.message"
    else:
        recipients, type_ = doc.get("paged", []), "handoff.update"
    if not text or not recipients:
        return
    with contextlib.suppress(DuplicateKey):  # the same message again (a retried turn): told once
        outbox.event(services.store, community_id=doc.get("community_id"), type_=type_, workflow="handoff",
                     record=doc, recipients=recipients,
                     data={"name": doc.get("person_name") or doc["user_key"][-6:], "text": text[:MAX_TEXT]},
                     event_id=f"{doc['_id']}:{type_}:{inbound.msg_id or clock.new_id()}")


def open_handoff_for(services, channel: str, user_key: str) -> dict | None:
    found = services.store.collection("handoffs").find(
        {"channel": channel, "user_key": user_key, "state": OPEN}, limit=1).items
    return found[0] if found else None


def open_handoff(services, person: dict | None, inbound, reason: str, summary: dict | None = None,
                 kind: str = HUMAN, recipients: list[str] | None = None,
                 data: dict | None = None, notice: str | None = None) -> tuple[dict, bool]:
    """Open (or find the open) hand-off of this conversation; returns ``(doc, created)``.

    ``recipients`` defaults to the community's dispatchers; an emergency names its own.
    The page (outbox event ``notice``, by default ``handoff.<kind>``) carries the hand-off's
    ``code``: staff take it over with ``接待 <code>`` (:mod:`bot.handoff_relay`).
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
    doc["paged"] = sorted(set(recipients))
    with store.transaction():
        store.collection("handoffs").insert(doc)
        if recipients:
            outbox.event(store, community_id=community_id, type_=notice or f"handoff.{kind}",
                         workflow="handoff", record=doc, recipients=recipients,
                         data={"name": doc["person_name"] or inbound.user_key[-6:], "text": doc["text"][:100],
                               "code": code_of(doc), **(data or {})})
    return doc, True
