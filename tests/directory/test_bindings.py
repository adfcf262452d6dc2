"""Binding requests: a resident asks, staff decide, the owner role follows approved owners."""
from __future__ import annotations

import pytest

from core import directory
from core.directory.bindings import MAX_PENDING_PER_PERSON
from core.errors import Conflict, Forbidden, NotFound, RateLimited
from tests.factories import person


@pytest.fixture
def newcomer(world, as_):
    world.add("newcomer", person(world.community_id, "新住户", "resident", ["resident"], openid="o-new"))
    return as_("newcomer")


def hid(world, label: str) -> str:
    return world.houses[label]["_id"]


def bid(world, key: str, label: str) -> str:
    return f"{world.id(key)}:{hid(world, label)}"


def roles_of(services, person_id):
    return services.store.collection("people").get(person_id)["roles"]


def test_request_then_approve_makes_an_owner(services, world, as_, newcomer):
    store = services.store
    binding, created = directory.request_binding(store, newcomer, "业主", building="2号楼", unit="2", room="201")
    assert created and binding["state"] == "requested" and binding["relation"] == "owner"
    assert binding["_id"] == f"{newcomer.id}:{hid(world, '2-2-201')}"
    assert roles_of(services, newcomer.id) == ["resident"]
    assert directory.houses_of(store, newcomer.id) == []

    pending = directory.list_bindings(store, as_("dispatcher")).items
    assert [b["_id"] for b in pending] == [binding["_id"]]
    approved = directory.decide_binding(store, as_("dispatcher"), binding["_id"], approve=True)
    assert (approved["state"], approved["decided_by"]) == ("approved", world.id("dispatcher"))
    assert roles_of(services, newcomer.id) == ["owner", "resident"]
    houses = directory.houses_of(store, newcomer.id)
    assert [(h["label"], h["relation"]) for h in houses] == [("2-2-201", "owner")]
    assert directory.list_bindings(store, as_("dispatcher")).items == []


def test_tenant_approval_gives_no_owner_role(services, world, as_, newcomer):
    binding, _ = directory.request_binding(services.store, newcomer, "tenant",
                                           house_id=hid(world, "1-1-201"))
    directory.decide_binding(services.store, as_("manager"), binding["_id"], approve=True)
    assert roles_of(services, newcomer.id) == ["resident"]


def test_reject_and_ask_again(services, world, as_, newcomer):
    store = services.store
    binding, _ = directory.request_binding(store, newcomer, "owner", house_id=hid(world, "1-1-201"))
    rejected = directory.decide_binding(store, as_("admin"), binding["_id"], approve=False, note="无产权证明")
    assert rejected["state"] == "rejected" and rejected["history"][-1]["note"] == "无产权证明"
    with pytest.raises(Conflict):
        directory.decide_binding(store, as_("admin"), binding["_id"], approve=True)
    again, created = directory.request_binding(store, newcomer, "family", house_id=hid(world, "1-1-201"))
    assert not created and (again["state"], again["relation"]) == ("requested", "family")
    assert "decided_by" not in again
    assert [h["state"] for h in again["history"]] == ["requested", "rejected", "requested"]


def test_asking_twice_while_pending_does_not_duplicate(services, world, newcomer):
    first, created = directory.request_binding(services.store, newcomer, "owner",
                                               house_id=hid(world, "1-1-201"))
    second, created_again = directory.request_binding(services.store, newcomer, "co_owner",
                                                      house_id=hid(world, "1-1-201"))
    assert created and not created_again and first["_id"] == second["_id"]
    assert services.store.collection("bindings").count({"person_id": newcomer.id, "state": "requested"}) == 1


def test_already_bound_is_a_conflict(services, world, as_):
    with pytest.raises(Conflict):
        directory.request_binding(services.store, as_("owner"), "owner", house_id=hid(world, "1-1-101"))


def test_pending_requests_are_capped(services, world, newcomer):
    labels = sorted(world.houses)[:MAX_PENDING_PER_PERSON + 1]
    for label in labels[:-1]:
        directory.request_binding(services.store, newcomer, "tenant", house_id=hid(world, label))
    with pytest.raises(RateLimited):
        directory.request_binding(services.store, newcomer, "tenant", house_id=hid(world, labels[-1]))


def test_unknown_or_foreign_house_is_not_found(services, world, newcomer):
    store = services.store
    foreign = store.collection("houses").find({"community_id": world.other_community_id}).items[0]
    with pytest.raises(NotFound):
        directory.request_binding(store, newcomer, "owner", house_id=foreign["_id"])
    with pytest.raises(NotFound):
        directory.request_binding(store, newcomer, "owner", building="9", unit="9", room="909")


def test_only_deciders_decide(services, world, as_, newcomer):
    binding, _ = directory.request_binding(services.store, newcomer, "owner", house_id=hid(world, "1-1-201"))
    for key in ("plumber", "owner", "grid_worker"):
        with pytest.raises(Forbidden):
            directory.decide_binding(services.store, as_(key), binding["_id"], approve=True)
    with pytest.raises(NotFound):
        directory.decide_binding(services.store, as_("outsider_dispatcher"), binding["_id"], approve=True)


def test_revoking_the_last_owner_binding_drops_owner_and_committee(services, world, as_):
    store = services.store
    committee = world.id("committee")
    binding_id = bid(world, "committee", "1-2-101")
    directory.revoke_binding(store, as_("admin"), binding_id, note="已售出")
    assert roles_of(services, committee) == ["resident"]
    assert directory.houses_of(store, committee) == []


def test_owner_of_two_houses_stays_owner_after_one_revoke(services, world, as_, newcomer):
    store = services.store
    for label in ("1-1-201", "1-1-202"):
        binding, _ = directory.request_binding(store, newcomer, "owner", house_id=hid(world, label))
        directory.decide_binding(store, as_("admin"), binding["_id"], approve=True)
    directory.revoke_binding(store, newcomer, f"{newcomer.id}:{hid(world, '1-1-201')}")
    assert roles_of(services, newcomer.id) == ["owner", "resident"]
    assert [h["label"] for h in directory.houses_of(store, newcomer.id)] == ["1-1-202"]


def test_a_resident_cannot_revoke_someone_elses_binding(services, world, as_):
    with pytest.raises(NotFound):
        directory.revoke_binding(services.store, as_("tenant"), bid(world, "owner", "1-1-101"))


def test_occupants_of_a_house(services, world):
    people = directory.occupants(services.store, world.community_id, hid(world, "2-1-201"))
    assert [(p["name"], p["relation"]) for p in people] == [("钱租户", "tenant")]
    assert directory.occupants(services.store, world.other_community_id, hid(world, "2-1-201")) == []


def test_describe_masks_the_requesters_phone_for_a_technician(services, world, as_):
    binding = services.store.collection("bindings").get(bid(world, "owner", "1-1-101"))
    doc = services.store.collection("people").get(world.id("owner"))
    doc["phone"] = "13800138000"
    services.store.collection("people").replace(doc, doc["version"])
    [seen] = directory.describe_bindings(services.store, [binding], as_("plumber"))
    assert seen["person"]["phone"] == "138****8000" and seen["house"]["label"] == "1-1-101"
    [seen] = directory.describe_bindings(services.store, [binding], as_("dispatcher"))
    assert seen["person"]["phone"] == "13800138000"
