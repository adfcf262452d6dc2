"""The outbox relay: at-least-once delivery of workflow events, idempotent per recipient.

Events are claimed with a lease (``status=sending``, ``available_at`` = lease end, the
lease being ``LINLI_RELAY_LEASE_SECONDS``), so a worker that dies mid-delivery leaves its
events to be re-claimed when the lease runs out — by a restarted worker or any other. Per-channel sends are recorded in Redis after
they succeed, so a re-claimed event does not message the same person twice.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from core import clock

from .base import Message

log = logging.getLogger("linli.relay")
LEASE = timedelta(seconds=60)      # of a bare claim(); relay() takes the configured lease
MAX_ATTEMPTS = 12


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 3600))


def claim(store, limit: int = 50, now=None, lease: timedelta = LEASE) -> list[dict]:
    """Claim up to ``limit`` due events for this process (compare-and-set per event), each
    for ``lease``: long enough for one delivery, short enough that a dead worker's events
    are soon taken over."""
    now = now or clock.now()
    outbox = store.collection("outbox")
    claimed = []
    for status in ("pending", "sending"):
        due = outbox.find({"status": status, "available_at": {"$lte": clock.iso(now)}},
                          sort=[("available_at", 1)], limit=limit).items
        for event in due:
            version = event["version"]
            event.update(status="sending", attempts=event.get("attempts", 0) + 1,
                         available_at=clock.iso(now + lease), claimed_by=clock.process_tag())
            if outbox.replace(event, version):
                claimed.append(event)
    return claimed[:limit] if len(claimed) > limit else claimed


def relay(services, render: Callable[[dict, dict], Message], router, limit: int = 50) -> int:
    """Deliver claimed events to every recipient; returns how many events completed."""
    store = services.store
    done = 0
    for event in claim(store, limit, lease=timedelta(seconds=services.config.relay_lease_seconds)):
        try:
            deliver_event(services, event, render, router)
        except Exception:  # one bad event must not block the rest: retry it later
            log.exception("delivery of %s failed (attempt %s)", event["_id"], event["attempts"])
            _finish(store, event, failed=True)
            continue
        _finish(store, event, failed=False)
        done += 1
    return done


def deliver_event(services, event: dict, render, router) -> None:
    people = {p["_id"]: p for p in services.store.collection("people").get_many(event.get("recipients", []))}
    for person_id in event.get("recipients", []):
        person = people.get(person_id)
        if person is None:
            log.warning("event %s names unknown recipient %s", event["_id"], person_id)
            continue
        message = render(event, person)
        for notifier in router.channels_for(person, message):
            sent_key = services.key("sent", event["_id"], person_id, notifier.channel)
            if services.redis.exists(sent_key):
                continue
            delivery = notifier.send(person, message)
            if delivery.ok:
                services.redis.set(sent_key, "1", ex=7 * 24 * 3600)


def _finish(store, event: dict, failed: bool) -> None:
    outbox = store.collection("outbox")
    version = event["version"]
    if not failed:
        event.update(status="done", delivered_at=clock.now_iso())
    elif event["attempts"] >= MAX_ATTEMPTS:
        event.update(status="failed")
        log.error("event %s gave up after %s attempts", event["_id"], event["attempts"])
    else:
        event.update(status="pending", available_at=clock.iso(clock.now() + _backoff(event["attempts"])))
    if not outbox.replace(event, version):
        log.info("event %s was re-claimed by another worker before it finished", event["_id"])
