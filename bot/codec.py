"""JSON forms of the channel-neutral messages, for Redis records and Celery task arguments.

A turn's replies are stored so that a retried platform message gets the same answer, and an
inbound message travels to a Celery worker when a web process hands a slow turn over; both
need a lossless, JSON-only form. Of ``meta`` only ``miniprogram`` (a page the reply opens,
which the person sees) is kept; the rest is the dialog's note to the pipeline (the parse
result ...), never part of what a person sees.
"""
from __future__ import annotations

from dataclasses import asdict, fields

from .messages import Button, InboundMessage, Location, OutboundMessage

_INBOUND_FIELDS = {f.name for f in fields(InboundMessage)}


def inbound_to_dict(message: InboundMessage) -> dict:
    return asdict(message)


def inbound_from_dict(data: dict) -> InboundMessage:
    values = {name: value for name, value in data.items() if name in _INBOUND_FIELDS}
    if values.get("location"):
        values["location"] = Location(**values["location"])
    return InboundMessage(**values)


def outbound_to_dict(message: OutboundMessage) -> dict:
    out: dict = {"text": message.text}
    if message.buttons:
        out["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    if message.speak:
        out["speak"] = message.speak
    if message.link:
        out["link"] = message.link
    page = (message.meta or {}).get("miniprogram")
    if isinstance(page, dict) and page.get("pagepath"):
        out["miniprogram"] = {"appid": page.get("appid"), "pagepath": page["pagepath"]}
    return out


def outbound_from_dict(data: dict) -> OutboundMessage:
    return OutboundMessage(text=data.get("text", ""),
                           buttons=tuple(Button(b["title"], b["payload"]) for b in data.get("buttons", ())),
                           speak=data.get("speak"), link=data.get("link"),
                           meta={"miniprogram": data["miniprogram"]} if data.get("miniprogram") else {})
