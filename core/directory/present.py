"""Documents as a given viewer may see them: the JSON shapes of the directory.

Masking lives here, next to the rule that decides it, so the API and the bot cannot
disagree about who sees a phone number.
"""
from __future__ import annotations

from core.roles import Actor

from . import fields
from .scope import PHONE_READERS


def may_see_contact(viewer: Actor, person: dict) -> bool:
    """Phone numbers and family contacts: the person themself, or staff who call people."""
    return viewer.id == person["_id"] or (viewer.has(*PHONE_READERS)
                                          and viewer.community_id == person.get("community_id"))


def present_person(person: dict, viewer: Actor) -> dict:
    """A person as ``viewer`` may see them: phone masked unless :func:`may_see_contact`."""
    contact = may_see_contact(viewer, person)
    out = {"id": person["_id"], "community_id": person.get("community_id"), "kind": person.get("kind"),
           "name": person.get("name", ""),
           "phone": person.get("phone") if contact else fields.mask_phone(person.get("phone")),
           "roles": person.get("roles", []), "care_labels": person.get("care_labels", []),
           "locale": person.get("locale", "zh_CN"), "active": person.get("active", True),
           "wechat_linked": bool(person.get("openid")), "created_at": person.get("created_at")}
    if person.get("kind") == "staff":
        out.update(trades=person.get("trades", []), wecom_userid=person.get("wecom_userid"),
                   max_open_tickets=person.get("max_open_tickets"))
    if contact:
        out["family_contacts"] = person.get("family_contacts", [])
    return out


def present_house(house: dict) -> dict:
    out = {"id": house["_id"], "label": house.get("label"), "building": house["building"],
           "unit": house["unit"], "room": house["room"], "floor": house.get("floor"),
           "area_m2": house.get("area_m2"), "created_at": house.get("created_at")}
    if "relation" in house:
        out["relation"] = house["relation"]
    return out


def present_building(building: dict) -> dict:
    return {"id": building["_id"], "number": building["number"], "name": building.get("name"),
            "units": building.get("units"), "floors": building.get("floors"),
            "created_at": building.get("created_at")}


def present_place(place: dict) -> dict:
    return {"id": place["_id"], "name": place["name"], "kind": place.get("kind")}


def present_community(community: dict) -> dict:
    return {"id": community["_id"], "name": community["name"], "code": community.get("code"),
            "city": community.get("city", ""), "district": community.get("district", ""),
            "street": community.get("street", ""), "created_at": community.get("created_at")}
