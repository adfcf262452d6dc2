"""wechatpy messages (official account and WeCom alike) -> :class:`~bot.messages.InboundMessage`.

The platform types stop here. Dedupe ids follow WeChat's rule: ``MsgId`` for messages,
``FromUserName`` + ``CreateTime`` for events (the user is part of the turn key already;
the event name is added so that a subscribe and the location report WeChat sends in the
same second stay two turns).
"""
from __future__ import annotations

import math

from core import clock
from core.errors import BadRequest

from ..messages import EVENT, IMAGE, LOCATION, TEXT, UNKNOWN, VOICE, InboundMessage, Location

MAX_USER_KEY = 128
MAX_FIELD = 512
MAX_TEXT = 20_000        # far above WeChat's own limit; the pipeline cuts to what it keeps


def raw(message) -> dict:
    """The XML fields as WeChat sent them (wechatpy keeps them on the message)."""
    data = getattr(message, "_data", None)
    return data if isinstance(data, dict) else {}


def text_field(message, name: str, limit: int = MAX_FIELD) -> str:
    """One field of the body as text ("" when missing or not text)."""
    return _text(raw(message).get(name), limit)


def _text(value, limit: int = MAX_FIELD) -> str:
    """A field as text; a hostile body's nested element or repeated tag is no text at all."""
    return value[:limit] if isinstance(value, str) else ""


def to_inbound(message, channel: str) -> InboundMessage:
    """The channel-neutral form of one parsed message; 400 when it names no sender.

    Fields are read as WeChat sent them (strings), not through wechatpy's converters, so a
    nested or repeated element in a hostile body becomes an empty field, never an object."""
    data = raw(message)
    user_key = _text(data.get("FromUserName"), MAX_USER_KEY + 1)
    if not user_key or len(user_key) > MAX_USER_KEY:
        raise BadRequest("channels.malformed_message")
    created = _text(data.get("CreateTime"), 20)
    msg_type = _text(data.get("MsgType"), 40).lower()
    base = {"channel": channel, "user_key": user_key, "received_at": clock.now_iso()}
    if msg_type == "event":
        # wechatpy may rename the event (subscribe + qrscene_ key -> subscribe_scan) in data
        event = _text(data.get("Event"), 64).lower()
        return InboundMessage(kind=EVENT, event=event, event_key=_text(data.get("EventKey"), 128) or None,
                              msg_id=f"ev:{created}:{event}", **base)
    msg_id = _text(data.get("MsgId"), 64) or f"{msg_type}:{created}"
    media_id = _text(data.get("MediaId"), 256) or None
    if msg_type == "text":
        return InboundMessage(kind=TEXT, text=_text(data.get("Content"), MAX_TEXT), msg_id=msg_id, **base)
    if msg_type == "voice":
        return InboundMessage(kind=VOICE, voice=True, text=_text(data.get("Recognition"), MAX_TEXT),
                              media_id=media_id, msg_id=msg_id, **base)
    if msg_type == "image":
        return InboundMessage(kind=IMAGE, media_id=media_id, msg_id=msg_id,
                              image_url=_text(data.get("PicUrl"), 1024) or None, **base)
    if msg_type == "location":
        return InboundMessage(kind=LOCATION, location=_location(data), msg_id=msg_id, **base)
    return InboundMessage(kind=UNKNOWN, msg_id=msg_id, **base)


def _location(data: dict) -> Location:
    try:
        latitude, longitude = float(data.get("Location_X")), float(data.get("Location_Y"))
    except (TypeError, ValueError):
        raise BadRequest("channels.malformed_message")
    if not (math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90
            and abs(longitude) <= 180):
        raise BadRequest("channels.malformed_message")
    return Location(latitude, longitude, _text(data.get("Label"), 200))
