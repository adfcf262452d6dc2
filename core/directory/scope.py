"""Who may touch which community's directory, and the small storage helpers every
directory module shares (scoped fetch, paging, compare-and-set with retry).

Scope rule: a person acts in their own community only. Another community's document is
*not found* (404), never *forbidden* (403), so ids cannot be probed for existence. The
platform admin (street office IT) has no community and names the one it acts in.
"""
from __future__ import annotations

import hashlib
from typing import Callable

from core.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import (ADMIN, DISPATCHER, GRID_WORKER, MANAGER, PLATFORM_ADMIN, RESIDENTS_COMMITTEE,
                        STAFF_ROLES, STREET_OFFICE, SYSTEM, Actor)

# change buildings, houses, places, staff and run imports
DIRECTORY_ADMINS = frozenset({ADMIN, MANAGER, PLATFORM_ADMIN})
# decide residents' binding requests (the customer desk does this day to day)
BINDING_DECIDERS = frozenset({ADMIN, MANAGER, DISPATCHER, PLATFORM_ADMIN})
# read buildings and houses (every staff member works with addresses)
PREMISES_READERS = STAFF_ROLES | {PLATFORM_ADMIN}
# read the people list of a community
PEOPLE_READERS = frozenset({ADMIN, MANAGER, DISPATCHER, GRID_WORKER, RESIDENTS_COMMITTEE, STREET_OFFICE,
                            PLATFORM_ADMIN})
# see phone numbers unmasked: those who call residents as part of their job
PHONE_READERS = frozenset({ADMIN, MANAGER, DISPATCHER, GRID_WORKER, RESIDENTS_COMMITTEE})


def require(actor: Actor, roles: frozenset[str] | set[str]) -> None:
    """Raise 403 unless the actor holds one of ``roles``."""
    if not actor.has(*roles):
        raise Forbidden("error.role_required")


def community_of(store, actor: Actor, community_id: str | None = None) -> str:
    """The community ``actor`` acts in for this call.

    A community-bound actor always gets its own community; naming another one is a 404.
    The platform admin and the system must name an existing community.
    """
    if actor.community_id:
        if community_id and community_id != actor.community_id:
            raise NotFound("directory.community_not_found")
        return actor.community_id
    if not actor.has(PLATFORM_ADMIN, SYSTEM):
        raise Forbidden("error.role_required")
    if not community_id:
        raise ValidationFailed("directory.community_required")
    if store.collection("communities").get(community_id) is None:
        raise NotFound("directory.community_not_found")
    return community_id


def scope_id(scope) -> str | None:
    """``None`` means every community (platform admin or system); else the one community.

    Passing a bare ``None`` is refused on purpose: a forgotten community id must fail
    loudly instead of quietly widening a query to every tenant.
    """
    if isinstance(scope, Actor):
        if scope.community_id:
            return scope.community_id
        if scope.has(PLATFORM_ADMIN, SYSTEM):
            return None
        raise Forbidden("error.role_required")
    if isinstance(scope, str) and scope:
        return scope
    raise TypeError("scope must be an Actor or a community id")


def fetch(store, collection: str, scope, doc_id: str, missing: str) -> dict:
    """A document of the scope's community, or 404 with the message key ``missing``."""
    doc = store.collection(collection).get(doc_id) if isinstance(doc_id, str) and doc_id else None
    community = scope_id(scope)
    if doc is None or (community is not None and doc.get("community_id") != community):
        raise NotFound(missing)
    return doc


def page(store, collection: str, filter: dict, sort, limit: int, cursor: str | None):
    """One page of a list; a tampered cursor is the caller's 400, not our 500."""
    try:
        return store.collection(collection).find(filter, sort=sort, limit=limit, cursor=cursor)
    except ValueError:
        raise BadRequest("error.bad_cursor")


def update(store, collection: str, doc_id: str, change: Callable[[dict], None], attempts: int = 5) -> dict:
    """Read, ``change`` in place, compare-and-set; re-read and retry when another writer won.

    ``change`` must be safe to run again on a fresher copy (set roles, not toggle them).
    """
    coll = store.collection(collection)
    for _ in range(attempts):
        doc = coll.get(doc_id)
        if doc is None:
            raise NotFound("error.not_found")
        version = doc["version"]
        change(doc)
        if coll.replace(doc, version):
            return doc
    raise Conflict("error.conflict")


def natural_id(prefix: str, *parts: str) -> str:
    """A deterministic, opaque id for a natural key (community + building + unit + room).

    Deterministic so that two concurrent creates of one house collide on ``_id`` (the
    store's only uniqueness guarantee); hashed so that an id seen in a URL or a case does
    not spell out which room somebody lives in.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    return f"{prefix}{digest}"
