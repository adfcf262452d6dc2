"""Dispatch: round-robin fairness and caps, the grab cap (per person and per community),
and the settings document that picks a mode per category."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from core.errors import Conflict
from workflows import dispatch
from workflows.repair import SERVICE

from tests.helpers import ok

from ..api.test_repairs import API
from .test_repair_deadlines import actor, do, file


def set_cap(world, who: str, cap: int) -> None:
    people = world.services.store.collection("people")
    doc = people.get(world.id(who))
    doc["max_open_tickets"] = cap
    assert people.replace(doc, doc["version"])


def use(world, **settings) -> None:
    SERVICE.update_settings(world.services, actor(world, "manager"), settings)


def holders(cases) -> Counter:
    return Counter(case.get("assignee_id") for case in cases)


def test_round_robin_spreads_reports_evenly_over_the_trade(world):
    use(world, modes={"water_pipe": "round_robin"})
    cases = [file(world, category="water_pipe", place=None) for _ in range(6)]
    assert holders(cases) == {world.id("plumber"): 3, world.id("plumber2"): 3}
    assert all(case["state"] == "assigned" and case["history"][-1]["event"] == "auto_assign" for case in cases)
    pending = world.services.store.collection("outbox").find({"status": "pending"}, limit=500).items
    created = [e for e in pending if e["type"] == "repair.created"]
    assert len(created) == 6 and all(e["recipients"] == [] for e in created)  # the desk is not spammed


def test_round_robin_prefers_the_least_loaded_and_skips_those_at_their_cap(world):
    use(world, modes={"water_pipe": "round_robin"})
    set_cap(world, "plumber", 1)
    cases = [file(world, category="water_pipe", place=None) for _ in range(4)]
    assert holders(cases) == {world.id("plumber"): 1, world.id("plumber2"): 3}


def test_round_robin_with_everyone_at_the_cap_leaves_it_to_the_dispatcher(world):
    use(world, modes={"water_pipe": "round_robin"}, cap=1)
    assigned = [file(world, category="water_pipe", place=None) for _ in range(2)]
    waiting = file(world, category="water_pipe", place=None)
    assert {c["state"] for c in assigned} == {"assigned"} and waiting["state"] == "submitted"
    assert waiting["assignee_id"] is None and waiting["history"][-1]["event"] == "to_desk"
    told = world.services.store.collection("outbox").find({"status": "pending"}, limit=500).items
    assert {e["type"] for e in told if e["case_id"] == waiting["_id"] and e["recipients"]} == {"repair.to_desk"}
    assert [e["recipients"] for e in told if e["type"] == "repair.to_desk"] == [[world.id("dispatcher")]]
    # finishing one frees a slot: the loads, not the history, decide
    done = assigned[0]
    tech = "plumber" if done["assignee_id"] == world.id("plumber") else "plumber2"
    do(world, tech, done, "accept", None)
    do(world, tech, done, "resolve", None)
    assert file(world, category="water_pipe", place=None)["assignee_id"] == world.id(tech)


def test_grab_cap_per_community_and_per_person(world):
    use(world, modes={"drain": "grab"}, cap=2)
    cases = [file(world, category="drain", place=None) for _ in range(4)]
    do(world, "plumber2", cases[0], "grab", None)
    do(world, "plumber2", cases[1], "grab", None)
    with pytest.raises(Conflict) as refused:
        do(world, "plumber2", cases[2], "grab", None)
    assert refused.value.message_key == "error.repair.cap_reached" and refused.value.params == {"cap": 2}
    set_cap(world, "plumber2", 3)
    assert do(world, "plumber2", cases[2], "grab", None)["state"] == "accepted"
    with pytest.raises(Conflict):
        do(world, "plumber2", cases[3], "grab", None)


def test_one_technician_grabbing_two_tickets_at_once_stays_under_the_cap(world, backend, monkeypatch):
    if backend != "sqlite":
        pytest.skip("threads against mongomock test mongomock, not the adapter")
    import workflows.repair.machine as machine

    counted = machine.has_capacity

    def slow_count(*args, **kwargs):  # widen the window between counting and writing
        answer = counted(*args, **kwargs)
        time.sleep(0.2)
        return answer

    monkeypatch.setattr(machine, "has_capacity", slow_count)
    use(world, modes={"drain": "grab"}, cap=1)
    cases = [file(world, category="drain", place=None) for _ in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def grab(case):
        barrier.wait()
        try:
            outcomes.append(do(world, "plumber2", case, "grab", None)["state"])
        except Conflict as exc:
            outcomes.append(exc.message_key)

    threads = [threading.Thread(target=grab, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "error.repair.cap_reached"]


def test_defaults_send_urgent_categories_round_robin_and_the_rest_to_the_desk(world):
    settings = SERVICE.settings(world.services, actor(world, "dispatcher"))
    assert settings["modes"]["elevator"] == dispatch.ROUND_ROBIN and settings["modes"]["lighting"] == dispatch.ASSIGN
    assert settings["cap"] == 5 and settings["auto_close_days"] == 3 and settings["version"] == 0


def test_settings_endpoint_roles_validation_and_versions(world):
    url = f"{API}/settings"
    assert ok(world.call("GET", "dispatcher", url))["modes"]["gas"] == "round_robin"
    assert ok(world.call("GET", "owner", url), 403)
    assert ok(world.call("PUT", "dispatcher", url, json={"cap": 3}), 403)
    for bad in ({"modes": {"gas": "lottery"}}, {"modes": {"spaceship": "grab"}}, {"cap": 0},
                {"auto_close_days": 99}, {"colour": "red"}, {"cap": "many"}):
        assert ok(world.call("PUT", "manager", url, json=bad), 422), bad
    saved = ok(world.call("PUT", "admin", url, json={"modes": {"gas": "assign"}, "cap": 3, "version": 0}))
    assert saved["modes"]["gas"] == "assign" and saved["cap"] == 3 and saved["version"] == 1
    assert saved["modes"]["elevator"] == "round_robin"  # untouched categories keep their defaults
    assert ok(world.call("PUT", "manager", url, json={"cap": 4, "version": 0}), 409)
    assert ok(world.call("GET", "outsider_dispatcher", url))["cap"] == 5  # another community's own settings
