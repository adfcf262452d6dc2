"""Every index Linli relies on, declared once. Both adapters create exactly these.

A query may only filter on fields covered by one of its collection's indexes (checked by
:func:`check_query`), which is how "no query scans a collection" is enforced in code
rather than hoped for. The leading ``community_id`` on tenant collections is also the
shard key of a sharded MongoDB deployment.
"""
from __future__ import annotations

from .port import UndeclaredQuery

INDEXES: dict[str, list[tuple[str, ...]]] = {
    "communities": [("code",)],
    "buildings": [("community_id", "number")],
    "houses": [("community_id", "building_id", "unit", "room"), ("community_id", "created_at")],
    "places": [("community_id", "name")],
    "people": [("community_id", "kind", "created_at"), ("openid",), ("unionid",),
               ("community_id", "wecom_userid"), ("wecom_userid",), ("community_id", "phone")],
    "bindings": [("community_id", "state", "created_at"), ("person_id", "state"), ("house_id", "state")],
    # one collection per workflow keeps each list query on a narrow index
    "repairs": [("community_id", "state", "created_at"), ("community_id", "assignee_id", "state", "created_at"),
                ("community_id", "facility_key", "state"), ("next_deadline_at",),
                ("community_id", "reporter_id", "created_at"), ("community_id", "number"),
                ("community_id", "pool", "created_at"),
                ("community_id", "priority", "state", "created_at")],   # emergencies lead the desk's queue
    "complaints": [("community_id", "state", "created_at"), ("community_id", "handler_role", "state", "created_at"),
                   ("community_id", "reporter_id", "created_at"), ("next_deadline_at",), ("community_id", "number")],
    "reports": [("community_id", "person_id", "created_at"), ("case_id",),
                ("community_id", "person_id", "workflow", "created_at")],
    "outbox": [("status", "available_at")],
    "notifications": [("community_id", "person_id", "created_at"), ("event_id",),
                      ("community_id", "person_id", "read", "created_at")],   # unread ones, and their count
    "consents": [("person_id", "template")],
    "uploads": [("community_id", "owner_id", "created_at")],
    "settings": [],   # per-community workflow settings, read by natural _id only
    # what residents said to the bot and what it understood; purged after the retention period
    "conversation_turns": [("community_id", "person_id", "created_at"), ("expires_at",)],
    # the bot's own records: hand-offs to staff (found per conversation; the desk's open list)
    # and help requests for the grid worker until the volunteer workflow takes them over
    "handoffs": [("channel", "user_key", "state"), ("community_id", "state", "opened_at"),
                 ("staff_id", "state")],   # the one a staff member is answering in WeCom
    "help_requests": [("community_id", "person_id", "created_at"), ("community_id", "state", "created_at")],
}


def check_query(collection: str, filter: dict, sort: list[tuple[str, int]] | None = None) -> None:
    """Raise :class:`UndeclaredQuery` unless some declared index covers every filtered field."""
    fields = {name for name in filter if name != "_id"}
    if not fields:
        return
    for index in INDEXES.get(collection, []):
        if fields <= set(index):
            return
    raise UndeclaredQuery(f"{collection}: no declared index covers {sorted(fields)}")
