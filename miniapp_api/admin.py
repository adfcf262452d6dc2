"""Staff console: ``/api/v1/admin/...`` — communities, buildings, houses, places, CSV imports,
staff and roles, and the review queue of residents' house bindings.

Thin views over :mod:`core.directory`. A community-bound caller always works in their own
community; the platform admin names one with ``?community_id=``.
"""
from __future__ import annotations

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, Field

from core import directory, i18n
from core.api import Cursor, current_actor, endpoint, locale, page_response, parse_json, services
from core.directory.csv_table import ImportRejected
from core.directory.people import CARE_EDITORS
from core.directory.scope import BINDING_DECIDERS, DIRECTORY_ADMINS, PEOPLE_READERS, PREMISES_READERS
from core.errors import NotFound, UnsupportedMedia, ValidationFailed
from core.openapi import multipart_file
from core.roles import PLATFORM_ADMIN

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin")

ID = Field(min_length=1, max_length=64)


class Scoped(BaseModel):
    """``community_id``: only the platform admin needs it; anyone else is kept to their own."""

    model_config = ConfigDict(extra="ignore")
    community_id: str | None = Field(default=None, min_length=1, max_length=64)


class PageQuery(Scoped):
    limit: int = Field(default=50, ge=1, le=100)
    cursor: Cursor | None = None


class HouseQuery(PageQuery):
    building: str | None = Field(default=None, max_length=12,
                                 description="only this building, in unit/room order")


class PeopleQuery(PageQuery):
    kind: str | None = Field(default=None, pattern="^(resident|staff)$")


class BindingQuery(PageQuery):
    state: str = Field(default="requested", pattern="^(requested|approved|rejected|revoked)$")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CommunityIn(Body):
    name: str = Field(min_length=1, max_length=60)
    code: str = Field(min_length=2, max_length=32, description="short unique code, e.g. YGHY")
    city: str = Field(default="", max_length=40)
    district: str = Field(default="", max_length=40)
    street: str = Field(default="", max_length=40)


class BuildingIn(Body):
    number: str = Field(min_length=1, max_length=12, description="3, 3号楼 or A")
    name: str = Field(default="", max_length=40)
    units: int = Field(default=1, ge=1, le=50)
    floors: int = Field(default=1, ge=1, le=200)


class HouseIn(Body):
    building: str = Field(min_length=1, max_length=12)
    unit: str = Field(min_length=1, max_length=12)
    room: str = Field(min_length=1, max_length=12)
    area_m2: float = Field(gt=0, le=5000, description="exclusive-part area (专有部分面积)")
    floor: int | None = Field(default=None, ge=-5, le=200, description="default: from the room number")


class PlaceIn(Body):
    name: str = Field(min_length=1, max_length=40)
    kind: str = Field(default="other", max_length=20)


class StaffIn(Body):
    name: str = Field(min_length=1, max_length=40)
    roles: list[str] = Field(min_length=1, max_length=10)
    trades: list[str] = Field(default_factory=list, max_length=10)
    phone: str = Field(default="", max_length=24)
    wecom_userid: str = Field(default="", max_length=64)
    max_open_tickets: int | None = Field(default=None, ge=1, le=50)


class Contact(Body):
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=1, max_length=24)
    relation: str = Field(default="", max_length=20)


class PersonPatch(Body):
    roles: list[str] | None = Field(default=None, max_length=10)
    trades: list[str] | None = Field(default=None, max_length=10)
    active: bool | None = None
    max_open_tickets: int | None = Field(default=None, ge=1, le=50)
    wecom_userid: str | None = Field(default=None, max_length=64)
    care_labels: list[str] | None = Field(default=None, max_length=4)
    family_contacts: list[Contact] | None = Field(default=None, max_length=5)


class ImportIn(Body):
    csv: str = Field(min_length=1, description="the CSV text (header row first)")


class DecisionIn(Body):
    note: str = Field(default="", max_length=500)


CSV_MEDIA_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel")
# an import reads its body itself, in any of these forms
IMPORT_ACCEPTS = {**{media: {"type": "string", "description": "the CSV text (header row first)"}
                     for media in CSV_MEDIA_TYPES},
                  "application/json": ImportIn, "multipart/form-data": multipart_file("the CSV file")}


# ---- communities (platform admin) ------------------------------------------------------

@endpoint(bp, "/communities", ("GET",), summary="List communities", query=PageQuery, roles={PLATFORM_ADMIN})
def list_communities(query: PageQuery):
    found = directory.list_communities(services().store, current_actor(), query.limit, query.cursor)
    return page_response(found, directory.present_community)


@endpoint(bp, "/communities", ("POST",), summary="Create a community", body=CommunityIn,
          roles={PLATFORM_ADMIN}, idempotent=True, status=201)
def create_community(body: CommunityIn):
    return directory.present_community(directory.create_community(services().store, current_actor(),
                                                                  **body.model_dump()))


# ---- buildings, houses, places ---------------------------------------------------------

@endpoint(bp, "/buildings", ("GET",), summary="List buildings", query=PageQuery, roles=PREMISES_READERS)
def list_buildings(query: PageQuery):
    found = directory.list_buildings(services().store, current_actor(), query.community_id, query.limit,
                                     query.cursor)
    return page_response(found, directory.present_building)


@endpoint(bp, "/buildings", ("POST",), summary="Add a building", body=BuildingIn, query=Scoped,
          roles=DIRECTORY_ADMINS, idempotent=True, status=201)
def create_building(body: BuildingIn, query: Scoped):
    return directory.present_building(directory.create_building(
        services().store, current_actor(), community_id=query.community_id, **body.model_dump()))


@endpoint(bp, "/houses", ("GET",), summary="List houses", query=HouseQuery, roles=PREMISES_READERS)
def list_houses(query: HouseQuery):
    found = directory.list_houses(services().store, current_actor(), query.community_id, query.building,
                                  query.limit, query.cursor)
    return page_response(found, directory.present_house)


@endpoint(bp, "/houses", ("POST",), summary="Add a house", body=HouseIn, query=Scoped, roles=DIRECTORY_ADMINS,
          idempotent=True, status=201)
def create_house(body: HouseIn, query: Scoped):
    return directory.present_house(directory.create_house(
        services().store, current_actor(), community_id=query.community_id, **body.model_dump()))


@endpoint(bp, "/houses/<house_id>", ("GET",), summary="A house and who is bound to it", query=Scoped,
          roles=PREMISES_READERS)
def get_house(house_id: str, query: Scoped):
    store, actor = services().store, current_actor()
    house = directory.get_house(store, actor, house_id)
    occupants = []
    for person in directory.occupants(store, house["community_id"], house_id):
        shown = directory.present_person(person, actor)
        occupants.append({"id": shown["id"], "name": shown["name"], "phone": shown["phone"],
                          "relation": person["relation"]})
    return {**directory.present_house(house), "occupants": occupants}


@endpoint(bp, "/places", ("POST",), summary="Add a public place", body=PlaceIn, query=Scoped,
          roles=DIRECTORY_ADMINS, idempotent=True, status=201)
def create_place(body: PlaceIn, query: Scoped):
    return directory.present_place(directory.create_place(
        services().store, current_actor(), community_id=query.community_id, **body.model_dump()))


# ---- CSV imports ------------------------------------------------------------------------

def _csv_upload() -> bytes | str:
    """The CSV of an import request: a text/csv body, a JSON {"csv": ...} or a form file."""
    if request.is_json:
        data = parse_json(request.get_data())
        try:
            return ImportIn.model_validate(data).csv
        except ValueError:
            raise ValidationFailed("directory.import.no_file")
    if request.mimetype in CSV_MEDIA_TYPES:
        return request.get_data()
    if request.mimetype == "multipart/form-data" and "file" in request.files:
        return request.files["file"].read()
    raise UnsupportedMedia("directory.import.no_file")


def _run_import(run, query: Scoped):
    try:
        # an explicit 200: an Idempotency-Key replay must answer exactly like the first call
        return run(services().store, current_actor(), _csv_upload(), community_id=query.community_id), 200
    except ImportRejected as rejected:
        lang = locale()
        for error in rejected.errors:
            column = i18n.translate(f"directory.column.{error['column']}", lang) if error["column"] else ""
            if column.startswith("directory.column."):
                column = error["column"]        # a header the file invented: show it as written
            error["message"] = i18n.translate(error["message_key"], lang, row=error["row"], column=column,
                                              **error["params"])
        raise


@endpoint(bp, "/import/houses", ("POST",), summary="Import houses from CSV (all rows or none)",
          query=Scoped, roles=DIRECTORY_ADMINS, idempotent=True, accepts=IMPORT_ACCEPTS)
def import_houses(query: Scoped):
    return _run_import(directory.import_houses, query)


@endpoint(bp, "/import/residents", ("POST",), summary="Import residents and bindings from CSV (all or none)",
          query=Scoped, roles=DIRECTORY_ADMINS, idempotent=True, accepts=IMPORT_ACCEPTS)
def import_residents(query: Scoped):
    return _run_import(directory.import_residents, query)


# ---- people and roles -------------------------------------------------------------------

def _people_page(query: PageQuery, kind: str | None):
    actor = current_actor()
    found = directory.list_people(services().store, actor, kind, query.community_id, query.limit,
                                  query.cursor)
    return page_response(found, lambda p: directory.present_person(p, actor))


@endpoint(bp, "/people", ("GET",), summary="List residents and staff", query=PeopleQuery,
          roles=PEOPLE_READERS)
def list_people(query: PeopleQuery):
    return _people_page(query, query.kind)


@endpoint(bp, "/staff", ("GET",), summary="List staff", query=PageQuery, roles=PEOPLE_READERS)
def list_staff(query: PageQuery):
    return _people_page(query, "staff")


@endpoint(bp, "/staff", ("POST",), summary="Add a staff member", body=StaffIn, query=Scoped,
          roles=DIRECTORY_ADMINS, idempotent=True, status=201)
def create_staff(body: StaffIn, query: Scoped):
    actor = current_actor()
    person = directory.create_staff(services().store, actor, community_id=query.community_id,
                                    **body.model_dump())
    return directory.present_person(person, actor)


@endpoint(bp, "/people/<person_id>", ("GET",), summary="A person and their houses", query=Scoped,
          roles=PEOPLE_READERS)
def get_person(person_id: str, query: Scoped):
    store, actor = services().store, current_actor()
    person = directory.get_person(store, actor, person_id)
    houses = directory.houses_of(store, person_id, person["community_id"])
    return {**directory.present_person(person, actor), "houses": [directory.present_house(h) for h in houses]}


def _patch(person_id: str, body: PersonPatch, query: Scoped, staff_only: bool) -> dict:
    store, actor = services().store, current_actor()
    if staff_only and directory.get_person(store, actor, person_id).get("kind") != "staff":
        raise NotFound("directory.person_not_found")
    changes = body.model_dump(exclude_unset=True)
    person = directory.update_person(store, actor, person_id, community_id=query.community_id, **changes)
    return directory.present_person(person, actor)


@endpoint(bp, "/people/<person_id>", ("PATCH",), summary="Change roles, trades, active or care data",
          body=PersonPatch, query=Scoped, roles=DIRECTORY_ADMINS | CARE_EDITORS)
def update_person(person_id: str, body: PersonPatch, query: Scoped):
    return _patch(person_id, body, query, staff_only=False)


@endpoint(bp, "/staff/<person_id>", ("PATCH",), summary="Change a staff member's roles, trades, workload cap",
          body=PersonPatch, query=Scoped, roles=DIRECTORY_ADMINS)
def update_staff(person_id: str, body: PersonPatch, query: Scoped):
    return _patch(person_id, body, query, staff_only=True)


# ---- binding review ---------------------------------------------------------------------

@endpoint(bp, "/bindings", ("GET",), summary="Binding requests to review (or decided ones by state)",
          query=BindingQuery, roles=BINDING_DECIDERS)
def list_bindings(query: BindingQuery):
    store, actor = services().store, current_actor()
    found = directory.list_bindings(store, actor, query.state, query.community_id, query.limit, query.cursor)
    return {"items": directory.describe_bindings(store, found.items, actor), "next_cursor": found.next_cursor}


def _decided(binding: dict) -> dict:
    store, actor = services().store, current_actor()
    return directory.describe_bindings(store, [binding], actor)[0]


@endpoint(bp, "/bindings/<binding_id>/approve", ("POST",), summary="Approve a binding request",
          body=DecisionIn, query=Scoped, roles=BINDING_DECIDERS)
def approve_binding(binding_id: str, body: DecisionIn, query: Scoped):
    return _decided(directory.decide_binding(services().store, current_actor(), binding_id, True, body.note,
                                             query.community_id))


@endpoint(bp, "/bindings/<binding_id>/reject", ("POST",), summary="Reject a binding request",
          body=DecisionIn, query=Scoped, roles=BINDING_DECIDERS)
def reject_binding(binding_id: str, body: DecisionIn, query: Scoped):
    return _decided(directory.decide_binding(services().store, current_actor(), binding_id, False, body.note,
                                             query.community_id))


@endpoint(bp, "/bindings/<binding_id>/revoke", ("POST",), summary="End a binding (moved out, sold)",
          body=DecisionIn, query=Scoped, roles=BINDING_DECIDERS)
def revoke_binding(binding_id: str, body: DecisionIn, query: Scoped):
    return _decided(directory.revoke_binding(services().store, current_actor(), binding_id, body.note,
                                             query.community_id))
