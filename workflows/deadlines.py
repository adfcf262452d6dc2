"""The deadline sweep: fire every case timer that has passed, as the system actor.

Run periodically by Celery beat (``tasks.sweep_deadlines``). It reads only the
``next_deadline_at`` index, so its cost follows the number of due timers, not of cases.
Idempotent and safe to run in several processes at once: each firing is a
compare-and-set, and a timer that lost its race is re-read on the next sweep.
"""
from __future__ import annotations

import logging
from datetime import datetime

from core import clock
from core.errors import Conflict, LinliError

from .engine import Workflow, fire_deadline

log = logging.getLogger("linli.deadlines")


def sweep(store, workflows: list[Workflow], now: datetime | None = None, batch: int = 200) -> int:
    """Fire due deadlines across all communities; returns how many fired (a stale timer that
    was only dropped is not counted)."""
    now = now or clock.now()
    fired = 0
    for workflow in workflows:
        due = store.collection(workflow.collection).find(
            {"next_deadline_at": {"$lte": clock.iso(now)}}, sort=[("next_deadline_at", 1)], limit=batch).items
        for case in due:
            fired += _fire_earliest(store, workflow, case, now)
    return fired


def _fire_earliest(store, workflow: Workflow, case: dict, now: datetime) -> int:
    """Fire the case's earliest due timer (1), or nothing (0). Stale timers before it are
    dropped on the way, so a sweep that fires nothing has nothing left to fire."""
    while True:
        due = [d for d in case.get("deadlines", []) if d["at"] <= clock.iso(now)]
        if not due:
            return 0
        deadline = min(due, key=lambda d: d["at"])
        try:
            case, fired = fire_deadline(store, workflow, case, deadline, now=now)
        except Conflict:
            log.info("deadline %s on %s raced with another write; next sweep retries", deadline["name"], case["_id"])
            return 0
        except LinliError:
            log.exception("deadline %s on %s could not fire", deadline["name"], case["_id"])
            return 0
        if fired:
            return 1  # the case changed: its next timer is re-read on the next sweep
