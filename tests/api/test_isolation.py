"""Tenant isolation of the directory: nobody reads or changes another community's houses,
people or bindings. A foreign id answers exactly like a missing one (404, same body), so
ids cannot be probed; the platform admin crosses communities only by naming one."""
from __future__ import annotations

import pytest

from tests.factories import person

ADMIN = "/api/v1/admin"


@pytest.fixture
def world2(world):
    """The world plus an admin of the other community, a platform admin and a pending request."""
    world.add("outsider_admin", person(world.other_community_id, "外小区管理员", "staff", ["admin"]))
    world.add("platform_admin", person(None, "街道信息科", "staff", ["platform_admin"]))
    world.add("newcomer", person(world.community_id, "新住户", "resident", ["resident"]))
    response = world.call("POST", "newcomer", "/api/v1/me/bindings",
                          json={"house_id": world.houses["1-1-201"]["_id"], "relation": "owner"})
    world.pending = response.get_json()["id"]
    return world


def foreign_targets(w) -> dict[str, tuple[str, str, dict | None]]:
    """Requests naming a document of community A, made by people of community B."""
    house, owner = w.houses["1-1-101"]["_id"], w.id("owner")
    return {
        "house detail": ("GET", f"{ADMIN}/houses/{house}", None),
        "person detail": ("GET", f"{ADMIN}/people/{owner}", None),
        "patch person": ("PATCH", f"{ADMIN}/people/{owner}", {"roles": ["volunteer"]}),
        "patch staff": ("PATCH", f"{ADMIN}/staff/{w.id('plumber')}", {"trades": ["lift"]}),
        "approve": ("POST", f"{ADMIN}/bindings/{w.pending}/approve", {}),
        "reject": ("POST", f"{ADMIN}/bindings/{w.pending}/reject", {}),
        "revoke": ("POST", f"{ADMIN}/bindings/{owner}:{house}/revoke", {}),
        "houses of A": ("GET", f"{ADMIN}/houses?community_id={w.community_id}", None),
        "people of A": ("GET", f"{ADMIN}/people?community_id={w.community_id}", None),
        "bindings of A": ("GET", f"{ADMIN}/bindings?community_id={w.community_id}", None),
        "add house to A": ("POST", f"{ADMIN}/buildings?community_id={w.community_id}", {"number": "99"}),
        "import into A": ("POST", f"{ADMIN}/import/houses?community_id={w.community_id}",
                          {"csv": "building,unit,room,area_m2\n1,1,909,80\n"}),
    }


@pytest.mark.parametrize("target", ["house detail", "person detail", "patch person", "patch staff", "approve",
                                    "reject", "revoke", "houses of A", "people of A", "bindings of A",
                                    "add house to A", "import into A"])
def test_other_communitys_admin_gets_404(world2, services, target):
    method, url, body = foreign_targets(world2)[target]
    before = snapshot(services, world2)
    response = world2.call(method, "outsider_admin", url, json=body)
    assert response.status_code == 404, response.get_json()
    assert response.get_json()["error"]["code"] == "not_found"
    assert snapshot(services, world2) == before


@pytest.mark.parametrize("target", ["house detail", "person detail", "approve", "reject", "revoke",
                                    "bindings of A"])
def test_other_communitys_dispatcher_gets_404(world2, target):
    method, url, body = foreign_targets(world2)[target]
    assert world2.call(method, "outsider_dispatcher", url, json=body).status_code == 404


def snapshot(services, w) -> list:
    store = services.store
    return [sorted((d["_id"], d["version"]) for d in
                   store.collection(name).find({"community_id": w.community_id}).items)
            for name in ("houses", "people", "bindings", "buildings")]


def test_foreign_and_missing_ids_answer_identically(world2):
    """Existence hiding: the body of a 404 says nothing about whether the id exists elsewhere."""
    house = world2.houses["1-1-101"]["_id"]
    for method, url_existing, url_missing in (
            ("GET", f"{ADMIN}/houses/{house}", f"{ADMIN}/houses/h-no-such-house"),
            ("GET", f"{ADMIN}/people/{world2.id('owner')}", f"{ADMIN}/people/p-no-such-person"),
            ("POST", f"{ADMIN}/bindings/{world2.pending}/approve", f"{ADMIN}/bindings/p:h/approve")):
        foreign = world2.call(method, "outsider_dispatcher", url_existing)
        missing = world2.call(method, "outsider_dispatcher", url_missing)
        assert (foreign.status_code, foreign.get_json()) == (missing.status_code, missing.get_json())


def test_lists_only_show_the_callers_community(world2):
    houses = world2.call("GET", "outsider_admin", f"{ADMIN}/houses?limit=100").get_json()["items"]
    assert [h["label"] for h in houses] == ["1-1-101"]
    assert houses[0]["id"] != world2.houses["1-1-101"]["_id"]
    people = world2.call("GET", "outsider_admin", f"{ADMIN}/people?limit=100").get_json()["items"]
    assert {p["name"] for p in people} == {"外小区居民", "外小区调度", "外小区管理员"}
    assert world2.call("GET", "outsider_dispatcher", f"{ADMIN}/bindings").get_json()["items"] == []
    assert [b["id"] for b in world2.call("GET", "dispatcher", f"{ADMIN}/bindings").get_json()["items"]] == \
        [world2.pending]


def test_a_resident_cannot_bind_or_unbind_across_communities(world2):
    foreign_house = world2.houses["1-1-101"]["_id"]
    asked = world2.call("POST", "outsider", "/api/v1/me/bindings", json={"house_id": foreign_house,
                                                                         "relation": "owner"})
    assert asked.status_code == 404
    by_address = world2.call("POST", "outsider", "/api/v1/me/bindings",
                             json={"building": "2", "unit": "2", "room": "202", "relation": "owner"})
    assert by_address.status_code == 404      # 2-2-202 exists, but only in community A
    theirs = f"{world2.id('owner')}:{foreign_house}"
    assert world2.call("DELETE", "outsider", f"/api/v1/me/bindings/{theirs}").status_code == 404
    assert world2.call("DELETE", "tenant", f"/api/v1/me/bindings/{theirs}").status_code == 404


def test_me_never_shows_another_communitys_data(world2):
    me = world2.call("GET", "outsider", "/api/v1/me").get_json()
    assert me["community"]["id"] == world2.other_community_id and me["houses"] == []


def test_platform_admin_names_the_community_it_works_in(world2):
    pa = "platform_admin"
    assert world2.call("GET", pa, f"{ADMIN}/houses").status_code == 422
    assert world2.call("GET", pa, f"{ADMIN}/houses?community_id=c-none").status_code == 404
    url = f"{ADMIN}/houses?limit=100&community_id="
    a = world2.call("GET", pa, url + world2.community_id).get_json()
    b = world2.call("GET", pa, url + world2.other_community_id).get_json()
    assert len(a["items"]) == 16 and len(b["items"]) == 1
    approved = world2.call("POST", pa, f"{ADMIN}/bindings/{world2.pending}/approve"
                                       f"?community_id={world2.community_id}")
    assert approved.status_code == 200
    wrong = world2.call("POST", pa, f"{ADMIN}/bindings/{world2.pending}/reject"
                                    f"?community_id={world2.other_community_id}")
    assert wrong.status_code == 404


def test_community_admin_cannot_act_as_platform_admin(world2):
    assert world2.call("GET", "admin", f"{ADMIN}/communities").status_code == 403
    created = world2.call("POST", "admin", f"{ADMIN}/communities", json={"name": "x", "code": "XX"})
    assert created.status_code == 403
    own = world2.call("GET", "admin", f"{ADMIN}/houses?community_id={world2.community_id}")
    assert own.status_code == 200
