"""Buildings (楼栋), houses (户, with the exclusive-part area) and public places.

A house is identified by community + building + unit + room; its ``_id`` is derived from
that natural key (:func:`house_id`), so one house can never be stored twice, not even by
two imports racing each other.
"""
from __future__ import annotations

from core import clock, i18n
from core.errors import Conflict, ValidationFailed
from core.roles import Actor
from core.store import DuplicateKey

from . import fields
from .scope import DIRECTORY_ADMINS, PREMISES_READERS, community_of, fetch, natural_id, page, require


def building_id(community_id: str, number: str) -> str:
    return f"{community_id}:b{number}"


def house_id(community_id: str, building: str, unit: str, room: str) -> str:
    return natural_id("h", community_id, building, unit, room)


def place_id(community_id: str, name: str) -> str:
    return natural_id("pl", community_id, name)


def house_label(house: dict, locale: str | None = None) -> str:
    """``3-2-501``; with a locale, the spoken form (``3号楼2单元501室``) for messages."""
    if locale is None:
        return house.get("label") or f"{house['building']}-{house['unit']}-{house['room']}"
    return i18n.translate("directory.house_label", locale, building=house["building"], unit=house["unit"],
                          room=house["room"])


def floor_from_room(room: str) -> int | None:
    """``501`` -> 5, ``1203`` -> 12: how Chinese room numbers encode the floor."""
    return int(room[:-2]) if room.isdigit() and len(room) >= 3 and int(room[:-2]) > 0 else None


def new_building(community_id: str, number: str, name: str = "", units: int = 1, floors: int = 1) -> dict:
    return {"_id": building_id(community_id, number), "community_id": community_id, "number": number,
            "name": name or f"{number}号楼", "units": units, "floors": floors, "created_at": clock.now_iso()}


def new_house(community_id: str, building: str, unit: str, room: str, floor: int, area_m2: float) -> dict:
    return {"_id": house_id(community_id, building, unit, room), "community_id": community_id,
            "building_id": building_id(community_id, building), "building": building, "unit": unit,
            "room": room, "floor": floor, "area_m2": area_m2, "label": f"{building}-{unit}-{room}",
            "created_at": clock.now_iso()}


def new_place(community_id: str, name: str, kind: str) -> dict:
    return {"_id": place_id(community_id, name), "community_id": community_id, "name": name, "kind": kind,
            "created_at": clock.now_iso()}


# ---- buildings --------------------------------------------------------------------------

def create_building(store, actor: Actor, number, name: str = "", units: int = 1, floors: int = 1,
                    community_id: str | None = None) -> dict:
    require(actor, DIRECTORY_ADMINS)
    cid = community_of(store, actor, community_id)
    doc = new_building(cid, fields.checked("number", fields.code, number),
                       fields.checked("name", fields.text, name, 40, required=False),
                       fields.checked("units", fields.integer, units, 1, 50),
                       fields.checked("floors", fields.integer, floors, 1, 200))
    try:
        return store.collection("buildings").insert(doc)
    except DuplicateKey:
        raise Conflict("directory.building_exists", number=doc["number"])


def list_buildings(store, actor: Actor, community_id: str | None = None, limit: int = 50,
                   cursor: str | None = None):
    require(actor, PREMISES_READERS)
    cid = community_of(store, actor, community_id)
    return page(store, "buildings", {"community_id": cid}, [("number", 1)], limit, cursor)


# ---- houses -----------------------------------------------------------------------------

def find_house(store, community_id: str, building: str, unit: str, room: str) -> dict | None:
    """The house at an address of one community, or None (ids made elsewhere are found too)."""
    found = store.collection("houses").find({"community_id": community_id,
                                              "building_id": building_id(community_id, building),
                                              "unit": unit, "room": room}, limit=1).items
    return found[0] if found else None


def get_house(store, scope, house_id_: str) -> dict:
    return fetch(store, "houses", scope, house_id_, "directory.house_not_found")


def create_house(store, actor: Actor, building, unit, room, area_m2, floor=None,
                 community_id: str | None = None) -> dict:
    """Add one house to an existing building."""
    require(actor, DIRECTORY_ADMINS)
    cid = community_of(store, actor, community_id)
    building = fields.checked("building", fields.code, building)
    unit = fields.checked("unit", fields.code, unit)
    room = fields.checked("room", fields.code, room)
    area = fields.checked("area_m2", fields.area, area_m2)
    level = fields.checked("floor", fields.integer, floor, -5, 200, required=False)
    if level is None:
        level = floor_from_room(room)
        if level is None:
            fields.checked("floor", fields.integer, None, -5, 200)
    if store.collection("buildings").get(building_id(cid, building)) is None:
        raise ValidationFailed("directory.building_not_found", number=building,
                               details={"fields": [{"field": "building", "problem": "unknown"}]})
    doc = new_house(cid, building, unit, room, level, area)
    with store.transaction():
        if find_house(store, cid, building, unit, room) is not None:
            raise Conflict("directory.house_exists", label=doc["label"])
        try:
            return store.collection("houses").insert(doc)
        except DuplicateKey:
            raise Conflict("directory.house_exists", label=doc["label"])


def list_houses(store, actor: Actor, community_id: str | None = None, building: str | None = None,
                limit: int = 50, cursor: str | None = None):
    """Houses of the community, newest first; of one building in unit/room order."""
    require(actor, PREMISES_READERS)
    cid = community_of(store, actor, community_id)
    if building:
        number = fields.checked("building", fields.code, building)
        return page(store, "houses", {"community_id": cid, "building_id": building_id(cid, number)},
                    [("unit", 1), ("room", 1)], limit, cursor)
    return page(store, "houses", {"community_id": cid}, [("created_at", -1)], limit, cursor)


# ---- public places ----------------------------------------------------------------------

def create_place(store, actor: Actor, name, kind: str = "other", community_id: str | None = None) -> dict:
    require(actor, DIRECTORY_ADMINS)
    cid = community_of(store, actor, community_id)
    name = fields.checked("name", fields.text, name, 40)
    kind = fields.checked("kind", fields.choice, kind, fields.PLACE_KINDS)
    try:
        return store.collection("places").insert(new_place(cid, name, kind))
    except DuplicateKey:
        raise Conflict("directory.place_exists", name=name)


def list_places(store, actor: Actor, community_id: str | None = None, limit: int = 100,
                cursor: str | None = None):
    """Public places of a community; residents read them too (they report problems there)."""
    cid = community_of(store, actor, community_id)
    return page(store, "places", {"community_id": cid}, [("name", 1)], limit, cursor)
