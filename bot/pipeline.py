"""Every channel's message goes through here once: dedupe, rate limit, length limit, the
answer (the dialog manager), and the turn log.

:func:`handle` is the whole pipeline for channels that answer synchronously (the JSON
channel, the terminal). The WeChat channels split it (:func:`open_turn` in the request,
:func:`run_turn` on a worker thread) to answer within WeChat's five seconds; see
:mod:`bot.channels.deferred`.

Text length. A message is cut to :data:`NLU_MAX_CHARS` characters in ``inbound.text``
(what the NLU reads), and the whole text (up to :data:`MAX_CHARS`) stays available to the
dialog through :func:`full_text` — the description of a repair or complaint keeps every
word the resident wrote. The dialog manager calls ``full_text(services, inbound)`` where
it stores a description; for short messages it is simply ``inbound.text``.

The parse result. The dialog manager puts the NLU result on any of its replies as
``meta["parse"]`` (Rasa's shape); the turn log stores it with the turn.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Callable

import nlu
from core import clock, i18n

from . import dedupe, turn_log
from .messages import EVENT, IMAGE, LOCATION, TEXT, VOICE, Button, InboundMessage, OutboundMessage

log = logging.getLogger("linli.bot")

NLU_MAX_CHARS = 300          # what the NLU reads: the intent is in the first sentences
MAX_CHARS = 4000             # what is kept at all; WeChat itself caps a text at about 2,000
FULL_TEXT_TTL_SECONDS = 24 * 3600
RATE_WINDOW_SECONDS = 60
SOS_PAYLOAD = "救命"          # what the one-tap SOS button sends: the safety net's own word
EMERGENCY = "emergency"
URGENT_CONFIDENCE = 0.8
# events a person causes on purpose; the rest (location reports, link clicks, job reports) get no answer
GREETING_EVENTS = frozenset({"subscribe", "subscribe_scan"})
ANSWERED_EVENTS = GREETING_EVENTS | {"click"}
KNOWN_KINDS = frozenset({TEXT, VOICE, IMAGE, LOCATION, EVENT})

Respond = Callable[[object, InboundMessage], list[OutboundMessage]]
Resolve = Callable[[object, InboundMessage], InboundMessage]


@dataclass(frozen=True)
class Turn:
    """One message on its way through the pipeline.

    ``record`` is set when another process (or an earlier try) already has this message:
    then it is a duplicate and must not be processed again.
    """

    inbound: InboundMessage
    ticket: dedupe.Ticket | None = None
    record: dedupe.Record | None = None

    @property
    def duplicate(self) -> bool:
        return self.record is not None


def handle(services, inbound: InboundMessage, respond: Respond | None = None) -> list[OutboundMessage]:
    """Answer one message. A duplicate (a platform retry) is never processed twice: it gets
    the first answer when that is ready, else nothing."""
    turn = open_turn(services, inbound)
    if turn.duplicate:
        return list(turn.record.replies or []) if turn.record.done else []
    return run_turn(services, turn, respond)


def open_turn(services, inbound: InboundMessage) -> Turn:
    """Fill in what the channel left out and claim the message (cheap: one Redis call)."""
    inbound = replace(inbound, msg_id=inbound.msg_id or clock.new_id("m"),
                      received_at=inbound.received_at or clock.now_iso(),
                      locale=i18n.negotiate(None, inbound.locale or services.config.default_locale))
    ticket, record = dedupe.begin(services, inbound)
    return Turn(inbound, ticket, record)


def run_turn(services, turn: Turn, respond: Respond | None = None,
             resolve: Resolve | None = None) -> list[OutboundMessage]:
    """Process a claimed turn: who is writing (``resolve``, for channels that know only a
    platform id), limits, the answer, the log; store the answer for retries."""
    inbound = turn.inbound
    with dedupe.held(services, turn.ticket):
        whole = ""
        try:
            whole = (inbound.text or "")[:MAX_CHARS]
            if resolve is not None:
                inbound = resolve(services, inbound)
            replies, parse, outcome = _answer(services, _bounded(services, inbound, whole), respond)
        except Exception:
            # a 5xx is a bug, and a bot turn has no 5xx: say sorry, log everything
            log.exception("bot turn failed (channel=%s)", inbound.channel)
            replies, parse, outcome = [_say("channels.error", inbound.locale)], None, "error"
        turn_log.record(services, inbound, whole, replies, parse, outcome)
        dedupe.finish(services, turn.ticket, replies)
    return replies


def full_text(services, inbound: InboundMessage) -> str:
    """The whole text the person wrote (``inbound.text`` may be cut for the NLU)."""
    stored = services.redis.get(_full_text_key(services, inbound)) if inbound.msg_id else None
    return stored if stored is not None else inbound.text


def _full_text_key(services, inbound: InboundMessage) -> str:
    return services.key("bot", "full_text", inbound.channel, turn_log.pseudonym(inbound.user_key),
                        str(inbound.msg_id))


def _bounded(services, inbound: InboundMessage, whole: str) -> InboundMessage:
    if len(whole) <= NLU_MAX_CHARS:
        return replace(inbound, text=whole)
    services.redis.set(_full_text_key(services, inbound), whole, ex=FULL_TEXT_TTL_SECONDS)
    return replace(inbound, text=whole[:NLU_MAX_CHARS])


def _answer(services, inbound: InboundMessage, respond: Respond | None):
    """(replies, parse result, outcome) for one message."""
    if inbound.kind == EVENT and inbound.event not in ANSWERED_EVENTS:
        return [], None, "ignored_event"
    verdict = _rate_verdict(services, inbound)
    if verdict != "ok":
        said = [_say("channels.rate_limited", inbound.locale)] if verdict == "tell" else []
        return said, None, "rate_limited"
    replies = list((respond or answer_resident)(services, inbound) or [])
    parse = next((r.meta["parse"] for r in replies if isinstance(r.meta, dict) and r.meta.get("parse")), None)
    return replies, parse, "answered" if replies else "silent"


def answer_resident(services, inbound: InboundMessage) -> list[OutboundMessage]:
    """The residents' answer: what the pipeline can say itself (a greeting, a voice message
    WeChat could not recognise, a message type we cannot read), else the dialog manager."""
    if inbound.kind == VOICE and not inbound.text.strip():
        return [_voice_not_understood(services, inbound)]
    if inbound.kind == EVENT and inbound.event in GREETING_EVENTS:
        return [_greeting(services, inbound)]
    if inbound.kind not in KNOWN_KINDS:
        return [_say("channels.unsupported_message", inbound.locale)]
    return _dialog(services, inbound)


def _dialog(services, inbound: InboundMessage) -> list[OutboundMessage]:
    """The production answer: the dialog manager (``extra["dialog_factory"]`` is a test seam)."""
    factory = services.config.extra.get("dialog_factory")
    if factory is None:
        # imported here: the dialog imports this module
        from .dialog.manager import DialogManager

        factory = DialogManager
    return factory(services).handle(inbound)


# ---- rate limit ------------------------------------------------------------------------

def _rate_verdict(services, inbound: InboundMessage) -> str:
    """``ok``, ``tell`` (the first message over the limit: say why we stop answering) or
    ``quiet`` (answering each message of a flood would be a flood too).

    A fixed window per person and channel, shared by every process. An emergency is never
    rate-limited: someone shouting 救命 ten times a minute must be heard every time.
    """
    limit = services.config.bot_messages_per_minute
    window = int(time.time() // RATE_WINDOW_SECONDS)
    key = services.key("bot", "rate", inbound.channel, turn_log.pseudonym(inbound.user_key), str(window))
    pipe = services.redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, RATE_WINDOW_SECONDS * 2)
    count = pipe.execute()[0]
    if count <= limit or _urgent(inbound.text):
        return "ok"
    return "tell" if count == limit + 1 else "quiet"


def _urgent(text: str) -> bool:
    """Is this an emergency: the NLU's safety net fired, or its model is sure of it (a bare
    top intent is not enough — odd input such as "第3条" can rank emergency first at 0.14)."""
    if not text.strip():
        return False
    parsed = nlu.parse(text)
    intent = parsed.get("intent") or {}
    return bool((parsed.get("safety_net") or {}).get("triggered")) or (
        intent.get("name") == EMERGENCY and (intent.get("confidence") or 0) >= URGENT_CONFIDENCE)


# ---- answers the pipeline gives itself ---------------------------------------------------

def _say(key: str, locale: str | None, **params) -> OutboundMessage:
    return OutboundMessage(text=i18n.translate(key, locale, **params))


def _community(services, inbound: InboundMessage) -> dict:
    if not inbound.community_id:
        return {}
    return services.store.collection("communities").get(inbound.community_id) or {}


def _voice_not_understood(services, inbound: InboundMessage) -> OutboundMessage:
    """WeChat could not recognise the voice message: say so kindly, and offer the two ways
    to get help that need no words — the SOS button and the property's duty phone."""
    locale = inbound.locale
    duty_phone = _community(services, inbound).get("duty_phone")
    key = "channels.voice_empty.with_phone" if duty_phone else "channels.voice_empty"
    text = i18n.translate(key, locale, phone=duty_phone or "")
    return OutboundMessage(text=text, speak=text,
                           buttons=(Button(i18n.translate("channels.sos_button", locale), SOS_PAYLOAD),))


def _greeting(services, inbound: InboundMessage) -> OutboundMessage:
    """Someone followed the official account: welcome them, and tell the unbound how to bind."""
    locale = inbound.locale
    if inbound.person_id and inbound.community_id:
        name = _community(services, inbound).get("name", "")
        return _say("channels.welcome_back", locale, community=name)
    return _say("channels.welcome", locale)
