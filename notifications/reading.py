"""Reading the inbox: a person's own notifications, newest first, and marking one read.

The inbox is written by :class:`notifications.inbox.InboxNotifier`; every read here is
scoped to the caller (their community and their person id), so another person's
notification is simply not found.
"""
from __future__ import annotations

from core import clock
from core.directory.scope import page, update
from core.errors import NotFound
from core.roles import Actor
from core.store import DESC


def _mine(actor: Actor) -> dict:
    return {"community_id": actor.community_id, "person_id": actor.id}


def list_inbox(store, actor: Actor, limit: int = 20, cursor: str | None = None, unread_only: bool = False):
    """One page of the caller's notifications, newest first (``unread_only``: not yet read)."""
    query = {**_mine(actor), "read": False} if unread_only else _mine(actor)
    return page(store, "notifications", query, [("created_at", DESC)], limit, cursor)


def unread_count(store, actor: Actor) -> int:
    """How many of the caller's notifications are unread (the badge on the inbox)."""
    return store.collection("notifications").count({**_mine(actor), "read": False})


def _own(store, actor: Actor, notification_id: str) -> dict:
    doc = store.collection("notifications").get(notification_id)
    if doc is None or doc.get("person_id") != actor.id or doc.get("community_id") != actor.community_id:
        raise NotFound("identity.notification_not_found")
    return doc


def mark_read(store, actor: Actor, notification_id: str) -> dict:
    """Mark one of the caller's notifications read (again is fine: the first time counts)."""
    doc = _own(store, actor, notification_id)
    if doc.get("read"):
        return doc

    def read(fresh: dict) -> None:
        if not fresh.get("read"):
            fresh.update(read=True, read_at=clock.now_iso())

    return update(store, "notifications", notification_id, read)


def present(doc: dict) -> dict:
    return {"id": doc["_id"], "template": doc.get("template"), "title": doc.get("title", ""),
            "body": doc.get("body", ""), "link": doc.get("link", ""), "data": doc.get("data", {}),
            "read": bool(doc.get("read")), "read_at": doc.get("read_at"), "created_at": doc.get("created_at")}
