"""The bot's Celery tasks (defined with ``shared_task``: ``bot`` never imports ``tasks``;
the Celery app lists this module in its ``include`` and schedules the tasks in beat).

* ``bot.jobs.settle_turns`` — every few seconds: send the late answers a web process could
  not send, and finish the turns of web processes that died (see
  :mod:`bot.channels.deferred`);
* ``bot.jobs.purge_turns`` — hourly: delete conversation turns past their retention.
"""
from __future__ import annotations

from celery import shared_task

from core.services import current

SETTLE_EVERY_SECONDS = 5.0
PURGE_EVERY_SECONDS = 3600.0


@shared_task(name="bot.jobs.settle_turns")
def settle_turns() -> dict:
    # importing the channels package registers every channel's late sender
    from .channels.deferred import settle_due

    return settle_due(current())


@shared_task(name="bot.jobs.purge_turns")
def purge_turns() -> int:
    from .turn_log import purge_expired

    return purge_expired(current())
