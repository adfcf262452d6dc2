"""Worker and beat entry point: ``celery -A tasks.worker worker`` / ``celery -A tasks.worker beat``.

Builds the process's services from the environment, loads the NLU model before the
prefork pool forks (so children share its pages), and keeps a heartbeat in Redis.
"""
from __future__ import annotations

import threading

from celery import signals

from core import clock, health
from core.config import load_config
from core.services import Services, set_current

from .celery_app import configure

services = Services(load_config())
set_current(services)
app = configure(services)


def _beat_forever(component: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            health.beat(services, component, {"last_seen": clock.now_iso(), "pid": clock.process_tag()})
        except Exception:  # Redis restarting: try again next tick
            pass
        stop.wait(10)


_stop = threading.Event()


@signals.worker_init.connect
def _warm_up(**_):
    try:
        import nlu
    except ImportError:
        return
    warm = getattr(nlu, "warm_up", None)
    if warm is not None:
        warm()


@signals.worker_ready.connect
def _start_heartbeat(**_):
    threading.Thread(target=_beat_forever, args=("worker", _stop), daemon=True, name="linli-heartbeat").start()


@signals.worker_shutdown.connect
def _stop_heartbeat(**_):
    _stop.set()
