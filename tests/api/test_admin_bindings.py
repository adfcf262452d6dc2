"""The binding loop through the API: a resident asks (/me/bindings), staff review
(/admin/bindings), /me shows the result."""
from __future__ import annotations

from tests.factories import person

ADMIN = "/api/v1/admin"


def newcomer(world) -> str:
    world.add("newcomer", person(world.community_id, "新住户", "resident", ["resident"], openid="o-new",
                                 phone="13800138111"))
    return "newcomer"


def test_me_shows_person_houses_and_unmasked_own_phone(world, services):
    key = newcomer(world)
    me = world.call("GET", key, "/api/v1/me").get_json()
    assert me["person"]["phone"] == "13800138111"
    assert me["houses"] == [] and me["roles"] == ["resident"] and me["community"]["name"] == "阳光花园"
    owner = world.call("GET", "elderly", "/api/v1/me").get_json()
    assert [(h["label"], h["relation"]) for h in owner["houses"]] == [("2-2-202", "owner")]
    assert owner["person"]["care_labels"] == ["elderly", "lives_alone"]


def test_request_review_approve_then_owner(world):
    key = newcomer(world)
    asked = world.call("POST", key, "/api/v1/me/bindings",
                       json={"building": "2", "unit": "1", "room": "202", "relation": "owner"})
    assert asked.status_code == 201
    binding_id = asked.get_json()["id"]
    again = world.call("POST", key, "/api/v1/me/bindings",
                       json={"building": "2", "unit": "1", "room": "202", "relation": "co_owner"})
    assert again.status_code == 200 and again.get_json()["id"] == binding_id
    assert world.call("GET", key, "/api/v1/me").get_json()["bindings"][0]["state"] == "requested"

    queue = world.call("GET", "dispatcher", f"{ADMIN}/bindings?state=requested").get_json()
    assert [(b["id"], b["house"]["label"], b["person"]["phone"]) for b in queue["items"]] == \
        [(binding_id, "2-1-202", "13800138111")]
    assert world.call("POST", "plumber", f"{ADMIN}/bindings/{binding_id}/approve").status_code == 403
    approved = world.call("POST", "dispatcher", f"{ADMIN}/bindings/{binding_id}/approve",
                          json={"note": "已核验房产证"})
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    assert world.call("POST", "dispatcher", f"{ADMIN}/bindings/{binding_id}/approve").status_code == 409

    me = world.call("GET", key, "/api/v1/me").get_json()
    assert me["roles"] == ["owner", "resident"]
    assert [(h["label"], h["relation"]) for h in me["houses"]] == [("2-1-202", "co_owner")]
    assert world.call("GET", "dispatcher", f"{ADMIN}/bindings").get_json()["items"] == []


def test_reject_and_list_by_state(world):
    key = newcomer(world)
    binding_id = world.call("POST", key, "/api/v1/me/bindings", json={
        "house_id": world.houses["1-2-202"]["_id"], "relation": "tenant"}).get_json()["id"]
    rejected = world.call("POST", "manager", f"{ADMIN}/bindings/{binding_id}/reject", json={"note": "信息不符"})
    assert rejected.get_json()["state"] == "rejected"
    listed = world.call("GET", "manager", f"{ADMIN}/bindings?state=rejected").get_json()["items"]
    assert [b["id"] for b in listed] == [binding_id]
    assert world.call("GET", "manager", f"{ADMIN}/bindings?state=whatever").status_code == 422


def test_withdraw_own_binding_and_staff_revoke(world):
    owner_binding = f"{world.id('neighbour')}:{world.houses['1-1-102']['_id']}"
    assert world.call("DELETE", "owner", f"/api/v1/me/bindings/{owner_binding}").status_code == 404
    gone = world.call("DELETE", "neighbour", f"/api/v1/me/bindings/{owner_binding}")
    assert gone.status_code == 200 and gone.get_json()["state"] == "revoked"
    assert world.call("GET", "neighbour", "/api/v1/me").get_json()["roles"] == ["resident"]
    committee_binding = f"{world.id('committee')}:{world.houses['1-2-101']['_id']}"
    assert world.call("POST", "admin", f"{ADMIN}/bindings/{committee_binding}/revoke").status_code == 200
    assert world.call("GET", "committee", "/api/v1/me").get_json()["roles"] == ["resident"]


def test_binding_request_bodies_are_checked(world):
    key = newcomer(world)
    for body in ({"relation": "owner"}, {"relation": "boss", "building": "1", "unit": "1", "room": "101"},
                 {"relation": "owner", "building": "1", "unit": "1"}, {"relation": "owner", "house_id": 5}):
        response = world.call("POST", key, "/api/v1/me/bindings", json=body)
        assert response.status_code == 422, body
    missing = world.call("POST", key, "/api/v1/me/bindings",
                         json={"relation": "owner", "building": "8", "unit": "8", "room": "808"})
    assert missing.status_code == 404


def test_staff_cannot_request_bindings(world):
    response = world.call("POST", "dispatcher", "/api/v1/me/bindings",
                          json={"relation": "owner", "building": "1", "unit": "1", "room": "201"})
    assert response.status_code == 403


def test_me_needs_a_token(client, backend):
    assert client.get("/api/v1/me").status_code == 401
