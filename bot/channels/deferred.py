"""WeChat's five seconds: answer in the HTTP reply when the answer is ready in time, else
answer ``success`` and send the answer as a message when it is — exactly once, even if
this process dies.

:func:`answer` claims the message (:func:`bot.pipeline.open_turn`) in the request, runs the
rest of the pipeline on a worker thread and waits up to the budget (4 s; WeChat gives 5):

* ready in time -> the channel renders it as the passive reply (XML);
* not ready -> the channel answers ``success`` (WeChat stops retrying); the worker thread,
  when it finishes, sends the answer through the channel's *late sender* (a customer-service
  message on the official account, an app message on WeCom).

Durability. Before answering ``success`` the turn is written to a Redis sorted set of
*unsettled* turns. A periodic task (:func:`settle_due`, in :mod:`bot.jobs`) looks at each
one: an answer that is ready but not sent is sent; a turn whose process died (its lease in
:mod:`bot.dedupe` lapsed) is taken over and processed by the worker. Sending is claimed in
the turn's record, so the thread and the task never both send.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable

from .. import dedupe, pipeline
from ..codec import inbound_from_dict, inbound_to_dict
from ..messages import InboundMessage, OutboundMessage

log = logging.getLogger("linli.bot.deferred")

BUDGET_SECONDS = 4.0             # WeChat waits 5 s; leave room for rendering and the network
FIRST_CHECK_SECONDS = 15         # the thread normally sends well before the task looks
RECHECK_SECONDS = dedupe.LEASE_SECONDS / 2
SETTLE_BATCH = 100
WORKER_THREADS = 32              # per process; beyond that, turns queue and go the late way

LateSender = Callable[[object, InboundMessage, list[OutboundMessage]], None]


@dataclass(frozen=True)
class ChannelHooks:
    """What :func:`answer` and the settle task need to know about a channel."""

    send_late: LateSender                        # raises WeChatApiError (``retryable``) on failure
    respond: pipeline.Respond | None = None      # None: the dialog manager
    resolve: pipeline.Resolve | None = None      # platform id -> person, run inside the budget


_channels: dict[str, ChannelHooks] = {}
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def register_channel(channel: str, hooks: ChannelHooks) -> None:
    _channels[channel] = hooks


def _run(services, turn: pipeline.Turn) -> list[OutboundMessage]:
    hooks = _channels.get(turn.inbound.channel)
    return pipeline.run_turn(services, turn, hooks and hooks.respond, hooks and hooks.resolve)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():   # a forked gunicorn worker needs its own
            _pool = (os.getpid(), ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="linli-bot"))
        return _pool[1]


class _Race:
    """Who gets the answer: the waiting request, or (after the budget) the late sender."""

    def __init__(self):
        self.lock = threading.Lock()
        self.done = False
        self.gave_up = False


def answer(services, inbound: InboundMessage) -> list[OutboundMessage] | None:
    """The replies to render in the HTTP response now, or None: answer ``success`` (anything
    to say follows as a message)."""
    turn = pipeline.open_turn(services, inbound)
    if turn.duplicate:
        return _answer_duplicate(services, turn)
    race = _Race()
    future = _executor().submit(_work, services, turn, race)
    budget = float(services.config.extra.get("bot_reply_budget", BUDGET_SECONDS))
    try:
        replies = future.result(timeout=budget)
    except FutureTimeout:
        with race.lock:
            if not race.done:
                # decided before the worker can see ``gave_up``: when it finishes, the record
                # already says "custom" and the safety net already holds the turn
                _leave_unsettled(services, turn.inbound)
                dedupe.decide_delivery(services, turn.inbound, dedupe.CUSTOM)
                race.gave_up = True
                return None
        replies = future.result()
    if not replies:
        return None
    if dedupe.decide_delivery(services, turn.inbound, dedupe.PASSIVE) == dedupe.PASSIVE:
        return replies
    # a retry of this message was answered "success" meanwhile: the answer must be sent
    _leave_unsettled(services, turn.inbound)
    _executor().submit(_send_quietly, services, turn.inbound)
    return None


def _work(services, turn: pipeline.Turn, race: _Race) -> list[OutboundMessage]:
    try:
        replies = _run(services, turn)
    except Exception:
        # nobody may be waiting for this future any more: say it here
        log.exception("bot turn on %s failed outside the pipeline's own guard", turn.inbound.channel)
        raise
    with race.lock:
        race.done = True
        late = race.gave_up
    if late:
        _send_quietly(services, turn.inbound)
    return replies


def _answer_duplicate(services, turn: pipeline.Turn) -> list[OutboundMessage] | None:
    """A retry. Repeat a passive answer (the platform did not get ours); otherwise answer
    ``success`` and make sure the answer goes out as a message."""
    record = turn.record
    decided = dedupe.decide_delivery(services, turn.inbound, dedupe.PASSIVE if record.done else dedupe.CUSTOM)
    if decided == dedupe.PASSIVE:
        # the first try finished and chose the HTTP reply, but the platform retried, so it
        # never got that reply: this response has to carry it
        if not record.done:
            record = dedupe.lookup(services, turn.inbound) or record
        return (record.replies or None) if record.done else None
    if not record.sent:
        _leave_unsettled(services, turn.inbound)
    return None


# ---- sending late --------------------------------------------------------------------

def send_late(services, inbound: InboundMessage) -> str:
    """Send a finished turn's answer as a message if nobody has: ``sent``, ``not_mine``
    (already sent, or not to be sent this way) or ``retry`` (sending failed, try later)."""
    if not dedupe.claim_send(services, inbound):
        return "not_mine"
    record = dedupe.lookup(services, inbound)
    replies = record.replies if record else None
    if not replies:
        return "sent"
    hooks = _channels.get(inbound.channel)
    if hooks is None:
        log.error("no late sender for channel %s; answer dropped", inbound.channel)
        return "sent"
    try:
        hooks.send_late(services, inbound, replies)
    except Exception as exc:
        detail = getattr(exc, "details", None) or repr(exc)    # WeChatApiError carries errcode/errmsg
        if getattr(exc, "retryable", True):
            dedupe.release_send(services, inbound)
            log.warning("late answer on %s failed, will retry: %s", inbound.channel, detail)
            return "retry"
        log.warning("late answer on %s refused for good: %s", inbound.channel, detail)
    return "sent"


def _send_quietly(services, inbound: InboundMessage) -> None:
    """The worker thread's send: failures stay unsettled for the periodic task."""
    try:
        if send_late(services, inbound) != "retry":
            _settled(services, inbound)
    except Exception:
        log.exception("late answer on %s failed; the settle task will retry", inbound.channel)


# ---- the unsettled set and the periodic task ------------------------------------------

def _unsettled_key(services) -> str:
    return services.key("bot", "unsettled")


def _member(inbound: InboundMessage) -> str:
    return json.dumps(inbound_to_dict(inbound), sort_keys=True, ensure_ascii=False)


def _leave_unsettled(services, inbound: InboundMessage, after: float = FIRST_CHECK_SECONDS) -> None:
    services.redis.zadd(_unsettled_key(services), {_member(inbound): time.time() + after}, nx=True)


def _settled(services, inbound: InboundMessage) -> None:
    services.redis.zrem(_unsettled_key(services), _member(inbound))


def settle(services, inbound: InboundMessage) -> str:
    """Bring one unsettled turn to its end: ``sent``, ``not_mine``, ``expired``, ``waiting``
    (still running in a live process) or ``retry``."""
    record = dedupe.lookup(services, inbound)
    if record is None:
        return "expired"
    if not record.done:
        turn = pipeline.open_turn(services, inbound)     # takes the turn over if its lease lapsed
        if turn.duplicate:
            return "waiting"
        _run(services, turn)
        dedupe.decide_delivery(services, inbound, dedupe.CUSTOM)
    return send_late(services, inbound)


def settle_due(services, now: float | None = None) -> dict[str, int]:
    """Settle every unsettled turn that is due; returns a count per outcome."""
    key = _unsettled_key(services)
    now = time.time() if now is None else now
    counts: dict[str, int] = {}
    for member in services.redis.zrangebyscore(key, "-inf", now, start=0, num=SETTLE_BATCH):
        try:
            inbound = inbound_from_dict(json.loads(member))
            outcome = settle(services, inbound)
        except Exception:
            log.exception("settling a bot turn failed; will retry")
            outcome = "retry"
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome in ("waiting", "retry"):
            services.redis.zadd(key, {member: now + RECHECK_SECONDS}, xx=True)
        else:
            services.redis.zrem(key, member)
    return counts
