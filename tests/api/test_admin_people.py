"""Admin API: staff, roles and trades, the people list and what each role sees of it."""
from __future__ import annotations

import pytest

ADMIN = "/api/v1/admin"


def set_phone(services, person_id: str, phone: str) -> None:
    people = services.store.collection("people")
    doc = people.get(person_id)
    doc["phone"] = phone
    people.replace(doc, doc["version"])


def test_create_and_list_staff(world):
    body = {"name": "钱电梯", "roles": ["technician"], "trades": ["lift"], "wecom_userid": "qian.lift",
            "phone": "13800138009", "max_open_tickets": 5}
    created = world.call("POST", "admin", f"{ADMIN}/staff", json=body)
    assert created.status_code == 201
    shown = created.get_json()
    assert (shown["trades"], shown["wecom_userid"], shown["phone"]) == (["lift"], "qian.lift", "13800138009")
    names, cursor = [], None
    while True:
        url = f"{ADMIN}/staff?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = world.call("GET", "manager", url)
        names += [p["name"] for p in page.get_json()["items"]]
        cursor = page.get_json()["next_cursor"]
        if not cursor:
            break
    assert "钱电梯" in names and "张业主" not in names and len(names) == len(set(names)) == 11


@pytest.mark.parametrize("body", [{"name": "x", "roles": ["technician"], "trades": ["magic"]},
                                  {"name": "x", "roles": ["king"]},
                                  {"name": "x", "roles": []},
                                  {"name": "x", "roles": ["security"], "phone": "12345"},
                                  {"name": "x", "roles": ["security"], "wecom_userid": "bad id!"},
                                  {"name": "", "roles": ["security"]}])
def test_bad_staff_is_422(world, body):
    response = world.call("POST", "admin", f"{ADMIN}/staff", json=body)
    assert response.status_code == 422, response.get_json()


def test_duplicate_wecom_userid_is_409(world):
    body = {"name": "重复", "roles": ["security"], "wecom_userid": "wecom-security"}
    assert world.call("POST", "admin", f"{ADMIN}/staff", json=body).status_code == 409


def test_update_roles_and_trades(world):
    url = f"{ADMIN}/staff/{world.id('plumber2')}"
    changed = world.call("PATCH", "manager", url, json={"trades": ["plumbing", "gas"], "max_open_tickets": 3})
    assert changed.status_code == 200
    assert (changed.get_json()["trades"], changed.get_json()["max_open_tickets"]) == (["gas", "plumbing"], 3)
    assert world.call("PATCH", "manager", url, json={"roles": ["admin"]}).status_code == 403
    assert world.call("PATCH", "admin", url, json={"roles": ["security"]}).status_code == 422   # trades stay
    moved = world.call("PATCH", "admin", url, json={"roles": ["security"], "trades": []})
    assert moved.status_code == 200 and moved.get_json()["roles"] == ["security"]


def test_staff_route_does_not_patch_residents(world):
    body = {"roles": ["volunteer"]}
    response = world.call("PATCH", "admin", f"{ADMIN}/staff/{world.id('owner')}", json=body)
    assert response.status_code == 404
    response = world.call("PATCH", "admin", f"{ADMIN}/people/{world.id('owner')}", json=body)
    assert response.status_code == 200 and "volunteer" in response.get_json()["roles"]


def test_deactivated_staff_is_logged_out_on_next_request(world):
    assert world.call("GET", "plumber", f"{ADMIN}/houses").status_code == 200
    world.call("PATCH", "admin", f"{ADMIN}/staff/{world.id('plumber')}", json={"active": False})
    assert world.call("GET", "plumber", f"{ADMIN}/houses").status_code == 401


def test_people_list_masks_phones_for_the_street_office(world, services):
    set_phone(services, world.id("tenant"), "13800138000")
    for who, phone in (("dispatcher", "13800138000"), ("grid_worker", "13800138000"),
                       ("street_office", "138****8000")):
        items = world.call("GET", who, f"{ADMIN}/people?kind=resident&limit=100").get_json()["items"]
        [tenant] = [p for p in items if p["id"] == world.id("tenant")]
        assert tenant["phone"] == phone, who
    assert world.call("GET", "plumber", f"{ADMIN}/people").status_code == 403
    assert world.call("GET", "owner", f"{ADMIN}/people").status_code == 403
    assert world.call("GET", "admin", f"{ADMIN}/people?kind=robot").status_code == 422


def test_person_detail_with_houses(world):
    shown = world.call("GET", "dispatcher", f"{ADMIN}/people/{world.id('elderly')}").get_json()
    assert shown["care_labels"] == ["elderly", "lives_alone"]
    assert [(h["label"], h["relation"]) for h in shown["houses"]] == [("2-2-202", "owner")]


def test_grid_worker_edits_care_register_only(world):
    url = f"{ADMIN}/people/{world.id('elderly')}"
    contacts = [{"name": "孙子", "phone": "13900000003", "relation": "孙子"}]
    ok = world.call("PATCH", "grid_worker", url, json={"family_contacts": contacts})
    assert ok.status_code == 200 and ok.get_json()["family_contacts"][0]["phone"] == "13900000003"
    assert world.call("PATCH", "grid_worker", url, json={"roles": ["volunteer"]}).status_code == 403
    bad = world.call("PATCH", "grid_worker", url, json={"care_labels": ["vip"]})
    assert bad.status_code == 422
