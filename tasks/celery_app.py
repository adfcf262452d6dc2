"""The Celery application, configured from Linli's :class:`~core.services.Services`.

The broker is the same Redis as everything else (embedded or ``REDIS_URL``). Tasks are
acknowledged late and re-queued if a worker is lost, and correctness never depends on
that: the outbox and deadlines are data in the store, and the periodic tasks find
whatever a dead worker left behind.
"""
from __future__ import annotations

from celery import Celery

from core.redis_client import celery_url

celery = Celery("linli", include=["tasks.jobs", "bot.jobs"])

RELAY_EVERY_SECONDS = 2.0
SWEEP_EVERY_SECONDS = 15.0
HEARTBEAT_EVERY_SECONDS = 10.0


def configure(services) -> Celery:
    url = celery_url(services.redis_url)
    celery.conf.update(
        broker_url=url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 300, "global_keyprefix": services.key("celery") + ":"},
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        task_always_eager=services.config.celery_eager,
        timezone="UTC",
        beat_schedule={
            "relay-outbox": {"task": "tasks.jobs.relay_outbox", "schedule": RELAY_EVERY_SECONDS},
            "sweep-deadlines": {"task": "tasks.jobs.sweep_deadlines", "schedule": SWEEP_EVERY_SECONDS},
            "scheduler-heartbeat": {"task": "tasks.jobs.scheduler_heartbeat",
                                    "schedule": HEARTBEAT_EVERY_SECONDS},
            # the bot's late answers and dead web processes' turns; conversation log retention
            "bot-settle-turns": {"task": "bot.jobs.settle_turns", "schedule": 5.0},
            "bot-purge-turns": {"task": "bot.jobs.purge_turns", "schedule": 3600.0},
        },
    )
    return celery
