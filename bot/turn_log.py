"""The record of every bot turn: a masked log line, and the full turn in the store.

What residents tell the bot is personal data (phone numbers, where they live, their health).
The application log, which many people read and which is shipped to log collectors, gets
only a masked line: phone numbers keep their first three and last four digits, house
numbers and long digit runs become ``*``. The full text and the parse result go to the
``conversation_turns`` collection, which only the store's operators see and which is
purged after ``LINLI_BOT_TURN_RETENTION_DAYS`` (:func:`purge_expired`, a periodic task).
"""
from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

from core import clock
from core.store import DuplicateKey

from .messages import InboundMessage, OutboundMessage

log = logging.getLogger("linli.bot.turns")

COLLECTION = "conversation_turns"
PURGE_BATCH = 500

_MOBILE = re.compile(r"(?<!\d)(?P<head>1[3-9]\d)[\s-]?\d{4}[\s-]?(?P<tail>\d{4})(?!\d)")
_CN_DIGIT = "零〇一二两三四五六七八九十百幺"
# 3号楼2单元301室, 3栋, 12幢, 5层, 2-1-301, room 302, 三号楼二单元五零一, 2单元301
_HOUSE = re.compile(
    rf"[0-9{_CN_DIGIT}]+\s*(?=号楼|栋|幢|单元|室|号房|层|楼|户)"
    rf"|(?:(?<=单元)|(?<=号楼)|(?<=栋)|(?<=幢))\s*[0-9{_CN_DIGIT}]+"
    r"|(?<!\d)\d{1,3}\s*[-－—]\s*\d{1,3}(?:\s*[-－—]\s*\d{1,4})?(?!\d)"
    r"|(?i:(?<=room )|(?<=unit )|(?<=building )|(?<=flat ))\d+"
)
# any other number of three or more digits (rooms, landlines, id cards, plates), spoken or written
_DIGIT_RUN = re.compile(r"\d{3,}|[零〇一二三四五六七八九幺]{3,}")
_SENSITIVE = re.compile(f"(?P<mobile>{_MOBILE.pattern})|{_HOUSE.pattern}|{_DIGIT_RUN.pattern}")
_HOUSE_ENTITIES = frozenset({"building", "unit", "room", "phone"})


def mask(text: str) -> str:
    """``text`` with phone numbers, house numbers and digit runs masked, for logs."""
    return _SENSITIVE.sub(_mask_match, text or "")


def _mask_match(m: re.Match) -> str:
    if m.group("mobile"):
        return f"{m.group('head')}****{m.group('tail')}"
    return re.sub(r"[^\s\-－—]", "*", m.group())


def masked_parse(parse: dict | None) -> dict | None:
    """The parse result without the text and with house/phone entity values masked."""
    if not parse:
        return None
    intent = parse.get("intent") or {}
    entities = [{"entity": e.get("entity"),
                 "value": "*" if e.get("entity") in _HOUSE_ENTITIES else mask(str(e.get("value", "")))}
                for e in parse.get("entities") or [] if isinstance(e, dict)]
    return {"intent": intent.get("name"), "confidence": intent.get("confidence"), "entities": entities}


def pseudonym(user_key: str) -> str:
    """A stable short digest of a channel user id, so log lines can be followed, not read."""
    return hashlib.sha256(user_key.encode()).hexdigest()[:10]


def record(services, inbound: InboundMessage, full_text: str, replies: list[OutboundMessage],
           parse: dict | None, outcome: str) -> None:
    """Log the turn (masked) and keep it (whole). Never raises: a turn is answered even when
    the store is down, and the failure is logged instead."""
    summary = masked_parse(parse) or {}
    log.info("bot turn channel=%s user=%s kind=%s outcome=%s intent=%s confidence=%s text=%r replies=%d",
             inbound.channel, pseudonym(inbound.user_key), inbound.kind, outcome, summary.get("intent"),
             summary.get("confidence"), mask(full_text), len(replies))
    now = clock.now()
    retention = timedelta(days=services.config.bot_turn_retention_days)
    doc = {"_id": turn_id(inbound), "community_id": inbound.community_id, "person_id": inbound.person_id,
           "channel": inbound.channel, "user_key": inbound.user_key, "msg_id": inbound.msg_id,
           "kind": inbound.kind, "voice": inbound.voice, "text": full_text, "event": inbound.event,
           "event_key": inbound.event_key, "media_id": inbound.media_id, "outcome": outcome,
           "parse": parse, "replies": [r.text for r in replies],
           "created_at": clock.iso(now), "expires_at": clock.iso(now + retention)}
    try:
        services.store.collection(COLLECTION).insert(doc)
    except DuplicateKey:
        pass                          # a taken-over turn answered again: the first record stands
    except Exception:
        log.exception("could not store bot turn %s", doc["_id"])


def turn_id(inbound: InboundMessage) -> str:
    raw = f"{inbound.channel}\x1f{inbound.user_key}\x1f{inbound.msg_id}"
    return "t" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def purge_expired(services, now=None, max_batches: int = 20) -> int:
    """Delete turns past their retention; returns how many were deleted."""
    collection = services.store.collection(COLLECTION)
    cutoff = clock.iso(now or clock.now())
    deleted = 0
    for _ in range(max_batches):
        page = collection.find({"expires_at": {"$lt": cutoff}}, sort=[("expires_at", 1)], limit=PURGE_BATCH)
        for doc in page.items:
            deleted += int(collection.delete(doc["_id"]))
        if len(page.items) < PURGE_BATCH:
            break
    return deleted
