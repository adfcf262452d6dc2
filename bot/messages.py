"""Channel-neutral messages: what every adapter produces and consumes.

Adapters parse platform formats at the edge into :class:`InboundMessage`; the dialog
manager answers with :class:`OutboundMessage` items, which each adapter renders in its own
format (XML reply, customer-service message, JSON, terminal text, speech).
"""
from __future__ import annotations

from dataclasses import dataclass, field

TEXT, VOICE, IMAGE, LOCATION, EVENT, UNKNOWN = "text", "voice", "image", "location", "event", "unknown"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """One message from a person, whatever the channel.

    ``user_key`` is the channel's own id for the sender (openid, WeCom userid, person id);
    ``person_id`` is the Linli person when the channel could resolve it. ``text`` holds the
    typed text or, for voice, the platform's speech recognition (may be empty).
    """

    channel: str                       # wechat_oa | wecom | json | terminal
    user_key: str
    kind: str = TEXT
    text: str = ""
    person_id: str | None = None
    community_id: str | None = None
    msg_id: str | None = None          # platform message id, for dedupe across retries
    voice: bool = False                # spoken input: answer with short, speakable replies
    media_id: str | None = None        # image/voice media on the platform
    image_url: str | None = None
    location: Location | None = None
    event: str | None = None           # subscribe, unsubscribe, click, ...
    event_key: str | None = None       # menu key for clicks
    locale: str | None = None
    received_at: str = ""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str                       # what the bot receives when the button is pressed


@dataclass(frozen=True)
class OutboundMessage:
    """One reply. ``speak`` is a short, speakable version for voice-first devices."""

    text: str
    buttons: tuple[Button, ...] = ()
    speak: str | None = None
    link: str | None = None
    meta: dict = field(default_factory=dict)
