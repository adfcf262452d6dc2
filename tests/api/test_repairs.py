"""Repairs through the API as residents, dispatchers and technicians, on both backends:
the lifecycle in every dispatch mode, return/transfer/cancel, duplicate merging with every
reporter notified, idempotent creation, the urge limit, the reopen window, tenant
isolation and masking of personal data."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from tests.helpers import inbox, ok, relay_all

API = "/api/v1/repairs"
HOUSE_OF = {"owner": "1-1-101", "neighbour": "1-1-102", "tenant": "2-1-201", "elderly": "2-2-202",
            "committee": "1-2-101"}


# ---- helpers (other repair test modules import these) ----------------------------------------

def home(world, who: str = "owner") -> dict:
    return {"kind": "home", "house_id": world.houses[HOUSE_OF[who]]["_id"]}


def public(place: str) -> dict:
    return {"kind": "public", "place": place}


def report(world, who: str = "owner", category: str = "lighting", location: dict | None = None,
           description: str = "灯不亮了", headers: dict | None = None, **extra):
    body = {"category": category, "location": location or home(world, who), "description": description, **extra}
    return world.call("POST", who, API, json=body, headers=headers)


def act(world, who: str, case_id: str, action: str, headers: dict | None = None, **body):
    return world.call("POST", who, f"{API}/{case_id}/{action}", json=body, headers=headers)


def show(world, who: str, case_id: str):
    return world.call("GET", who, f"{API}/{case_id}")


def set_modes(world, **modes) -> dict:
    return ok(world.call("PUT", "manager", f"{API}/settings", json={"modes": modes}))


def listed(world, who: str, query: str = "") -> list[str]:
    return [item["id"] for item in ok(world.call("GET", who, f"{API}{query}"))["items"]]


def events(case: dict) -> list[str]:
    return [step["event"] for step in case["history"]]


# ---- the lifecycle in each dispatch mode -------------------------------------------------------

def _dispatch(world, mode: str, case: dict) -> str:
    """Get the case to ``accepted`` the way ``mode`` does it; returns the technician's key."""
    case_id = case["id"]
    if mode == "assign":
        assert case["state"] == "submitted" and case_id in listed(world, "dispatcher", "?state=submitted")
        assert "assign" in ok(show(world, "dispatcher", case_id))["actions"]
        ok(act(world, "dispatcher", case_id, "assign", assignee_id=world.id("plumber2")))
        assert "accept" in ok(show(world, "plumber2", case_id))["actions"]
        ok(act(world, "plumber2", case_id, "accept"))
        return "plumber2"
    if mode == "grab":
        assert case["state"] == "submitted" and case["in_pool"]
        assert case_id in listed(world, "plumber2", "?scope=pool")
        assert case_id not in listed(world, "lift_tech", "?scope=pool")
        assert ok(act(world, "lift_tech", case_id, "grab"), 403)
        assert ok(act(world, "plumber2", case_id, "grab"))["state"] == "accepted"
        assert case_id not in listed(world, "plumber", "?scope=pool")
        return "plumber2"
    assert case["state"] == "assigned" and case["dispatch_mode"] == "round_robin"
    tech = "plumber" if case["assignee"]["id"] == world.id("plumber") else "plumber2"
    assert case["assignee"]["id"] == world.id(tech)
    ok(act(world, tech, case_id, "accept"))
    return tech


FIRST_STEP = {"assign": ["assign", "accept"], "grab": ["grab"], "round_robin": ["auto_assign", "accept"]}


@pytest.mark.parametrize("mode", ["assign", "grab", "round_robin"])
def test_full_lifecycle_in_every_dispatch_mode(world, mode):
    set_modes(world, water_pipe=mode)
    case = ok(report(world, category="water_pipe", description="厨房水管爆了"), 201)
    assert case["priority"] == "urgent" and case["trade"] == "plumbing" and case["number"] == "BX000001"
    tech = _dispatch(world, mode, case)
    case_id = case["id"]
    assert case_id in listed(world, tech, "?scope=mine")
    assert ok(act(world, tech, case_id, "arrive"))["state"] == "on_site"
    assert ok(act(world, tech, case_id, "resolve", note="换了一段水管"))["state"] == "resolved"
    mine = ok(show(world, "owner", case_id))
    assert set(mine["actions"]) >= {"confirm", "rate", "reopen"} and "arrive" not in mine["actions"]
    assert ok(act(world, "owner", case_id, "confirm"))["state"] == "confirmed"
    closed = ok(act(world, "owner", case_id, "rate", rating=5, comment="师傅很专业"))
    assert closed["state"] == "closed" and closed["rating"]["score"] == 5
    assert events(closed) == ["create", *FIRST_STEP[mode], "arrive", "resolve", "confirm", "rate"]
    assert closed["actions"] == ["reopen"]
    assert case_id in listed(world, "owner") and case_id not in listed(world, tech, "?scope=mine")


def test_transfer_return_and_reassign(world):
    set_modes(world, water_pipe="assign")
    case_id = ok(report(world, category="water_pipe"), 201)["id"]
    ok(act(world, "dispatcher", case_id, "assign", assignee_id=world.id("plumber")))
    ok(act(world, "plumber", case_id, "accept"))
    moved = ok(act(world, "plumber", case_id, "transfer", assignee_id=world.id("plumber2"), note="我在外地"))
    assert moved["state"] == "transferred" and moved["assignee"]["id"] == world.id("plumber2")
    assert ok(show(world, "plumber", case_id), 200)  # technicians of the community still see it
    assert ok(act(world, "plumber", case_id, "accept"), 403)
    assert ok(act(world, "plumber2", case_id, "return"), 422)["error"]["code"] == "validation_failed"
    back = ok(act(world, "plumber2", case_id, "return", reason="需要燃气公司配合"))
    assert back["state"] == "returned" and back["assignee"] is None and back["return_reason"] == "需要燃气公司配合"
    assert back["history"][-1]["note"] == "需要燃气公司配合"
    assert ok(act(world, "dispatcher", case_id, "assign", assignee_id=world.id("security")), 422)
    assert ok(act(world, "dispatcher", case_id, "assign", assignee_id=world.id("plumber")))["state"] == "assigned"


def test_reporter_cancels_before_on_site_but_not_after(world):
    first = ok(report(world), 201)["id"]
    assert ok(act(world, "owner", first, "cancel"))["state"] == "cancelled"
    assert ok(act(world, "owner", first, "urge"), 409)["error"]["code"] == "conflict"
    second = ok(report(world), 201)["id"]
    ok(act(world, "dispatcher", second, "assign", assignee_id=world.id("plumber")))
    ok(act(world, "plumber", second, "accept"))
    ok(act(world, "plumber", second, "arrive"))
    assert ok(act(world, "owner", second, "cancel"), 409)["error"]["code"] == "conflict"
    assert ok(act(world, "dispatcher", second, "cancel"), 409)


def test_dispatcher_cancel_needs_a_reason(world):
    case_id = ok(report(world), 201)["id"]
    assert ok(act(world, "dispatcher", case_id, "cancel"), 422)
    assert ok(act(world, "dispatcher", case_id, "cancel", reason="重复报修"))["state"] == "cancelled"


# ---- grabbing at once: exactly one wins ---------------------------------------------------------

def test_two_technicians_grabbing_with_the_same_version_one_gets_409(world):
    set_modes(world, drain="grab")
    case = ok(report(world, category="drain"), 201)
    first = act(world, "plumber", case["id"], "grab", version=case["version"])
    second = act(world, "plumber2", case["id"], "grab", version=case["version"])
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    assert ok(show(world, "owner", case["id"]))["assignee"]["id"] == world.id("plumber")


# ---- merging duplicates of a public facility -------------------------------------------------

def test_two_residents_reporting_one_broken_lift_make_one_ticket_and_both_hear(world, services):
    first = ok(report(world, "owner", category="elevator", location=public("3号楼"), description="电梯不动了"), 201)
    second_response = report(world, "neighbour", category="elevator", location=public(" ３号楼。"),
                             description="3号楼电梯坏了")
    second = ok(second_response, 200)
    assert second["merged"] is True and second["id"] == first["id"] and second["reporter_count"] == 2
    assert services.store.collection("repairs").count({"community_id": world.community_id}) == 1
    assert first["id"] in listed(world, "neighbour")
    mine = ok(show(world, "neighbour", first["id"]))
    owner_contact = next(c for c in mine["contacts"] if c.get("person_id") != world.id("neighbour"))
    assert owner_contact["name"] == "张**" and "person_id" not in owner_contact
    again = ok(report(world, "neighbour", category="elevator", location=public("3号楼")), 200)
    assert again["reporter_count"] == 2  # the same person twice is not a new reporter
    other = ok(report(world, "tenant", category="elevator", location=public("5号楼")), 201)
    assert other["id"] != first["id"]
    # the lift was dispatched round-robin to the lift technician; accepting tells both reporters
    assert first["assignee"]["id"] == world.id("lift_tech")
    ok(act(world, "lift_tech", first["id"], "accept"))
    relay_all(services)
    for who in ("owner", "neighbour"):
        templates = [n["template"] for n in inbox(services, world, who)]
        assert "repair.accept" in templates, (who, templates)
    assert "repair.join" in [n["template"] for n in inbox(services, world, "neighbour")]
    assert "repair.join" not in [n["template"] for n in inbox(services, world, "owner")]


def test_a_resolved_facility_reported_again_opens_a_new_ticket(world):
    set_modes(world, elevator="assign")
    first = ok(report(world, "owner", category="elevator", location=public("2号楼")), 201)["id"]
    ok(act(world, "dispatcher", first, "assign", assignee_id=world.id("lift_tech")))
    ok(act(world, "lift_tech", first, "accept"))
    ok(act(world, "lift_tech", first, "resolve"))
    assert ok(report(world, "neighbour", category="elevator", location=public("2号楼")), 201)["id"] != first


def test_a_reporter_cannot_cancel_a_ticket_neighbours_share(world):
    set_modes(world, lighting="assign")
    case_id = ok(report(world, "owner", location=public("北门")), 201)["id"]
    ok(report(world, "neighbour", location=public("北门")), 200)
    assert ok(act(world, "owner", case_id, "cancel"), 409)["error"]["code"] == "conflict"


# ---- idempotent creation -------------------------------------------------------------------------

def test_same_idempotency_key_returns_the_same_ticket_and_a_different_body_is_refused(world, services):
    key = {"Idempotency-Key": "tap-once-1"}
    first = report(world, headers=key)
    second = report(world, headers=key)
    assert ok(first, 201)["id"] == ok(second, 201)["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert services.store.collection("repairs").count({"community_id": world.community_id}) == 1
    changed = report(world, headers=key, description="另一件事")
    assert ok(changed, 422)["error"]["code"] == "validation_failed"
    assert services.store.collection("repairs").count({"community_id": world.community_id}) == 1


# ---- urging -------------------------------------------------------------------------------------

def test_urge_at_most_once_per_five_minutes_with_a_localised_wait(world, services):
    case_id = ok(report(world), 201)["id"]
    assert ok(act(world, "owner", case_id, "urge"))["urge_count"] == 1
    refused = act(world, "owner", case_id, "urge")
    body = ok(refused, 429)
    assert body["error"]["code"] == "rate_limited" and "5 分钟" in body["error"]["message"]
    assert 0 < body["error"]["details"]["retry_after_seconds"] <= 300
    english = ok(act(world, "owner", case_id, "urge", headers={"Accept-Language": "en"}), 429)
    assert "wait 5 minute" in english["error"]["message"]
    assert ok(act(world, "neighbour", case_id, "urge"), 404)
    assert ok(show(world, "owner", case_id))["urge_count"] == 1
    relay_all(services)
    assert "repair.urge" in [n["template"] for n in inbox(services, world, "dispatcher")]


# ---- reopening within 7 days ---------------------------------------------------------------------

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)


def _resolved(world, who: str = "owner") -> str:
    case_id = ok(report(world, who), 201)["id"]
    ok(act(world, "dispatcher", case_id, "assign", assignee_id=world.id("plumber")))
    ok(act(world, "plumber", case_id, "accept"))
    ok(act(world, "plumber", case_id, "resolve"))
    return case_id


def test_reopen_within_seven_days_of_resolution_and_not_after(world):
    with time_machine.travel(T0, tick=False) as traveller:
        early, late = _resolved(world), _resolved(world)
        ok(act(world, "owner", late, "rate", rating=2))
        traveller.shift(timedelta(days=6, hours=23))
        assert ok(act(world, "owner", early, "reopen"), 422)  # a reason is required
        reopened = ok(act(world, "owner", early, "reopen", reason="还是漏水"))
        assert reopened["state"] == "reopened" and reopened["reopen_count"] == 1 and reopened["rating"] is None
        assert reopened["assignee"]["id"] == world.id("plumber")
        assert "accept" in ok(show(world, "plumber", early))["actions"]
        traveller.shift(timedelta(hours=2))
        refused = ok(act(world, "owner", late, "reopen", reason="又坏了"), 409)
        assert "7" in refused["error"]["message"]
        assert ok(show(world, "owner", late))["state"] == "closed"


# ---- isolation and masking -----------------------------------------------------------------------

def test_outsiders_get_404_on_everything(world):
    case_id = ok(report(world, contact_phone="13812345678"), 201)["id"]
    for who in ("outsider", "outsider_dispatcher", "neighbour"):
        assert ok(show(world, who, case_id), 404)["error"]["code"] == "not_found"
        for action in ("assign", "urge", "cancel", "accept", "note"):
            assert ok(act(world, who, case_id, action, assignee_id=world.id("plumber"), note="x"), 404)
        assert case_id not in listed(world, who)
    assert case_id not in listed(world, "outsider_dispatcher", "?state=submitted")
    stolen = report(world, "outsider", location=home(world, "owner"))
    assert ok(stolen, 422)["error"]["code"] == "validation_failed"


def test_personal_data_is_masked_for_technicians_not_on_the_job(world):
    case_id = ok(report(world, contact_phone="13812345678"), 201)["id"]
    for who in ("plumber2", "security", "grid_worker"):
        onlooker = ok(show(world, who, case_id))
        assert onlooker["location"]["room"] == "***" and onlooker["contacts"][0]["phone"] == "138****5678"
        assert "reporter_ids" not in onlooker and "house_id" not in onlooker["location"]
        assert onlooker["actions"] == []
    desk = ok(show(world, "dispatcher", case_id))
    assert desk["contacts"][0]["phone"] == "13812345678" and desk["location"]["room"] == "101"
    ok(act(world, "dispatcher", case_id, "assign", assignee_id=world.id("plumber")))
    assert ok(show(world, "plumber", case_id))["contacts"][0]["phone"] == "13812345678"
    assert ok(show(world, "owner", case_id))["location"]["room"] == "101"


def test_who_rated_is_personal_data_hidden_from_onlookers_and_co_reporters(world):
    set_modes(world, elevator="assign")
    case_id = ok(report(world, "owner", category="elevator", location=public("4号楼")), 201)["id"]
    ok(report(world, "neighbour", category="elevator", location=public("4号楼")), 200)
    ok(act(world, "dispatcher", case_id, "assign", assignee_id=world.id("lift_tech")))
    ok(act(world, "lift_tech", case_id, "accept"))
    ok(act(world, "lift_tech", case_id, "resolve"))
    ok(act(world, "owner", case_id, "rate", rating=4, comment="修好了"))
    for who in ("plumber2", "security", "neighbour"):
        rating = ok(show(world, who, case_id))["rating"]
        assert rating["score"] == 4 and rating["comment"] == "修好了", who
        assert "by" not in rating and world.id("owner") not in str(rating), who
        assert world.id("owner") not in str(ok(world.call("GET", who, API))["items"]), who
    for who in ("owner", "dispatcher", "lift_tech"):
        assert ok(show(world, who, case_id))["rating"]["by"] == world.id("owner"), who


def test_lists_are_scoped_by_role(world):
    set_modes(world, drain="grab")
    mine = ok(report(world, "owner"), 201)["id"]
    theirs = ok(report(world, "tenant", category="drain"), 201)["id"]
    assert listed(world, "owner") == [mine]
    assert set(listed(world, "dispatcher")) == {mine, theirs}
    assert listed(world, "plumber2", "?scope=pool") == [theirs]
    assert listed(world, "plumber2") == []
    page = ok(world.call("GET", "dispatcher", f"{API}?limit=1"))
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = ok(world.call("GET", "dispatcher", f"{API}?limit=1&cursor={page['next_cursor']}"))
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {mine, theirs}
    assert "history" not in page["items"][0]
