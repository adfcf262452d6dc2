"""The caller's own record: ``/api/v1/me`` (person, houses, roles), house binding
requests (``/api/v1/me/bindings``) and the community's public places.

Thin views over :mod:`core.directory`; the phone number is shown unmasked here because
it is the caller's own.
"""
from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import directory
from core.api import Cursor, current_actor, endpoint, page_response, services
from core.errors import NotFound, Unauthorized

bp = Blueprint("people", __name__, url_prefix="/api/v1")


class BindingRequest(BaseModel):
    """Name the house by ``house_id`` or by ``building`` + ``unit`` + ``room`` (e.g. 3, 2, 501)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    relation: str = Field(min_length=1, max_length=12, description="owner | co_owner | family | tenant")
    house_id: str | None = Field(default=None, min_length=1, max_length=64)
    building: str | None = Field(default=None, min_length=1, max_length=12)
    unit: str | None = Field(default=None, min_length=1, max_length=12)
    room: str | None = Field(default=None, min_length=1, max_length=12)

    @model_validator(mode="after")
    def names_a_house(self):
        if not self.house_id and not (self.building and self.unit and self.room):
            raise ValueError("give house_id, or building, unit and room")
        return self


class PlacesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    limit: int = Field(default=100, ge=1, le=100)
    cursor: Cursor | None = None


def _my_bindings(store, person_id: str) -> list[dict]:
    mine = directory.bindings_of(store, person_id, state=None)
    return directory.describe_bindings(store, mine, current_actor())


@endpoint(bp, "/me", ("GET",), summary="The caller: person, community, houses, roles")
def me():
    store, actor = services().store, current_actor()
    person = store.collection("people").get(actor.id)
    if person is None:      # deleted between authentication and now
        raise Unauthorized("error.token_invalid")
    community = store.collection("communities").get(actor.community_id) if actor.community_id else None
    houses = directory.houses_of(store, actor.id, actor.community_id) if actor.community_id else []
    return {"person": directory.present_person(person, actor),
            "community": directory.present_community(community) if community else None,
            "houses": [directory.present_house(h) for h in houses],
            "roles": sorted(actor.roles),
            "bindings": [b for b in _my_bindings(store, actor.id) if b["state"] == "requested"]}


@endpoint(bp, "/me/bindings", ("GET",), summary="The caller's house bindings, every state")
def my_bindings():
    return {"items": _my_bindings(services().store, current_actor().id)}


@endpoint(bp, "/me/bindings", ("POST",), summary="Ask to be bound to a house (staff review it)",
          body=BindingRequest, roles={"resident"}, idempotent=True, status=201,
          other_statuses={200: "The caller had asked for this house before: that request, asked again"})
def request_binding(body: BindingRequest):
    store, actor = services().store, current_actor()
    binding, created = directory.request_binding(store, actor, **body.model_dump())
    return directory.describe_bindings(store, [binding], actor)[0], 201 if created else 200


@endpoint(bp, "/me/bindings/<binding_id>", ("DELETE",), summary="Withdraw a request or end one's own binding")
def withdraw_binding(binding_id: str):
    store, actor = services().store, current_actor()
    if not binding_id.startswith(f"{actor.id}:"):
        raise NotFound("directory.binding_not_found")
    binding = directory.revoke_binding(store, actor, binding_id)
    return directory.describe_bindings(store, [binding], actor)[0]


@endpoint(bp, "/places", ("GET",), summary="Public places of the caller's community", query=PlacesQuery)
def places(query: PlacesQuery):
    found = directory.list_places(services().store, current_actor(), None, query.limit, query.cursor)
    return page_response(found, directory.present_place)
