"""The inbox: every notification a person gets, stored and readable through the API.

The inbox write is keyed ``<event_id>:<person_id>``, so a relayed event that is
delivered twice (at-least-once relay) still appears once.
"""
from __future__ import annotations

from core import clock
from core.store import DuplicateKey

from .base import Delivery, Message


class InboxNotifier:
    channel = "inbox"

    def __init__(self, store):
        self.store = store

    def can_reach(self, person: dict, message: Message) -> bool:
        return True

    def send(self, person: dict, message: Message) -> Delivery:
        doc = {"_id": f"{message.event_id}:{person['_id']}", "community_id": person.get("community_id"),
               "person_id": person["_id"], "event_id": message.event_id, "template": message.template,
               "title": message.title, "body": message.body, "link": message.link, "data": message.data,
               "read": False, "created_at": clock.now_iso()}
        try:
            self.store.collection("notifications").insert(doc)
        except DuplicateKey:
            return Delivery(self.channel, ok=True, skipped=True, detail="already in inbox")
        return Delivery(self.channel, ok=True)
