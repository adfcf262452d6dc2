"""One turn of a conversation: everything a policy needs to decide and answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..actions import people
from ..messages import InboundMessage
from . import replies
from .replies import Reply
from .tracker import Tracker


@dataclass
class Turn:
    services: object
    inbound: InboundMessage
    tracker: Tracker
    person: dict | None
    locale: str
    elderly: bool
    now: datetime
    reply: Reply
    text: str = ""
    whole_text: str = ""                # every word written (``text`` may be cut for the NLU)
    parse: dict | None = None
    payload: str | None = None          # a pressed button: "/affirm" -> "affirm"
    payload_arg: str | None = None      # "/change:location" -> "location"
    _houses: list | None = field(default=None, repr=False)

    @property
    def known(self) -> bool:
        return people.known(self.person)

    @property
    def community_id(self) -> str | None:
        return (self.person or {}).get("community_id") or self.inbound.community_id

    def houses(self) -> list[dict]:
        """The person's bound houses (read once per turn)."""
        if self._houses is None:
            self._houses = people.bound_houses(self.services, self.person) if self.known else []
        return self._houses

    def own_words(self) -> str:
        """What to store as the person's description: the whole message, not the NLU's cut."""
        return (self.whole_text or self.text).strip()

    def words(self, key: str, **params) -> str:
        """A localised fragment (category names, time words) in this turn's mode."""
        return replies.text(key, self.locale, self.elderly, **params)

    def act(self, name: str) -> None:
        """Record an action taken this turn (stories and turn logs read them)."""
        self.tracker.last_actions.append(name)
        self.reply.meta["actions"] = list(self.tracker.last_actions)

    def ask(self, key: str, buttons=(), **params) -> None:
        """Ask this turn's one question (the manager remembers it for "没听清" and "1")."""
        self.reply.ask(key, buttons, **params)
