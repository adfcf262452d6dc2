"""Complaints through the API on both backends: the lifecycle with the property company and
with the residents' committee, queues per level, escalation to the street office with
every level notified, anonymity (asserted on the raw JSON), reopen, withdraw, role checks,
tenant isolation and malformed input (always a 4xx, never a 500)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from core import clock
from workflows import deadlines
from workflows.complaint import WORKFLOW

from tests.helpers import inbox, ok, relay_all

API = "/api/v1/complaints"
PHONE = "13912345678"


def complain(world, who="owner", category="garbage", place=None, headers=None, **extra):
    body = {"category": category, "description": "垃圾站三天没清运，气味很大",
            "place": place or {"kind": "public", "name": "3号楼垃圾站"}, **extra}
    return world.call("POST", who, API, json=body, headers=headers)


def act(world, who, case_id, action, **body):
    return world.call("POST", who, f"{API}/{case_id}/{action}", json=body)


def show(world, who, case_id):
    return world.call("GET", who, f"{API}/{case_id}")


def queue(world, who, query="") -> list[str]:
    return [item["id"] for item in ok(world.call("GET", who, f"{API}{query}"))["items"]]


def sweep_at(world, later: timedelta) -> None:
    """Travel ``later`` into the future, fire every complaint deadline due by then (the sweep
    fires one per case per pass) and relay the outbox there, as the beat and worker would."""
    with time_machine.travel(clock.now() + later, tick=False):
        while deadlines.sweep(world.services.store, [WORKFLOW]):
            pass
        relay_all(world.services)


def house(world, label):
    return {"kind": "house", "house_id": world.houses[label]["_id"]}


# ---- lifecycles -------------------------------------------------------------------------------

def test_property_lifecycle_submit_accept_reply_rate(world, services):
    created = ok(complain(world, contact_phone=PHONE, headers={"Idempotency-Key": "k1"}), 201)
    case_id = created["id"]
    assert created["state"] == "submitted" and created["handler_role"] == "property"
    assert created["number"].startswith("TS") and created["category_label"] == "垃圾清运"
    assert set(created["actions"]) == {"urge", "withdraw"}
    replay = complain(world, contact_phone=PHONE, headers={"Idempotency-Key": "k1"})
    assert replay.status_code == 201 and replay.get_json()["id"] == case_id
    assert queue(world, "owner") == [case_id]

    assert case_id in queue(world, "dispatcher", "?state=submitted")
    assert ok(show(world, "dispatcher", case_id))["actions"] == ["accept"]
    accepted = ok(act(world, "dispatcher", case_id, "accept", version=created["version"]))
    assert accepted["state"] == "accepted" and accepted["assignee"]["id"] == world.id("dispatcher")
    assert case_id not in queue(world, "dispatcher", "?state=submitted")
    assert case_id in queue(world, "manager", "?state=accepted,replied")
    ok(act(world, "dispatcher", case_id, "reply", note="已安排保洁清运，明早前完成"))

    mine = ok(show(world, "owner", case_id))
    assert mine["state"] == "replied" and mine["replies"][0]["text"] == "已安排保洁清运，明早前完成"
    assert {"rate", "confirm", "reopen"} <= set(mine["actions"])
    rated = ok(act(world, "owner", case_id, "rate", rating=5, comment="满意"))
    assert rated["state"] == "confirmed" and rated["rating"]["score"] == 5

    relay_all(services)
    owner_titles = [n["title"] for n in inbox(services, world, "owner")]
    assert any("已受理" in t for t in owner_titles) and any("已答复" in t for t in owner_titles)
    assert any("新投诉" in n["title"] for n in inbox(services, world, "manager"))


def test_committee_lifecycle_with_an_unhappy_rating_reopening(world, services):
    case_id = ok(complain(world, category="noise", place=house(world, "1-1-102")), 201)["id"]
    assert case_id not in queue(world, "dispatcher")
    assert case_id in queue(world, "residents_committee") and case_id in queue(world, "grid_worker")
    ok(act(world, "residents_committee", case_id, "accept"))
    ok(act(world, "residents_committee", case_id, "reply", note="已与楼上住户沟通，晚十点后不再装修"))
    reopened = ok(act(world, "owner", case_id, "rate", rating=2, comment="还是很吵"))
    assert reopened["state"] == "reopened" and reopened["reopen_count"] == 1
    relay_all(services)
    assert any("重新打开" in n["title"] for n in inbox(services, world, "residents_committee"))
    ok(act(world, "grid_worker", case_id, "accept"))
    ok(act(world, "grid_worker", case_id, "reply", note="已上门调解并签订承诺书"))
    assert ok(act(world, "owner", case_id, "rate", rating=4))["state"] == "confirmed"


def test_explicit_reopen_and_withdraw(world):
    first = ok(complain(world), 201)["id"]
    ok(act(world, "manager", first, "accept"))
    ok(act(world, "manager", first, "reply", note="已处理"))
    assert ok(act(world, "owner", first, "reopen", reason="没有处理"))["state"] == "reopened"
    assert ok(act(world, "owner", first, "withdraw", reason="算了"))["state"] == "withdrawn"
    assert ok(show(world, "owner", first))["actions"] == []
    assert act(world, "owner", first, "reopen").status_code == 409


# ---- escalation ---------------------------------------------------------------------------------

def test_escalation_to_the_committee_then_the_street_office_each_notified(world, services):
    case_id = ok(complain(world), 201)["id"]
    assert queue(world, "street_office") == []
    sweep_at(world, timedelta(hours=24, minutes=1))
    assert case_id not in queue(world, "dispatcher") and case_id in queue(world, "residents_committee")
    escalated = ok(show(world, "owner", case_id))
    assert (escalated["state"], escalated["handler_role"], escalated["escalation_level"]) == (
        "escalated", "residents_committee", 1)
    assert escalated["handler_label"] == "社区居委会"
    relay_all(services)
    assert any("转交居委会" in n["title"] for n in inbox(services, world, "owner"))
    assert any("升级至您处" in n["title"] for n in inbox(services, world, "residents_committee"))

    sweep_at(world, timedelta(hours=48, minutes=2))
    assert queue(world, "street_office") == [case_id]
    assert case_id not in queue(world, "residents_committee")
    relay_all(services)
    assert any("转交街道办" in n["title"] for n in inbox(services, world, "owner"))
    assert any("升级至您处" in n["title"] for n in inbox(services, world, "street_office"))
    assert act(world, "residents_committee", case_id, "accept").status_code == 403
    ok(act(world, "street_office", case_id, "accept"))
    assert ok(act(world, "street_office", case_id, "reply", note="已召集物业与居委会现场处理"))["state"] == "replied"


# ---- anonymity -------------------------------------------------------------------------------------

def _identity(world, who="owner") -> list[str]:
    person = world.people[who]
    return [person["name"], person["name"][0], PHONE, PHONE[-4:], person["openid"], person["_id"], "1-1-101"]


def _leaks(payload, world) -> list[str]:
    text = json.dumps(payload, ensure_ascii=False)
    return [value for value in _identity(world) if value in text]


def test_anonymous_complaint_hides_the_complainant_from_staff_below_the_street_office(world, services):
    # a complaint about the dog in the complainant's own building, filed from their own door
    created = ok(complain(world, category="pets", place=house(world, "1-1-101"), anonymous=True,
                          contact_phone=PHONE), 201)
    case_id = created["id"]
    ok(act(world, "owner", case_id, "urge"))
    ok(act(world, "dispatcher", case_id, "accept"))
    ok(act(world, "dispatcher", case_id, "reply", note="已提醒养犬住户拴绳"))
    ok(act(world, "owner", case_id, "rate", rating=3))
    for who in ("dispatcher", "manager", "residents_committee", "grid_worker"):
        detail = ok(show(world, who, case_id))
        assert _leaks(detail, world) == [], who
        assert detail["contacts"] == [] and "reporter_ids" not in detail
        assert {h["actor_name"] for h in detail["history"] if h["event"] in ("create", "urge", "confirm")} == {
            "匿名居民"}
        assert detail["place"]["label"] == "1-1-***" and detail["anonymous"] is True
        listing = ok(world.call("GET", who, f"{API}?state=confirmed"))
        assert _leaks(listing, world) == [], who
    relay_all(services)
    for who in ("dispatcher", "manager"):
        assert _leaks(inbox(services, world, who), world) == []

    # the complainant sees their own case in full
    mine = ok(show(world, "owner", case_id))
    assert mine["contacts"][0]["name"] == "张业主" and mine["contacts"][0]["phone"] == PHONE
    assert mine["place"]["label"] == "1-1-101"


def test_the_anonymous_label_follows_the_requests_language(world):
    case_id = ok(complain(world, anonymous=True), 201)["id"]

    def creator_in(headers=None, query=""):
        detail = ok(world.call("GET", "dispatcher", f"{API}/{case_id}{query}", headers=headers))
        listed = ok(world.call("GET", "dispatcher", f"{API}{query}", headers=headers))["items"][0]
        assert listed["id"] == case_id and "history" not in listed
        return detail["history"][0]["actor_name"], detail["category_label"]

    assert creator_in() == ("匿名居民", "垃圾清运")
    assert creator_in({"Accept-Language": "en-US,en;q=0.9"}) == ("Anonymous resident", "Garbage")
    assert creator_in(query="?lang=en")[0] == "Anonymous resident"


def test_anonymous_identity_reaches_the_street_office_only_once_escalated_there(world, services):
    case_id = ok(complain(world, category="noise", anonymous=True, contact_phone=PHONE), 201)["id"]
    assert _leaks(ok(show(world, "street_office", case_id)), world) == []   # not theirs yet
    sweep_at(world, timedelta(hours=24, minutes=1))
    relay_all(services)
    assert any("转交街道办" in n["title"] for n in inbox(services, world, "owner"))   # still told
    at_street = ok(show(world, "street_office", case_id))
    assert at_street["contacts"][0]["name"] == "张业主" and at_street["contacts"][0]["phone"] == PHONE
    assert _leaks(ok(show(world, "residents_committee", case_id)), world) == []


def test_the_house_complained_about_is_shown_to_the_level_acting_on_it_only(world):
    neighbours_door = house(world, "1-1-102")
    case_id = ok(complain(world, category="noise", place=neighbours_door, anonymous=True), 201)["id"]
    acting = ok(show(world, "residents_committee", case_id))["place"]
    assert acting["label"] == "1-1-102" and acting["house_id"] == neighbours_door["house_id"]
    onlooker = ok(show(world, "dispatcher", case_id))["place"]
    assert onlooker["label"] == "1-1-***" and onlooker["house_id"] is None


def test_a_named_complaint_shows_contacts_to_the_holding_level_only(world):
    case_id = ok(complain(world, contact_phone=PHONE), 201)["id"]
    desk = ok(show(world, "dispatcher", case_id))
    assert desk["contacts"][0] == {"person_id": world.id("owner"), "name": "张业主", "phone": PHONE,
                                   "rooms": ["1-1-101"]}
    onlooker = ok(show(world, "residents_committee", case_id))
    assert onlooker["contacts"] == [{"name": "张**", "phone": "139****5678"}]
    assert "1-1-101" not in json.dumps(onlooker, ensure_ascii=False)


# ---- who may do what ------------------------------------------------------------------------------------

def test_roles_and_tenant_isolation(world):
    case_id = ok(complain(world), 201)["id"]
    assert complain(world, who="plumber").status_code == 403          # staff do not file complaints here
    assert complain(world, who="outsider").status_code == 201         # ...residents of any community do
    for who in ("outsider", "outsider_dispatcher", "neighbour", "plumber"):
        assert show(world, who, case_id).status_code == 404, who
        assert act(world, who, case_id, "accept").status_code == 404, who
        assert case_id not in queue(world, who), who
    assert act(world, "residents_committee", case_id, "accept").status_code == 403
    assert act(world, "owner", case_id, "accept").status_code == 403
    assert act(world, "dispatcher", case_id, "escalate").status_code == 403
    assert act(world, "dispatcher", case_id, "withdraw").status_code == 403
    assert world.call("GET", None, API).status_code == 401


def test_urge_is_limited_to_once_per_five_minutes(world):
    case_id = ok(complain(world), 201)["id"]
    ok(act(world, "owner", case_id, "urge"))
    again = act(world, "owner", case_id, "urge")
    assert again.status_code == 429 and again.get_json()["error"]["details"]["retry_after_seconds"] > 0


def test_a_stale_version_is_a_409(world):
    created = ok(complain(world), 201)
    ok(act(world, "dispatcher", created["id"], "accept", version=created["version"]))
    assert act(world, "manager", created["id"], "accept", version=created["version"]).status_code == 409


def test_categories_name_the_level_of_this_community(world):
    world.services.store.collection("settings").insert({"_id": f"complaint:{world.community_id}",
                                                        "routing": {"pets": "residents_committee"}})
    items = {i["code"]: i for i in ok(world.call("GET", "owner", f"{API}/categories"))["items"]}
    assert len(items) == 8 and items["pets"]["handler_role"] == "residents_committee"
    assert items["garbage"]["handler_label"] == "物业服务中心"
    assert complain(world, category="pets").get_json()["handler_role"] == "residents_committee"


def test_the_street_office_reroutes_a_category_and_sets_level_deadlines(world):
    shown = ok(world.call("GET", "residents_committee", f"{API}/settings"))
    assert shown["routing"]["pets"] == "property" and shown["version"] == 0
    body = {"routing": {"pets": "residents_committee"}, "sla": {"residents_committee": {"accept_hours": 8}},
            "auto_close_days": 5, "version": 0}
    assert world.call("PUT", "manager", f"{API}/settings", json=body).status_code == 403
    assert world.call("PUT", "residents_committee", f"{API}/settings", json=body).status_code == 403
    changed = ok(world.call("PUT", "street_office", f"{API}/settings", json=body))
    assert changed["routing"]["pets"] == "residents_committee" and changed["routing"]["noise"] == "residents_committee"
    assert changed["sla"]["residents_committee"] == {"accept_hours": 8, "reply_hours": 72}
    assert changed["auto_close_days"] == 5 and changed["version"] == 1
    created = ok(complain(world, category="pets"), 201)
    assert created["handler_role"] == "residents_committee" and created["sla"]["accept_hours"] == 8
    assert world.call("PUT", "street_office", f"{API}/settings", json=body).status_code == 409   # stale
    outsider_view = ok(world.call("GET", "outsider_dispatcher", f"{API}/settings"))
    assert outsider_view["routing"]["pets"] == "property"                     # another community untouched
    assert world.call("GET", "owner", f"{API}/settings").status_code == 403


@pytest.mark.parametrize("body", [
    {"routing": {"pets": "the_police"}}, {"routing": {"aliens": "property"}},
    {"sla": {"property": {"accept_hours": 0}}}, {"sla": {"property": {"accept_hours": "24"}}},
    {"sla": {"moon": {"accept_hours": 24}}}, {"auto_close_days": 365}, {"cap": 3}, {"routing": ["pets"]},
])
def test_bad_settings_are_422(world, body):
    response = world.call("PUT", "admin", f"{API}/settings", json=body)
    assert response.status_code == 422, response.get_json()


# ---- malformed input: a clear 4xx, never a 500 --------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"category": "aliens", "description": "有外星人", "place": {"kind": "public", "name": "北门"}},
    {"category": "noise", "description": "吵", "place": {"kind": "house"}},
    {"category": "noise", "description": "很吵", "place": {"kind": "public"}},
    {"category": "noise", "description": "很吵", "place": {"kind": "house", "house_id": "h1", "name": "x"}},
    {"category": "noise", "description": "很吵", "place": {"kind": "moon", "name": "北门"}},
    {"category": "noise", "description": "x" * 2001, "place": {"kind": "public", "name": "北门"}},
    {"category": "noise", "description": "很吵", "place": {"kind": "public", "name": "北门"}, "anonymous": "yes"},
    {"category": "noise", "description": "很吵", "place": {"kind": "public", "name": "北门"}, "photos": "p1"},
    {"category": "noise", "description": "很吵", "place": {"kind": "public", "name": "北门"}, "photos": [""] * 10},
    {"category": "noise", "description": "很吵", "place": {"kind": "public", "name": "北门"}, "admin": True},
    {"category": "noise", "description": "很吵", "place": "北门"},
    {"category": ["noise"], "description": {"$gt": ""}, "place": {"kind": "public", "name": "北门"}},
    [1, 2, 3],
    "just a string",
])
def test_malformed_complaints_are_422(world, body):
    response = world.call("POST", "owner", API, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_references_to_other_communities_or_other_peoples_uploads_are_422(world, services):
    other_house = services.store.collection("houses").find({"community_id": world.other_community_id},
                                                           limit=1).items[0]
    assert complain(world, place={"kind": "house", "house_id": other_house["_id"]}).status_code == 422
    assert complain(world, place={"kind": "public", "place_id": "no-such-place"}).status_code == 422
    services.store.collection("uploads").insert({"_id": "up-neighbour", "community_id": world.community_id,
                                                 "owner_id": world.id("neighbour"), "created_at": clock.now_iso()})
    response = complain(world, photos=["up-neighbour"])
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"][0]["field"] == "photos.0"
    services.store.collection("uploads").insert({"_id": "up-owner", "community_id": world.community_id,
                                                 "owner_id": world.id("owner"), "created_at": clock.now_iso()})
    created = ok(complain(world, photos=["up-owner"]), 201)
    assert created["photos"] == [{"id": "up-owner", "url": "/api/v1/uploads/up-owner"}]
    assert act(world, "dispatcher", created["id"], "accept").status_code == 200
    assert act(world, "dispatcher", created["id"], "reply", note="好", photos=["up-owner"]).status_code == 422


def test_malformed_actions_and_queries_are_4xx(world):
    case_id = ok(complain(world), 201)["id"]
    ok(act(world, "dispatcher", case_id, "accept"))
    assert act(world, "dispatcher", case_id, "reply").status_code == 422              # no text
    assert act(world, "dispatcher", case_id, "reply", note="x" * 2001).status_code == 422
    assert act(world, "dispatcher", case_id, "fly").status_code == 422
    assert act(world, "dispatcher", case_id, "accept", unknown=1).status_code == 422
    ok(act(world, "dispatcher", case_id, "reply", note="已处理"))
    for rating in ("5", 0, 6, True, 4.5, None, [5]):
        response = act(world, "owner", case_id, "rate", rating=rating)
        assert response.status_code == 422, (rating, response.get_json())
    assert act(world, "owner", case_id, "confirm", rating=1).status_code == 422
    assert act(world, "owner", case_id, "reopen", rating=5).status_code == 422
    assert world.call("POST", "owner", f"{API}/{case_id}/rate", data="{not json",
                      headers={"Content-Type": "application/json"}).status_code == 400
    assert world.call("GET", "dispatcher", f"{API}?state=nonsense").status_code == 422
    assert world.call("GET", "dispatcher", f"{API}?cursor=%%%garbage").status_code in (400, 422)
    assert world.call("GET", "dispatcher", f"{API}?limit=0").status_code == 422
    assert world.call("GET", "owner", f"{API}?cursor=bm90IGEgbGlzdA").status_code in (400, 422)
    assert show(world, "owner", "x" * 500).status_code == 404
