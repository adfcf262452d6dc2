"""Communities, buildings, houses and places: creation rules and community scope."""
from __future__ import annotations

import pytest

from core import directory
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed


def test_only_the_platform_admin_creates_communities(services, as_, platform_admin):
    store = services.store
    with pytest.raises(Forbidden):
        directory.create_community(store, as_("admin"), "新小区", "NEW")
    created = directory.create_community(store, platform_admin, "新小区", "new", district="天山区")
    assert created["code"] == "NEW"
    with pytest.raises(Conflict):
        directory.create_community(store, platform_admin, "另一个", "NEW")


def test_building_then_house_with_floor_from_room(services, world, as_):
    admin = as_("admin")
    directory.create_building(services.store, admin, "9号楼", units=2, floors=18)
    house = directory.create_house(services.store, admin, "9", "2", "1203", "98.456")
    assert (house["label"], house["floor"], house["area_m2"]) == ("9-2-1203", 12, 98.46)
    assert directory.get_house(services.store, admin, house["_id"])["community_id"] == world.community_id
    with pytest.raises(Conflict):
        directory.create_house(services.store, admin, "9", "2", "1203", 90)


def test_a_house_needs_its_building(services, as_):
    with pytest.raises(ValidationFailed) as caught:
        directory.create_house(services.store, as_("admin"), "77", "1", "101", 80)
    assert caught.value.message_key == "directory.building_not_found"


def test_house_created_by_factory_is_still_a_duplicate(services, as_):
    """Houses made with random ids (older data) are found by address, not only by id."""
    directory.create_building(services.store, as_("admin"), "1")  # the factory made no building docs
    with pytest.raises(Conflict):
        directory.create_house(services.store, as_("admin"), "1", "1", "101", 80)


def test_technician_cannot_create_houses_but_can_list_them(services, as_):
    with pytest.raises(Forbidden):
        directory.create_building(services.store, as_("plumber"), "9")
    page = directory.list_houses(services.store, as_("plumber"), limit=5)
    assert len(page.items) == 5 and page.next_cursor


def test_list_houses_of_one_building_in_room_order(services, as_):
    page = directory.list_houses(services.store, as_("dispatcher"), building="2", limit=100)
    assert [h["label"] for h in page.items][:4] == ["2-1-101", "2-1-102", "2-1-201", "2-1-202"]
    assert {h["building"] for h in page.items} == {"2"}


def test_platform_admin_must_name_an_existing_community(services, world, platform_admin):
    with pytest.raises(ValidationFailed):
        directory.list_houses(services.store, platform_admin)
    with pytest.raises(NotFound):
        directory.list_houses(services.store, platform_admin, community_id="c-nope")
    page = directory.list_houses(services.store, platform_admin, community_id=world.other_community_id)
    assert [h["label"] for h in page.items] == ["1-1-101"]


def test_naming_another_community_is_not_found(services, world, as_):
    with pytest.raises(NotFound):
        directory.list_houses(services.store, as_("admin"), community_id=world.other_community_id)


def test_places_are_unique_by_name(services, as_):
    directory.create_place(services.store, as_("manager"), "地下车库", "parking")
    with pytest.raises(Conflict):
        directory.create_place(services.store, as_("manager"), "地下车库", "parking")
    with pytest.raises(ValidationFailed):
        directory.create_place(services.store, as_("manager"), "屋顶", "rooftop-bar")
    names = [p["name"] for p in directory.list_places(services.store, as_("owner")).items]
    assert names == ["地下车库"]


def test_house_label_short_and_spoken(world):
    house = world.houses["1-2-201"]
    assert directory.house_label(house) == "1-2-201"
    assert directory.house_label(house, "zh_CN") == "1号楼2单元201室"
    assert directory.house_label(house, "en") == "Building 1, unit 2, room 201"


def test_bad_cursor_is_a_bad_request(services, as_):
    from core.errors import BadRequest
    with pytest.raises(BadRequest):
        directory.list_houses(services.store, as_("admin"), cursor="not-a-cursor!!")
