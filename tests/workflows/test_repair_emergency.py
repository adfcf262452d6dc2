"""Emergencies raised by trusted service code (the bot's safety net): the emergency priority,
at-once dispatch to the duty room's security staff, the alarm ladder with frozen time and
the real sweep (warning, manager, reminders that repeat until someone accepts), the top of
the desk's queue, and no way in through the public create API."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.errors import ValidationFailed
from core.roles import Actor
from tests.factories import person
from tests.helpers import ok, relay_all
from workflows import dispatch
from workflows.repair import SERVICE

from ..api.test_repairs import API, home, public, report
from .test_repair_dispatch import set_cap
from .test_repair_deadlines import T0, actor, do, file, outbox, stored, sweep, sweep_until_quiet


def raise_emergency(world, who="elderly", category="other", location=None, now=T0) -> dict:
    data = {"category": category, "location": location or home(world, who), "description": "【紧急求助】我摔倒了",
            "channel": "wechat_oa"}
    return SERVICE.raise_emergency(world.services, actor(world, who), data, now=now)


def recipients(world, case, type_) -> list[set[str]]:
    return [set(event["recipients"]) for event in outbox(world, case["_id"], type_)]


def ids(world, *keys) -> set[str]:
    return {world.id(key) for key in keys}


def deactivate(world, key: str) -> None:
    people = world.services.store.collection("people")
    doc = people.get(world.id(key))
    assert people.replace({**doc, "active": False}, doc["version"])


def test_created_assigned_to_security_escalated_at_5_minutes_reminded_until_accepted(world, services):
    case = raise_emergency(world)
    assert (case["priority"], case["category"], case["state"]) == ("emergency", "other", "assigned")
    assert case["assignee_id"] == world.id("security") and case["history"][-1]["event"] == "alert"
    assert case["sla"]["response"] == clock.iso(T0 + timedelta(minutes=5))
    assert case["sla"]["response_warning"] == clock.iso(T0 + timedelta(minutes=2, seconds=30))
    assert case["sla"]["completion"] == clock.iso(T0 + timedelta(hours=2))
    assert recipients(world, case, "repair.alert") == [ids(world, "security")]
    assert recipients(world, case, "repair.created") == [set()]   # the alert says it; nobody hears twice

    assert sweep(world, T0 + timedelta(minutes=2, seconds=29)) == 0
    assert sweep(world, T0 + timedelta(minutes=2, seconds=30)) == 1
    assert recipients(world, case, "repair.alarm_warn") == [ids(world, "security", "dispatcher")]
    assert sweep(world, T0 + timedelta(minutes=4, seconds=59)) == 0
    assert sweep(world, T0 + timedelta(minutes=5)) == 1
    assert recipients(world, case, "repair.alarm_escalate") == [ids(world, "manager")]
    assert stored(world, case)["escalation_level"] == 1
    assert outbox(world, case["_id"], "repair.warn") == outbox(world, case["_id"], "repair.escalate") == []

    assert sweep(world, T0 + timedelta(minutes=9, seconds=59)) == 0
    duty_room = ids(world, "security", "dispatcher", "manager")
    for minute in (10, 15, 20):
        assert sweep_until_quiet(world, T0 + timedelta(minutes=minute)) == 1
        assert recipients(world, case, "repair.remind")[-1] == duty_room
    assert stored(world, case)["reminder_count"] == 3

    accepted = do(world, "security", case, "accept", T0 + timedelta(minutes=22))
    assert accepted["state"] == "accepted"
    assert {d["name"] for d in accepted["deadlines"]} == {"completion_warning", "completion"}
    assert sweep_until_quiet(world, T0 + timedelta(minutes=59)) == 0
    assert len(outbox(world, case["_id"], "repair.remind")) == 3
    relay_all(services)
    manager_inbox = services.store.collection("notifications").find(
        {"community_id": world.community_id, "person_id": world.id("manager")}, limit=50).items
    assert {n["template"] for n in manager_inbox} == {"repair.alarm_escalate", "repair.remind"}
    assert all("紧急" in n["title"] and case["number"] in n["title"] for n in manager_inbox)


def test_a_sweep_that_runs_late_reminds_once_and_keeps_the_rhythm(world):
    case = raise_emergency(world)
    assert sweep_until_quiet(world, T0 + timedelta(minutes=50)) == 3   # warning, manager, one reminder
    assert stored(world, case)["reminder_count"] == 1
    assert sweep_until_quiet(world, T0 + timedelta(minutes=54)) == 0
    assert sweep_until_quiet(world, T0 + timedelta(minutes=55)) == 1


def test_security_staff_take_emergencies_in_turn_whatever_their_workload_cap(world):
    world.add("security2", person(world.community_id, "钱保安", "staff", ["security"]))
    set_cap(world, "security", 1)
    first, second, third = (raise_emergency(world) for _ in range(3))
    assert {first["assignee_id"], second["assignee_id"]} == ids(world, "security", "security2")
    assert third["state"] == "assigned"   # both hold one already: still given to someone


def test_with_no_security_on_duty_the_desk_and_manager_are_alerted_and_the_desk_can_take_it(world):
    deactivate(world, "security")
    case = raise_emergency(world)
    assert (case["state"], case["assignee_id"]) == ("submitted", None)
    assert case["history"][-1]["event"] == "alert_desk"
    assert recipients(world, case, "repair.alert_desk") == [ids(world, "dispatcher", "manager")]
    at = T0 + timedelta(minutes=1)
    taken = do(world, "dispatcher", case, "assign", at, assignee_id=world.id("dispatcher"))
    assert do(world, "dispatcher", taken, "accept", T0 + timedelta(minutes=2))["state"] == "accepted"
    assert sweep_until_quiet(world, T0 + timedelta(minutes=30)) == 0


def test_an_emergency_whose_dispatch_fails_is_kept_and_its_ladder_pages_the_desk(world, monkeypatch):
    def redis_down(*args, **kwargs):
        raise ConnectionError("redis unavailable")

    monkeypatch.setattr(dispatch, "pick_round_robin", redis_down)
    case = raise_emergency(world)
    assert stored(world, case)["state"] == "submitted" and case["next_deadline_at"]
    assert sweep(world, T0 + timedelta(minutes=3)) == 1
    assert recipients(world, case, "repair.alarm_warn") == [ids(world, "dispatcher")]


def test_a_facility_emergency_also_calls_the_trade_and_a_medical_one_does_not(world):
    lift = raise_emergency(world, "tenant", "elevator", public("2号楼1单元"))
    assert (lift["category"], lift["priority"]) == ("elevator", "emergency")
    assert lift["assignee_id"] == world.id("security")
    [call] = outbox(world, lift["_id"], "repair.call_trade")
    assert (call["recipients"], call["data"]["where"]) == ([world.id("lift_tech")], "2号楼1单元")
    fall = raise_emergency(world)
    assert outbox(world, fall["_id"], "repair.call_trade") == []


def test_emergencies_and_routine_reports_of_one_facility_are_never_merged(world):
    routine = SERVICE.create(world.services, actor(world, "tenant"),
                             {"category": "elevator", "location": public("2号楼1单元"), "description": "电梯坏了"},
                             now=T0).case
    alarm = raise_emergency(world, "committee", "elevator", public("2号楼1单元"))
    later = SERVICE.create(world.services, actor(world, "owner"),
                           {"category": "elevator", "location": public("2号楼1单元"), "description": "电梯停了"},
                           now=T0)
    assert alarm["_id"] != routine["_id"] and alarm["reporter_ids"] == [world.id("committee")]
    assert later.merged and later.case["_id"] == routine["_id"]


def test_open_emergencies_lead_the_desk_queue_once_across_pages(world):
    alarm = raise_emergency(world, now=clock.now() - timedelta(hours=1))
    routine = [ok(report(world), 201)["id"] for _ in range(3)]
    for who in ("dispatcher", "manager"):
        first = SERVICE.list(world.services, actor(world, who), limit=2)
        assert [c["_id"] for c in first.items] == [alarm["_id"], routine[2], routine[1]]
        second = SERVICE.list(world.services, actor(world, who), cursor=first.next_cursor, limit=2)
        assert [c["_id"] for c in second.items] == [routine[0]]
    resolved = SERVICE.list(world.services, actor(world, "dispatcher"), state="resolved")
    assert resolved.items == []
    mine = SERVICE.list(world.services, actor(world, "security"), scope="mine")
    assert [c["_id"] for c in mine.items] == [alarm["_id"]]


def test_the_public_create_api_cannot_ask_for_the_emergency_priority(world):
    refused = report(world, "elderly", "other", priority="emergency")
    assert refused.status_code == 422
    created = SERVICE.create(world.services, actor(world, "elderly"),
                             {"category": "other", "location": home(world, "elderly"), "description": "救命",
                              "priority": "emergency"}, now=T0).case
    assert (created["priority"], created["state"]) == ("normal", "submitted")


def test_an_emergency_may_go_to_the_desk_or_a_technician_and_a_routine_repair_not_to_security(world):
    case = raise_emergency(world)
    at = T0 + timedelta(minutes=1)
    with pytest.raises(ValidationFailed, match="error.assignee_invalid"):
        do(world, "dispatcher", case, "transfer", at, assignee_id=world.id("grid_worker"))
    moved = do(world, "dispatcher", case, "transfer", at, assignee_id=world.id("lift_tech"))
    assert moved["assignee_id"] == world.id("lift_tech")
    routine = file(world, category="lighting", place=None)
    with pytest.raises(ValidationFailed, match="error.assignee_invalid"):
        do(world, "dispatcher", routine, "assign", T0, assignee_id=world.id("security"))


def test_system_actor_reports_for_someone_unknown(world):
    system = Actor.system(world.community_id)
    case = SERVICE.raise_emergency(world.services, system, {
        "category": "other", "location": public("wechat_oa:o-x"), "description": "【紧急求助】救命"}, now=T0)
    assert (case["reporter_ids"], case["assignee_id"]) == (["system"], world.id("security"))
