"""Once-only turns: a platform message is answered by one process, once, whatever retries.

WeChat and WeCom retry a message they got no answer to (three tries in all) and may deliver
it to any web process. Every turn therefore has a record in Redis, shared by all processes::

    bot:turn:<channel>:<digest of user key>:<msg id> = {
        "state": "processing" | "done",
        "owner": who is processing it, "lease_until": epoch seconds,
        "replies": JSON text of the answer once done,
        "delivery": None | "passive" | "custom",  how the answer reaches the person
        "sent": bool                                 a late (custom) answer went out
    }

:func:`begin` creates it with ``SET``-if-absent semantics, so exactly one process gets the
ticket; the others see the record and either return the stored replies or nothing. A
process holds its turn on a *lease* that a keeper thread renews while the turn runs; only
when the lease lapses (the process died or hung for :data:`KEEP_ALIVE_SECONDS`) may another
process take the turn over, which is how a message survives a web process that dies after
answering ``success``. Every change is one Lua script, atomic on the server.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from .codec import outbound_from_dict, outbound_to_dict
from .messages import InboundMessage, OutboundMessage

log = logging.getLogger("linli.bot.dedupe")

RECORD_TTL_SECONDS = 6 * 3600       # outlives WeChat's retries and every late-delivery attempt
LEASE_SECONDS = 20                  # a dead process's turn is taken over this long after it died
KEEP_ALIVE_SECONDS = 300            # a turn still running after this long is presumed hung
PROCESSING, DONE = "processing", "done"
PASSIVE, CUSTOM = "passive", "custom"

_BEGIN = """
local raw = redis.call('GET', KEYS[1])
local now, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
if not raw then
  redis.call('SET', KEYS[1], cjson.encode({state='processing', owner=ARGV[1], lease_until=now + lease}),
             'EX', tonumber(ARGV[4]))
  return {1, ''}
end
local rec = cjson.decode(raw)
if rec.state == 'processing' and tonumber(rec.lease_until) < now then
  rec.owner = ARGV[1]
  rec.lease_until = now + lease
  rec.takeovers = (tonumber(rec.takeovers) or 0) + 1
  redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
  return {2, ''}
end
return {0, raw}
"""

_RENEW = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.state ~= 'processing' or rec.owner ~= ARGV[1] then return 0 end
rec.lease_until = tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return 1
"""

_FINISH = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.state ~= 'processing' or rec.owner ~= ARGV[1] then return 0 end
rec.state = 'done'
rec.replies = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return 1
"""

# the first caller decides how the answer travels; everyone after learns the decision
_DELIVERY = """
local raw = redis.call('GET', KEYS[1])
if not raw then return '' end
local rec = cjson.decode(raw)
if not rec.delivery then
  rec.delivery = ARGV[1]
  redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
end
return rec.delivery
"""

_SEND = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if ARGV[1] == 'claim' then
  if rec.state ~= 'done' or rec.delivery ~= 'custom' or rec.sent then return 0 end
  rec.sent = true
else
  rec.sent = false
end
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return 1
"""


@dataclass(frozen=True)
class Ticket:
    """The right to process one turn (held by exactly one process at a time)."""

    key: str
    owner: str
    taken_over: bool = False


@dataclass(frozen=True)
class Record:
    """Another process's view of a turn it does not own."""

    state: str
    delivery: str | None
    sent: bool
    replies: list[OutboundMessage] | None

    @property
    def done(self) -> bool:
        return self.state == DONE


def turn_key(services, inbound: InboundMessage) -> str:
    user = hashlib.sha256(inbound.user_key.encode()).hexdigest()[:20]
    return services.key("bot", "turn", inbound.channel, user, str(inbound.msg_id))


_scripts: dict[str, object] = {}


def _run(services, source: str, key: str, *args):
    """Run one of the scripts above (by SHA; redis-py loads it again after a server restart)."""
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = services.redis.register_script(source)
    return script(keys=[key], args=list(args), client=services.redis)


def begin(services, inbound: InboundMessage) -> tuple[Ticket | None, Record | None]:
    """Claim the turn of ``inbound`` (which must carry ``msg_id``).

    ``(ticket, None)``: process it. ``(None, record)``: someone else has it.
    """
    key = turn_key(services, inbound)
    owner = uuid.uuid4().hex
    status, raw = _run(services, _BEGIN, key, owner, time.time(), LEASE_SECONDS, RECORD_TTL_SECONDS)
    if int(status) == 0:
        return None, _record(raw)
    if int(status) == 2:
        log.warning("bot turn %s taken over from a process whose lease lapsed", key)
    return Ticket(key, owner, taken_over=int(status) == 2), None


def lookup(services, inbound: InboundMessage) -> Record | None:
    raw = services.redis.get(turn_key(services, inbound))
    return _record(raw) if raw else None


def _record(raw: str) -> Record:
    data = json.loads(raw)
    replies = data.get("replies")
    return Record(state=data.get("state", PROCESSING), delivery=data.get("delivery") or None,
                  sent=bool(data.get("sent")),
                  replies=[outbound_from_dict(r) for r in json.loads(replies)] if replies else None)


def finish(services, ticket: Ticket, replies: list[OutboundMessage]) -> bool:
    """Store the answer. False when the lease was lost (another process took over)."""
    payload = json.dumps([outbound_to_dict(r) for r in replies], ensure_ascii=False)
    won = bool(_run(services, _FINISH, ticket.key, ticket.owner, payload))
    if not won:
        log.warning("bot turn %s finished after its lease was taken over; answer dropped", ticket.key)
    return won


def decide_delivery(services, inbound: InboundMessage, wanted: str) -> str | None:
    """Ask to deliver the answer ``passive`` (in the HTTP reply) or ``custom`` (sent later).

    The first decision sticks: a passive reply may be repeated to a retry (WeChat shows it
    once), but once someone answered WeChat ``success`` the answer must go out as a message.
    Returns the decision, or None when the record has expired.
    """
    decided = _run(services, _DELIVERY, turn_key(services, inbound), wanted)
    return decided or None


def claim_send(services, inbound: InboundMessage) -> bool:
    """Take the one right to send a finished turn's answer as a message."""
    return bool(_run(services, _SEND, turn_key(services, inbound), "claim"))


def release_send(services, inbound: InboundMessage) -> None:
    """Sending failed: let the next attempt (the settle task) try again."""
    _run(services, _SEND, turn_key(services, inbound), "release")


# ---- keeping leases alive ------------------------------------------------------------

class _Keeper:
    """Renews the leases of this process's running turns until they finish or hang."""

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._held: dict[Ticket, tuple[object, float]] = {}
        self._thread: threading.Thread | None = None

    def hold(self, services, ticket: Ticket) -> None:
        with self._lock:
            self._held[ticket] = (services, time.monotonic())
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._renew_forever, name="linli-bot-leases",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def release(self, ticket: Ticket) -> None:
        with self._lock:
            self._held.pop(ticket, None)

    def _renew_forever(self) -> None:
        while True:
            self._wake.wait(LEASE_SECONDS / 4)
            self._wake.clear()
            with self._lock:
                held = list(self._held.items())
            for ticket, (services, since) in held:
                if time.monotonic() - since > KEEP_ALIVE_SECONDS:
                    continue          # presumed hung: let the lease lapse so the turn can be taken over
                try:
                    _run(services, _RENEW, ticket.key, ticket.owner, time.time() + LEASE_SECONDS)
                except Exception:     # Redis restarting: the next round tries again
                    log.warning("could not renew the lease of %s", ticket.key, exc_info=True)


_keeper = _Keeper()


@contextmanager
def held(services, ticket: Ticket | None):
    """Keep ``ticket``'s lease alive for the duration of the block."""
    if ticket is None:
        yield
        return
    _keeper.hold(services, ticket)
    try:
        yield
    finally:
        _keeper.release(ticket)
