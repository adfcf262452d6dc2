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
from core.roles import Actor

from .engine import Workflow, apply_event

log = logging.getLogger("linli.deadlines")


def sweep(store, workflows: list[Workflow], now: datetime | None = None, batch: int = 200) -> int:
    """Fire due deadlines across all communities; returns how many fired."""
    now = now or clock.now()
    fired = 0
    for workflow in workflows:
        due = store.collection(workflow.collection).find(
            {"next_deadline_at": {"$lte": clock.iso(now)}}, sort=[("next_deadline_at", 1)], limit=batch).items
        for case in due:
            for deadline in sorted(case.get("deadlines", []), key=lambda d: d["at"]):
                if deadline["at"] > clock.iso(now):
                    break
                try:
                    apply_event(store, workflow, case["_id"], deadline["event"], Actor.system(case["community_id"]),
                                {"deadline": deadline["name"]}, now=now)
                    fired += 1
                except Conflict:
                    log.info("deadline %s on %s raced with another write; next sweep retries",
                             deadline["name"], case["_id"])
                except LinliError:
                    log.exception("deadline %s on %s could not fire", deadline["name"], case["_id"])
                break  # the case changed: re-read it on the next sweep
    return fired
