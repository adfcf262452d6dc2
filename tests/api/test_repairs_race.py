"""Two technicians pressing at the same moment, through the real app in two threads:
exactly one wins, the other gets a 409, and the ticket records one taker."""
from __future__ import annotations

import threading
import time

import pytest

import workflows.engine as engine

from tests.helpers import ok

from .test_repairs import API, report, set_modes


def press_together(app, world, presses: list[tuple[str, str]]) -> list[int]:
    barrier = threading.Barrier(len(presses))
    statuses: list[int] = []

    def press(who: str, url: str) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(url, json={}, headers=world.headers(who)).status_code)

    threads = [threading.Thread(target=press, args=p) for p in presses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.fixture
def slow_reads(monkeypatch):
    """Both requests read the case before either writes, so the compare-and-set decides."""
    real = engine.load_case

    def load_then_pause(*args, **kwargs):
        case = real(*args, **kwargs)
        time.sleep(0.2)
        return case

    monkeypatch.setattr(engine, "load_case", load_then_pause)


def test_two_technicians_grabbing_the_same_ticket_exactly_one_409(app, world, backend, slow_reads):
    if backend != "sqlite":
        pytest.skip("mongomock is not thread-safe; the CAS itself is covered on both backends")
    set_modes(world, drain="grab")
    case_id = ok(report(world, category="drain"), 201)["id"]
    url = f"{API}/{case_id}/grab"
    assert press_together(app, world, [("plumber", url), ("plumber2", url)]) == [200, 409]
    history = ok(world.call("GET", "owner", f"{API}/{case_id}"))["history"]
    assert [step["event"] for step in history].count("grab") == 1


def test_assignee_accepting_twice_at_once_records_one_accept(app, world, backend, slow_reads):
    if backend != "sqlite":
        pytest.skip("mongomock is not thread-safe; the CAS itself is covered on both backends")
    set_modes(world, water_pipe="assign")
    case_id = ok(report(world, category="water_pipe"), 201)["id"]
    ok(world.call("POST", "dispatcher", f"{API}/{case_id}/assign", json={"assignee_id": world.id("plumber")}))
    url = f"{API}/{case_id}/accept"
    assert press_together(app, world, [("plumber", url), ("plumber", url)]) == [200, 409]
    history = ok(world.call("GET", "plumber", f"{API}/{case_id}"))["history"]
    assert [step["event"] for step in history] == ["create", "assign", "accept"]
