"""The Celery app of :mod:`tasks.worker`, plus the ``probe`` notifier ``test_relay_restart``
needs inside the worker process (which gets its short lease from LINLI_RELAY_LEASE_SECONDS).

Run as ``python -m celery -A tests.tasks.relay_probe worker --pool=solo``. The probe records
each delivery in Redis, and hangs (until the test kills the worker) on the one event whose id
the test wrote to ``probe:hang`` — a stand-in for a WeChat call that never returns.
"""
from __future__ import annotations

import time

from notifications.base import Delivery
from notifications.router import PROVIDERS
from tasks.worker import app, services  # noqa: F401 (``celery -A`` looks for ``app``)


class ProbeNotifier:
    channel = "probe"

    def __init__(self, services):
        self.redis, self.key = services.redis, services.key

    def can_reach(self, person: dict, message) -> bool:
        return True

    def send(self, person: dict, message) -> Delivery:
        hang = self.key("probe", "hang")
        if self.redis.get(hang) == message.event_id and self.redis.delete(hang):
            self.redis.set(self.key("probe", "hanging"), message.event_id)
            time.sleep(120)
        self.redis.rpush(self.key("probe", "delivered"), f"{message.event_id}|{person['_id']}")
        return Delivery(self.channel, ok=True)


PROVIDERS["probe"] = ProbeNotifier
