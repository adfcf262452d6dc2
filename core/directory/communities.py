"""Communities (小区): created by the platform admin, one deployment serves many."""
from __future__ import annotations

import re

from core import clock
from core.errors import Conflict, NotFound
from core.roles import PLATFORM_ADMIN, Actor

from . import fields
from .scope import page, require, scope_id

_COMMUNITY_CODE = re.compile(r"^[A-Z0-9_-]{2,32}$")


def _community_code(value) -> str:
    code = fields.text(value, 32).upper()
    if not _COMMUNITY_CODE.match(code):
        raise fields.FieldError("invalid")
    return code


def create_community(store, actor: Actor, name: str, code: str, city: str = "", district: str = "",
                     street: str = "", community_id: str | None = None) -> dict:
    """Create a community; ``code`` (e.g. ``YGHY``) is unique across the deployment.

    ``community_id`` lets the demo loader use a natural key; everyone else gets a fresh id.
    """
    require(actor, {PLATFORM_ADMIN})
    doc = {"_id": community_id or clock.new_id("c"),
           "name": fields.checked("name", fields.text, name, 60),
           "code": fields.checked("code", _community_code, code),
           "city": fields.checked("city", fields.text, city, 40, required=False),
           "district": fields.checked("district", fields.text, district, 40, required=False),
           "street": fields.checked("street", fields.text, street, 40, required=False),
           "created_at": clock.now_iso(), "created_by": actor.id}
    communities = store.collection("communities")
    with store.transaction():
        if communities.count({"code": doc["code"]}):
            raise Conflict("directory.community_code_taken", code=doc["code"])
        return communities.insert(doc)


def get_community(store, scope, community_id: str) -> dict:
    """A community the scope may see: its own, or any for the platform admin."""
    allowed = scope_id(scope)
    doc = store.collection("communities").get(community_id) if community_id else None
    if doc is None or (allowed is not None and community_id != allowed):
        raise NotFound("directory.community_not_found")
    return doc


def list_communities(store, actor: Actor, limit: int = 50, cursor: str | None = None):
    require(actor, {PLATFORM_ADMIN})
    return page(store, "communities", {}, [("_id", 1)], limit, cursor)
