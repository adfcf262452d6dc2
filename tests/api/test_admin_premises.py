"""Admin API: communities, buildings, houses, places — roles, validation, pagination."""
from __future__ import annotations

import pytest

from tests.factories import person

ADMIN = "/api/v1/admin"


@pytest.fixture
def platform(world):
    world.add("platform_admin", person(None, "街道信息科", "staff", ["platform_admin"]))
    return "platform_admin"


def test_only_platform_admin_creates_and_lists_communities(world, platform):
    body = {"name": "和平小区", "code": "hpxq", "district": "天山区"}
    assert world.call("POST", "admin", f"{ADMIN}/communities", json=body).status_code == 403
    created = world.call("POST", platform, f"{ADMIN}/communities", json=body)
    assert created.status_code == 201 and created.get_json()["code"] == "HPXQ"
    again = world.call("POST", platform, f"{ADMIN}/communities", json=body)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    listed = world.call("GET", platform, f"{ADMIN}/communities?limit=2").get_json()
    assert len(listed["items"]) == 2 and listed["next_cursor"]
    rest = world.call("GET", platform, f"{ADMIN}/communities?cursor={listed['next_cursor']}").get_json()
    ids = {c["id"] for c in listed["items"] + rest["items"]}
    assert {world.community_id, world.other_community_id, created.get_json()["id"]} == ids


def test_create_community_is_idempotent_with_a_key(world, platform):
    body = {"name": "幸福二期", "code": "XF2"}
    headers = {"Idempotency-Key": "create-xf2"}
    first = world.call("POST", platform, f"{ADMIN}/communities", json=body, headers=headers)
    second = world.call("POST", platform, f"{ADMIN}/communities", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_building_and_house_creation(world):
    created = world.call("POST", "manager", f"{ADMIN}/buildings",
                         json={"number": "9号楼", "floors": 18, "units": 2})
    assert created.status_code == 201 and created.get_json()["number"] == "9"
    house = world.call("POST", "manager", f"{ADMIN}/houses",
                       json={"building": "9", "unit": "1", "room": "1801", "area_m2": 126.4})
    assert house.status_code == 201
    assert (house.get_json()["label"], house.get_json()["floor"]) == ("9-1-1801", 18)
    listed = world.call("GET", "dispatcher", f"{ADMIN}/houses?building=9").get_json()
    assert [h["label"] for h in listed["items"]] == ["9-1-1801"]


@pytest.mark.parametrize("body", [{"building": "1", "unit": "1", "room": "909"},                 # no area
                                  {"building": "1", "unit": "1", "room": "909", "area_m2": -1},
                                  {"building": "1", "unit": "1", "room": "9;9", "area_m2": 80},
                                  {"building": "1", "unit": "1", "room": "909", "area_m2": 80, "x": 1},
                                  {"building": "1", "unit": "1", "room": "909", "area_m2": "大"}])
def test_bad_house_bodies_are_localised_422(world, body):
    response = world.call("POST", "admin", f"{ADMIN}/houses", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
    assert response.get_json()["error"]["message"]


def test_house_needs_an_existing_building_and_is_unique(world):
    body = {"building": "1", "unit": "1", "room": "101", "area_m2": 80}
    missing = world.call("POST", "admin", f"{ADMIN}/houses", json=body, headers={"Accept-Language": "en"})
    assert missing.status_code == 422 and "Building 1" in missing.get_json()["error"]["message"]
    world.call("POST", "admin", f"{ADMIN}/buildings", json={"number": "1"})
    assert world.call("POST", "admin", f"{ADMIN}/houses", json=body).status_code == 409


@pytest.mark.parametrize("who, status", [("owner", 403), ("tenant", 403), ("plumber", 403),
                                         ("security", 403), ("dispatcher", 403), ("manager", 201),
                                         ("admin", 201)])
def test_who_may_add_buildings(world, who, status):
    assert world.call("POST", who, f"{ADMIN}/buildings", json={"number": "30"}).status_code == status


def test_residents_cannot_list_houses_but_staff_can(world):
    assert world.call("GET", "owner", f"{ADMIN}/houses").status_code == 403
    page = world.call("GET", "plumber", f"{ADMIN}/houses?limit=3").get_json()
    assert len(page["items"]) == 3 and page["next_cursor"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "cursor=%%%"])
def test_bad_paging_is_4xx(world, query):
    response = world.call("GET", "admin", f"{ADMIN}/houses?{query}")
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["code"] in ("bad_request", "validation_failed")


def test_house_detail_shows_occupants_masked_for_a_technician(world, services):
    people = services.store.collection("people")
    doc = people.get(world.id("owner"))
    doc["phone"] = "13800138000"
    people.replace(doc, doc["version"])
    house_id = world.houses["1-1-101"]["_id"]
    seen = world.call("GET", "plumber", f"{ADMIN}/houses/{house_id}").get_json()
    assert seen["occupants"] == [{"id": world.id("owner"), "name": "张业主", "phone": "138****8000",
                                  "relation": "owner"}]
    seen = world.call("GET", "dispatcher", f"{ADMIN}/houses/{house_id}").get_json()
    assert seen["occupants"][0]["phone"] == "13800138000"


def test_places_admin_creates_residents_read(world):
    created = world.call("POST", "admin", f"{ADMIN}/places", json={"name": "北门", "kind": "gate"})
    assert created.status_code == 201
    refused = world.call("POST", "owner", f"{ADMIN}/places", json={"name": "南门", "kind": "gate"})
    assert refused.status_code == 403
    listed = world.call("GET", "owner", "/api/v1/places").get_json()
    assert [p["name"] for p in listed["items"]] == ["北门"]
    assert world.call("GET", "outsider", "/api/v1/places").get_json()["items"] == []
