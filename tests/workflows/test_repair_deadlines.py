"""Repair deadlines with frozen time and the real sweep: warnings at 75 %, escalation to the
manager at 100 % (once), auto-close after N days resolved, the rating window, and a
fresh response window when a ticket changes hands."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core import clock
from core.roles import Actor
from tests.factories import person
from tests.helpers import relay_all
from workflows import deadlines
from workflows.repair import SERVICE, WORKFLOW

from ..api.test_repairs import HOUSE_OF

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)


def actor(world, who: str) -> Actor:
    return Actor.from_person(world.services.store.collection("people").get(world.id(who)))


def file(world, who="owner", category="elevator", place="3号楼", now=T0) -> dict:
    data = {"category": category, "description": "坏了",
            "location": {"kind": "public", "place": place} if place else
            {"kind": "home", "house_id": world.houses[HOUSE_OF[who]]["_id"]}}
    return SERVICE.create(world.services, actor(world, who), data, now=now).case


def do(world, who, case, event, now, **payload):
    return SERVICE.act(world.services, actor(world, who), case["_id"], event, payload, now=now)


def sweep(world, now) -> int:
    return deadlines.sweep(world.services.store, [WORKFLOW], now=now)


def sweep_until_quiet(world, now) -> int:
    fired = 0
    while (count := sweep(world, now)):
        fired += count
    return fired


def outbox(world, case_id: str, type_: str) -> list[dict]:
    pending = world.services.store.collection("outbox").find({"status": "pending"}, limit=1000).items
    return [e for e in pending if e["case_id"] == case_id and e["type"] == type_]


def stored(world, case) -> dict:
    return world.services.store.collection("repairs").get(case["_id"])


@pytest.fixture
def desk_only(world):
    SERVICE.update_settings(world.services, actor(world, "manager"), {"modes": {"elevator": "assign"}})
    return world


def test_urgent_lift_warns_the_desk_then_escalates_to_the_manager_once(desk_only, services):
    world = desk_only
    case = file(world)
    assert case["sla"]["response"] == clock.iso(T0 + timedelta(minutes=15))
    assert sweep(world, T0 + timedelta(minutes=11)) == 0
    assert sweep(world, T0 + timedelta(minutes=12)) == 1
    [warning] = outbox(world, case["_id"], "repair.warn")
    assert warning["recipients"] == [world.id("dispatcher")]
    assert sweep(world, T0 + timedelta(minutes=16)) == 1
    after = stored(world, case)
    assert after["escalation_level"] == 1 and after["state"] == "submitted"
    [escalation] = outbox(world, case["_id"], "repair.escalate")
    assert escalation["recipients"] == [world.id("manager")]
    assert sweep_until_quiet(world, T0 + timedelta(minutes=30)) == 0
    assert stored(world, case)["escalation_level"] == 1
    relay_all(services)
    notes = services.store.collection("notifications").find(
        {"community_id": world.community_id, "person_id": world.id("manager")}, limit=50).items
    assert [n["template"] for n in notes] == ["repair.escalate"]
    assert case["number"] in notes[0]["title"]


def test_completion_deadline_spans_states_and_fires_once(desk_only):
    world = desk_only
    case = file(world)
    sweep_until_quiet(world, T0 + timedelta(minutes=20))          # response warned and escalated
    do(world, "dispatcher", case, "assign", T0 + timedelta(minutes=30), assignee_id=world.id("lift_tech"))
    do(world, "lift_tech", case, "accept", T0 + timedelta(minutes=40))
    assert {d["name"] for d in stored(world, case)["deadlines"]} == {"completion_warning", "completion"}
    do(world, "lift_tech", case, "arrive", T0 + timedelta(hours=1))
    assert sweep_until_quiet(world, T0 + timedelta(hours=4, minutes=1)) == 2   # warning + escalation
    after = stored(world, case)
    assert after["escalation_level"] == 2 and after["state"] == "on_site" and after["deadlines"] == []
    assert [e["deadline"] for e in after["escalations"]] == ["response", "completion"]
    assert len(outbox(world, case["_id"], "repair.escalate")) == 2


def test_transfer_gives_the_new_technician_a_fresh_response_window(world):
    SERVICE.update_settings(world.services, actor(world, "manager"), {"modes": {"water_pipe": "assign"}})
    case = file(world, category="water_pipe", place=None)
    do(world, "dispatcher", case, "assign", T0 + timedelta(minutes=5), assignee_id=world.id("plumber"))
    moved_at = T0 + timedelta(minutes=14)
    do(world, "plumber", case, "transfer", moved_at, assignee_id=world.id("plumber2"))
    after = stored(world, case)
    assert after["sla"]["response"] == clock.iso(moved_at + timedelta(minutes=15))
    assert sweep_until_quiet(world, T0 + timedelta(minutes=16)) == 0
    assert sweep_until_quiet(world, moved_at + timedelta(minutes=16)) == 2
    assert outbox(world, case["_id"], "repair.warn")[0]["recipients"] == [world.id("plumber2")]


def test_a_second_transfer_still_arms_the_new_holders_response_window(world):
    SERVICE.update_settings(world.services, actor(world, "manager"), {"modes": {"water_pipe": "assign"}})
    case = file(world, category="water_pipe", place=None)
    do(world, "dispatcher", case, "assign", T0 + timedelta(minutes=1), assignee_id=world.id("plumber"))
    do(world, "plumber", case, "transfer", T0 + timedelta(minutes=5), assignee_id=world.id("plumber2"))
    moved_back = do(world, "plumber2", case, "transfer", T0 + timedelta(minutes=14),
                    assignee_id=world.id("plumber"))
    due = {d["name"]: d["at"] for d in moved_back["deadlines"]}
    assert due["response"] == clock.iso(T0 + timedelta(minutes=29))
    assert sweep_until_quiet(world, T0 + timedelta(minutes=25)) == 0
    assert sweep_until_quiet(world, T0 + timedelta(minutes=29)) == 2
    assert outbox(world, case["_id"], "repair.warn")[0]["recipients"] == [world.id("plumber")]


def _resolved(world, at) -> dict:
    SERVICE.update_settings(world.services, actor(world, "manager"), {"modes": {"lighting": "assign"}})
    case = file(world, category="lighting", place=None, now=at)
    do(world, "dispatcher", case, "assign", at, assignee_id=world.id("plumber"))
    do(world, "plumber", case, "accept", at)
    return do(world, "plumber", case, "resolve", at)


def test_resolved_without_an_answer_closes_after_three_days_and_can_still_reopen(world, services):
    case = _resolved(world, T0)
    assert sweep_until_quiet(world, T0 + timedelta(days=3) - timedelta(minutes=1)) == 0
    assert sweep(world, T0 + timedelta(days=3, minutes=1)) == 1
    closed = stored(world, case)
    assert closed["state"] == "closed" and closed["auto_closed"] and closed["confirmed_by"] == "system"
    assert not closed.get("rating")
    assert outbox(world, case["_id"], "repair.auto_close")[0]["recipients"] == [world.id("owner")]
    late_rating = do(world, "owner", case, "rate", T0 + timedelta(days=4), rating=4)
    assert late_rating["state"] == "closed" and late_rating["rating"]["score"] == 4
    reopened = do(world, "owner", case, "reopen", T0 + timedelta(days=6), reason="灯又不亮了")
    assert reopened["state"] == "reopened" and reopened["previous_ratings"][0]["score"] == 4
    assert reopened["sla"]["response"] == clock.iso(T0 + timedelta(days=6, hours=2))


def test_confirmed_but_never_rated_closes_when_the_rating_window_ends(world):
    case = _resolved(world, T0)
    do(world, "owner", case, "confirm", T0 + timedelta(hours=1))
    assert sweep(world, T0 + timedelta(days=3)) == 0
    assert sweep(world, T0 + timedelta(days=3, hours=1, minutes=1)) == 1
    assert stored(world, case)["state"] == "closed"


def test_audience_reads_todays_roster_not_the_one_at_filing(world):
    SERVICE.update_settings(world.services, actor(world, "manager"), {"modes": {"lighting": "assign"}})
    case = file(world, category="lighting", place=None)
    newcomer = world.add("new_dispatcher", person(world.community_id, "新调度", "staff", ["dispatcher"]))
    do(world, "dispatcher", case, "assign", T0, assignee_id=world.id("plumber"))
    do(world, "plumber", case, "return", T0, reason="不是我的活")
    [returned] = outbox(world, case["_id"], "repair.return")
    assert newcomer["_id"] in returned["recipients"] and world.id("dispatcher") in returned["recipients"]
