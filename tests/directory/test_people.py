"""Staff, roles, trades, look-ups and what a viewer may see of a person."""
from __future__ import annotations

import pytest

from core import directory
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed


def test_create_technician_with_trades(services, world, as_):
    tech = directory.create_staff(services.store, as_("admin"), "钱电工", ["technician"], ["electrical", "lift"],
                                  phone="138 0013 8001", wecom_userid="qian.dg", max_open_tickets=6)
    assert tech["community_id"] == world.community_id
    assert (tech["trades"], tech["phone"], tech["max_open_tickets"]) == (["electrical", "lift"],
                                                                          "13800138001", 6)
    found = directory.find_staff_by_wecom_userid(services.store, world.community_id, "qian.dg")
    assert found["_id"] == tech["_id"]


@pytest.mark.parametrize("roles, trades, key", [
    (["technician"], ["juggling"], "directory.trade_unknown"),
    (["security"], ["plumbing"], "directory.trades_need_technician"),
    (["owner"], [], "directory.role_not_allowed"),
    ([], [], "directory.roles_required"),
])
def test_staff_roles_and_trades_are_checked(services, as_, roles, trades, key):
    with pytest.raises(ValidationFailed) as caught:
        directory.create_staff(services.store, as_("admin"), "某人", roles, trades)
    assert caught.value.message_key == key


def test_wecom_userid_is_unique_in_a_community(services, as_):
    with pytest.raises(Conflict):
        directory.create_staff(services.store, as_("admin"), "重复", ["security"],
                               wecom_userid="wecom-dispatcher")


def test_manager_cannot_make_admins(services, world, as_):
    with pytest.raises(Forbidden):
        directory.create_staff(services.store, as_("manager"), "新管理员", ["admin"])
    with pytest.raises(Forbidden):
        directory.update_person(services.store, as_("manager"), world.id("dispatcher"), roles=["admin"])
    promoted = directory.update_person(services.store, as_("admin"), world.id("dispatcher"),
                                       roles=["dispatcher", "manager"])
    assert promoted["roles"] == ["dispatcher", "manager"]


def test_admin_cannot_drop_own_admin_role_or_deactivate_self(services, world, as_):
    with pytest.raises(Conflict):
        directory.update_person(services.store, as_("admin"), world.id("admin"), roles=["manager"])
    with pytest.raises(Conflict):
        directory.update_person(services.store, as_("admin"), world.id("admin"), active=False)


def test_staff_with_filters_active_role_and_trade(services, world, as_):
    plumbers = directory.staff_with(services.store, world.community_id, role="technician", trade="plumbing")
    assert {p["_id"] for p in plumbers} == {world.id("plumber"), world.id("plumber2")}
    directory.update_person(services.store, as_("admin"), world.id("plumber2"), active=False)
    plumbers = directory.staff_with(services.store, world.community_id, trade="plumbing")
    assert [p["_id"] for p in plumbers] == [world.id("plumber")]
    assert directory.staff_with(services.store, world.other_community_id, role="dispatcher")[0]["_id"] == \
        world.id("outsider_dispatcher")


def test_wecom_lookup_without_community_refuses_ambiguity(services, world, platform_admin):
    store = services.store
    assert directory.find_staff_by_wecom_userid(store, None, "wecom-manager")["_id"] == world.id("manager")
    directory.create_staff(store, platform_admin, "同名账号", ["manager"], wecom_userid="wecom-manager",
                           community_id=world.other_community_id)
    assert directory.find_staff_by_wecom_userid(store, None, "wecom-manager") is None
    assert directory.find_staff_by_wecom_userid(store, world.community_id, "wecom-manager")["_id"] == \
        world.id("manager")


def test_find_person_by_openid(services, world):
    assert directory.find_person_by_openid(services.store, "o-tenant")["_id"] == world.id("tenant")
    assert directory.find_person_by_openid(services.store, "o-nobody") is None
    assert directory.find_person_by_openid(services.store, "") is None


def test_get_person_is_scoped(services, world, as_):
    assert directory.get_person(services.store, world.community_id, world.id("owner"))["name"] == "张业主"
    with pytest.raises(NotFound):
        directory.get_person(services.store, as_("admin"), world.id("outsider"))
    with pytest.raises(TypeError):
        directory.get_person(services.store, None, world.id("owner"))


def test_residents_may_join_committee_only_as_owners(services, world, as_):
    admin = as_("admin")
    with pytest.raises(ValidationFailed) as caught:
        directory.update_person(services.store, admin, world.id("tenant"), roles=["owners_committee"])
    assert caught.value.message_key == "directory.committee_needs_owner"
    with pytest.raises(ValidationFailed):
        directory.update_person(services.store, admin, world.id("tenant"), roles=["owner"])
    member = directory.update_person(services.store, admin, world.id("neighbour"), roles=["owners_committee"])
    assert member["roles"] == ["owner", "owners_committee", "resident"]


def test_grid_worker_keeps_the_care_register_but_not_roles(services, world, as_):
    grid = as_("grid_worker")
    contact = {"name": "张小", "phone": "13900000001", "relation": "女儿"}
    updated = directory.update_person(services.store, grid, world.id("owner"), care_labels=["elderly"],
                                      family_contacts=[contact])
    assert updated["care_labels"] == ["elderly"]
    assert updated["family_contacts"][0]["phone"] == "13900000001"
    with pytest.raises(Forbidden):
        directory.update_person(services.store, grid, world.id("owner"), roles=["volunteer"])


def test_phone_is_masked_unless_the_viewer_needs_it(services, world, as_):
    store = services.store
    directory.update_person(store, as_("admin"), world.id("tenant"),
                            family_contacts=[{"name": "钱父", "phone": "13900000002"}])
    store_doc = store.collection("people").get(world.id("tenant"))
    store_doc["phone"] = "13800138000"
    store.collection("people").replace(store_doc, store_doc["version"])
    tenant = store.collection("people").get(world.id("tenant"))
    assert directory.present_person(tenant, as_("dispatcher"))["phone"] == "13800138000"
    assert directory.present_person(tenant, as_("tenant"))["phone"] == "13800138000"
    shown = directory.present_person(tenant, as_("plumber"))
    assert shown["phone"] == "138****8000" and "family_contacts" not in shown
    assert directory.present_person(tenant, as_("outsider_dispatcher"))["phone"] == "138****8000"
