"""The Notifier seam: one provider per channel, chosen at start-up from configuration."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """A rendered notification for one person, channel-neutral.

    ``template`` names the kind of message (``repair.assigned``); channels that need a
    platform template id (subscribe messages) map it themselves.
    """

    event_id: str
    template: str
    title: str
    body: str
    link: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    channel: str
    ok: bool
    skipped: bool = False
    detail: str = ""


class Notifier(Protocol):
    """A delivery channel. ``send`` must not raise for a person it cannot reach: it returns
    ``Delivery(ok=False, skipped=True)``; it raises only for failures worth retrying."""

    channel: str

    def can_reach(self, person: dict, message: Message) -> bool: ...

    def send(self, person: dict, message: Message) -> Delivery: ...
