"""Staff answering a resident who asked for a human, from WeCom chat.

The dialog opens a hand-off (:mod:`bot.actions.handoff`, collection ``handoffs``) and the
dispatchers are told. A staff member takes one with ``接待`` (the oldest waiting one of
their community, or the one whose code they type), and from then on whatever they type
reaches the resident as a customer-service message, until ``结束``. One staff member holds
at most one hand-off at a time, so a typed line always has exactly one recipient. Taking
is a compare-and-set on the document: two dispatchers answering at once cannot both win.

Fields this module adds to a hand-off: ``staff_id``, ``staff_name``, ``taken_at``; on the
end ``state="closed"``, ``closed_at``, ``closed_by``.
"""
from __future__ import annotations

import logging

from core import clock, i18n
from core.roles import Actor
from core.wechat import WeChatApiError, wechat_client

from .messages import OutboundMessage

log = logging.getLogger("linli.bot.handoff")

COLLECTION = "handoffs"
OPEN, CLOSED = "open", "closed"
CODE_LENGTH = 6
RELAYED_CHANNELS = frozenset({"wechat_oa"})   # channels that can receive a message we push


def code_of(doc: dict) -> str:
    """The short code staff type to take a particular hand-off."""
    return doc["_id"][-CODE_LENGTH:]


def held_by(services, actor: Actor) -> dict | None:
    found = services.store.collection(COLLECTION).find({"staff_id": actor.id, "state": OPEN}, limit=1).items
    return found[0] if found else None


def take(services, actor: Actor, code: str | None, locale: str) -> list[OutboundMessage]:
    """``接待 [code]``: take the named (or the oldest waiting) hand-off of my community."""
    if held_by(services, actor) is not None:
        return [_say("channels.handoff.end_first", locale)]
    waiting = services.store.collection(COLLECTION).find(
        {"community_id": actor.community_id, "state": OPEN}, sort=[("opened_at", 1)], limit=200).items
    candidates = [d for d in waiting
                  if not d.get("staff_id") and (code is None or code_of(d) == code.lower())]
    if not candidates:
        return [_say("channels.handoff.none_waiting", locale)]
    doc = candidates[0]
    taken = {**doc, "staff_id": actor.id, "staff_name": actor.name, "taken_at": clock.now_iso()}
    if not services.store.collection(COLLECTION).replace(taken, doc["version"]):
        return [_say("channels.handoff.taken_by_other", locale)]
    _tell_resident(services, taken, "channels.handoff.taken_resident", name=actor.name)
    return [_say("channels.handoff.taken", locale, name=doc.get("person_name") or "",
                 text=str(doc.get("text") or "")[:200], code=code_of(doc))]


def end(services, actor: Actor, locale: str) -> list[OutboundMessage]:
    """``结束``: close the hand-off I hold and tell the resident."""
    doc = held_by(services, actor)
    if doc is None:
        return [_say("channels.handoff.none_held", locale)]
    closed = {**doc, "state": CLOSED, "closed_at": clock.now_iso(), "closed_by": actor.id}
    if not services.store.collection(COLLECTION).replace(closed, doc["version"]):
        return [_say("channels.handoff.taken_by_other", locale)]
    _tell_resident(services, closed, "channels.handoff.ended_resident")
    return [_say("channels.handoff.ended", locale, name=doc.get("person_name") or "")]


def relay(services, actor: Actor, text: str, locale: str) -> list[OutboundMessage] | None:
    """Send ``text`` to the resident of the hand-off I hold; None when I hold none."""
    doc = held_by(services, actor)
    if doc is None:
        return None
    if doc.get("channel") not in RELAYED_CHANNELS:
        return [_say("channels.handoff.channel_unsupported", locale)]
    try:
        _tell_resident(services, doc, "channels.handoff.from_staff", raise_errors=True, name=actor.name,
                       text=text[:1000])
    except WeChatApiError as exc:
        return [_say("channels.handoff.send_failed", locale, reason=exc.errmsg or str(exc.errcode))]
    return [_say("channels.handoff.relayed", locale)]


def _tell_resident(services, doc: dict, key: str, raise_errors: bool = False, **params) -> None:
    if doc.get("channel") not in RELAYED_CHANNELS:
        return
    person = services.store.collection("people").get(doc["person_id"]) if doc.get("person_id") else None
    text = i18n.translate(key, (person or {}).get("locale") or services.config.default_locale, **params)
    try:
        wechat_client(services).message.send_text(doc["user_key"], text)
    except WeChatApiError:
        if raise_errors:
            raise
        log.warning("could not tell the resident of hand-off %s", doc["_id"], exc_info=True)


def _say(key: str, locale: str, **params) -> OutboundMessage:
    return OutboundMessage(text=i18n.translate(key, locale, **params))
