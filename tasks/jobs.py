"""Thin Celery tasks: each one calls a service function with the process's services."""
from __future__ import annotations

from core import clock, health
from core.services import current
from notifications.relay import relay
from notifications.render import make_renderer
from notifications.router import build_router
from workflows import deadlines
from workflows.registry import all_workflows

from .celery_app import celery


@celery.task(name="tasks.jobs.relay_outbox")
def relay_outbox() -> int:
    services = current()
    return relay(services, make_renderer(services.config.public_base_url), build_router(services))


@celery.task(name="tasks.jobs.sweep_deadlines")
def sweep_deadlines() -> int:
    return deadlines.sweep(current().store, list(all_workflows()))


@celery.task(name="tasks.jobs.scheduler_heartbeat")
def scheduler_heartbeat() -> None:
    """Scheduled by beat and run by a worker: proves both are alive."""
    health.beat(current(), "scheduler", {"last_seen": clock.now_iso()})
