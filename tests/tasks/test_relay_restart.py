"""A Celery worker killed with SIGKILL in the middle of relaying loses no outbox event and
delivers none twice: a restarted worker re-claims what the dead one held once its lease ends.

Real processes throughout: ``celery worker --pool=solo`` subprocesses on the test's SQLite
data dir and Redis (own key prefix), tasks sent through the Redis broker. The worker runs
:mod:`tests.tasks.relay_probe`, whose ``probe`` notifier hangs on one chosen event.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

from core.config import load_config
from core.redis_client import celery_url
from core.roles import Actor
from core.services import Services
from notifications.relay import MAX_ATTEMPTS
from workflows.engine import State, Workflow, create_case

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 6
HANG_ON = 2          # the third event in claim order: two are fully delivered before the kill
LEASE_SECONDS = 2

NOTICE = Workflow(name="notice", collection="repairs", number_prefix="N", states=(State("open"),),
                  transitions=(), initial="open", audience=lambda event, case: case["audience"])


@pytest.fixture
def services(tmp_path, redis_url, redis_prefix):
    """This test's own services (SQLite: the worker subprocess must open the same store)."""
    config = load_config({"data_dir": str(tmp_path / "data"), "redis_url": redis_url, "mongo_uri": None,
                          "extra": {"redis_prefix": redis_prefix}})
    services = Services(config)
    yield services
    services.close()


class Worker:
    """One ``celery worker`` subprocess; its output goes to a log file shown on failure."""

    def __init__(self, services, log: Path):
        env = {**os.environ, "LINLI_DATA_DIR": services.config.data_dir, "REDIS_URL": services.redis_url,
               "LINLI_REDIS_PREFIX": services.prefix, "LINLI_NOTIFIERS": "probe", "LINLI_CELERY_EAGER": "0",
               "MONGO_URI": "", "LINLI_RELAY_LEASE_SECONDS": str(LEASE_SECONDS)}
        self.log = log
        with log.open("wb") as output:   # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.tasks.relay_probe", "worker", "--pool=solo",
                 "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"relay-probe-{log.stem}@%h"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, what: str, worker: Worker, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker.process.poll() is not None:
            break
        time.sleep(0.1)
    log = worker.log.read_text(errors="replace")[-4000:]
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log}")


@pytest.fixture
def workers(services, tmp_path):
    started: list[Worker] = []

    def start() -> Worker:
        heartbeat = services.key("heartbeat", "worker")
        services.redis.delete(heartbeat)    # a dead worker's beat must not pass for the new one's
        worker = Worker(services, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        wait_for(lambda: services.redis.exists(heartbeat), "the worker to be ready", worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def broker(services):
    """A Celery client on the worker's broker: same Redis, same key prefix as tasks.celery_app."""
    client = Celery("relay-restart-test", broker=celery_url(services.redis_url), set_as_current=False)
    client.conf.broker_transport_options = {"global_keyprefix": services.key("celery") + ":"}
    yield lambda: client.send_task("tasks.jobs.relay_outbox")
    client.close()


def make_events(services) -> tuple[dict, list[str]]:
    community = "c-relay"
    person = {"_id": "p-relay", "community_id": community, "kind": "resident", "name": "张三",
              "roles": ["resident"], "locale": "zh_CN", "active": True}
    services.store.collection("people").insert(person)
    for _ in range(EVENTS):
        create_case(services.store, NOTICE, {"audience": [person["_id"]]}, Actor.system(community))
    outbox = services.store.collection("outbox").find({"status": "pending"}, sort=[("available_at", 1)])
    return person, [event["_id"] for event in outbox.items]   # the order a relay claims them in


def delivered(services) -> list[str]:
    return [entry.split("|")[0] for entry in services.redis.lrange(services.key("probe", "delivered"), 0, -1)]


def inbox_count(services, event_id: str) -> int:
    return services.store.collection("notifications").count({"event_id": event_id})


def test_killed_worker_loses_no_event_and_delivers_none_twice(services, workers, broker):
    person, event_ids = make_events(services)
    services.redis.set(services.key("probe", "hang"), event_ids[HANG_ON])

    first = workers()
    broker()
    wait_for(lambda: services.redis.get(services.key("probe", "hanging")), "the probe to hang", first)
    first.kill()
    killed_at = time.monotonic()

    assert delivered(services) == event_ids[:HANG_ON]
    # the hung event reached the inbox (the first channel) before the probe hung
    assert [inbox_count(services, e) for e in event_ids] == [1] * (HANG_ON + 1) + [0] * (EVENTS - HANG_ON - 1)
    held = services.store.collection("outbox").find({"status": "sending"}).items
    assert sorted(e["_id"] for e in held) == sorted(event_ids[HANG_ON:])

    second = workers()
    outbox = services.store.collection("outbox")

    def all_done() -> bool:
        if outbox.count({"status": "done"}) == EVENTS:
            return True
        if time.monotonic() - killed_at > LEASE_SECONDS:
            broker()                           # beat's job: keep asking until the leases expire
            time.sleep(0.5)
        return False

    wait_for(all_done, "every event to be delivered", second, timeout=45)
    assert sorted(delivered(services)) == sorted(event_ids)                # none lost, none twice
    assert [inbox_count(services, e) for e in event_ids] == [1] * EVENTS
    hung = outbox.get(event_ids[HANG_ON])
    assert hung["attempts"] == 2 and hung["attempts"] < MAX_ATTEMPTS
    assert hung["claimed_by"].endswith(f":{second.process.pid}")
    assert [e["attempts"] for e in outbox.get_many(event_ids[:HANG_ON])] == [1] * HANG_ON
