"""People: residents and staff of a community, their roles, trades and care labels, and
the look-ups other workflows use to find who should act (``staff_with``) or who is
writing (``find_person_by_openid``, ``find_staff_by_wecom_userid``).

Role rules decided here:
- staff carry staff roles only; ``trades`` only with ``technician``;
- granting or removing ``admin``/``street_office`` takes an admin (a manager cannot make admins);
- residents may additionally be ``owners_committee`` (owners only: 业委会 members are elected
  owners) or ``volunteer``; ``owner`` itself is never set by hand, it follows approved
  owner bindings (:mod:`.bindings`).
"""
from __future__ import annotations

from core import clock
from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import (ADMIN, GRID_WORKER, MANAGER, OWNER, OWNERS_COMMITTEE, PLATFORM_ADMIN, RESIDENT,
                        RESIDENTS_COMMITTEE, STAFF_ROLES, STREET_OFFICE, TECHNICIAN, TRADES, VOLUNTEER, Actor)
from core.store import DuplicateKey

from . import fields
from .scope import DIRECTORY_ADMINS, PEOPLE_READERS, community_of, fetch, page, require, update

RESIDENT_EXTRA_ROLES = frozenset({OWNERS_COMMITTEE, VOLUNTEER})
# roles only an admin may hand out or take away
GUARDED_ROLES = frozenset({ADMIN, STREET_OFFICE})
CARE_EDITORS = frozenset({ADMIN, MANAGER, GRID_WORKER, RESIDENTS_COMMITTEE, PLATFORM_ADMIN})
MAX_FAMILY_CONTACTS = 5


def new_person(community_id: str, kind: str, name: str, roles, person_id: str | None = None, **extra) -> dict:
    """The one shape of a person document (the importer, the demo and staff creation use it)."""
    return {"_id": person_id or clock.new_id("p"), "community_id": community_id, "kind": kind, "name": name,
            "roles": sorted(set(roles)), "trades": [], "care_labels": [], "locale": "zh_CN", "active": True,
            "created_at": clock.now_iso(), **extra}


# ---- look-ups for other workflows -------------------------------------------------------

def get_person(store, scope, person_id: str) -> dict:
    """A person of the scope's community (an Actor or a community id); else 404."""
    return fetch(store, "people", scope, person_id, "directory.person_not_found")


def find_person_by_openid(store, openid: str) -> dict | None:
    """The person a mini-program / official-account openid belongs to (unique per deployment)."""
    if not openid:
        return None
    found = store.collection("people").find({"openid": openid}, limit=1).items
    return found[0] if found else None


def find_staff_by_wecom_userid(store, community_id: str | None, userid: str) -> dict | None:
    """The active staff member with this WeCom userid.

    With ``community_id=None`` (a WeCom callback that knows only the userid) the userid
    must name exactly one active staff member across the deployment; when it is
    ambiguous (one person employed in two communities) None is returned and the caller
    has to ask which community is meant.
    """
    if not userid:
        return None
    filter = {"wecom_userid": userid}
    if community_id:
        filter["community_id"] = community_id
    found = [p for p in store.collection("people").find(filter, limit=20).items
             if p.get("kind") == "staff" and p.get("active", True)]
    return found[0] if len(found) == 1 else None


def staff_with(store, community_id: str, role: str | None = None, trade: str | None = None) -> list[dict]:
    """Active staff of one community, optionally holding ``role`` and/or ``trade``."""
    if not community_id:
        raise TypeError("staff_with needs a community id")
    staff = store.collection("people").find({"community_id": community_id, "kind": "staff"},
                                            sort=[("created_at", 1)]).items
    return [p for p in staff if p.get("active", True)
            and (role is None or role in p.get("roles", []))
            and (trade is None or trade in p.get("trades", []))]


# ---- staff and role management ----------------------------------------------------------

def _check_roles(actor: Actor, kind: str, roles, before: set[str]) -> list[str]:
    wanted = {str(r) for r in roles}
    if kind == "staff":
        allowed = STAFF_ROLES
        if not wanted:
            raise ValidationFailed("directory.roles_required", details={"fields": [{"field": "roles",
                                                                                   "problem": "required"}]})
    else:
        allowed = RESIDENT_EXTRA_ROLES
        wanted |= before & {RESIDENT, OWNER}          # derived roles stay as they are
        allowed = allowed | {RESIDENT, OWNER}
        if OWNER in wanted - before:
            raise ValidationFailed("directory.owner_role_from_binding")
        if OWNERS_COMMITTEE in wanted - before and OWNER not in before:
            raise ValidationFailed("directory.committee_needs_owner")
    unknown = sorted(wanted - allowed)
    if unknown:
        raise ValidationFailed("directory.role_not_allowed", role=", ".join(unknown), details={
            "fields": [{"field": "roles", "problem": "invalid", "roles": unknown}]})
    if (wanted ^ before) & GUARDED_ROLES and not actor.has(ADMIN, PLATFORM_ADMIN):
        raise Forbidden("directory.admin_grants_admin")
    return sorted(wanted)


def _check_trades(roles: list[str], trades) -> list[str]:
    trades = sorted({str(t) for t in trades or []})
    bad = [t for t in trades if t not in TRADES]
    if bad:
        raise ValidationFailed("directory.trade_unknown", trade=", ".join(bad),
                               details={"fields": [{"field": "trades", "problem": "invalid", "trades": bad}]})
    if trades and TECHNICIAN not in roles:
        raise ValidationFailed("directory.trades_need_technician")
    return trades


def _workload_cap(value) -> int:
    """How many open tickets a technician may hold before dispatch passes them over."""
    return fields.checked("max_open_tickets", fields.integer, value, 1, 50)


def _check_wecom_userid(store, community_id: str, userid: str, person_id: str | None) -> None:
    holder = store.collection("people").find({"community_id": community_id, "wecom_userid": userid},
                                             limit=1).items
    if holder and holder[0]["_id"] != person_id:
        raise Conflict("directory.wecom_userid_taken", userid=userid)


def create_staff(store, actor: Actor, name, roles, trades=(), phone="", wecom_userid="",
                 max_open_tickets: int | None = None, community_id: str | None = None,
                 person_id: str | None = None) -> dict:
    """Add a staff member; ``wecom_userid`` (how they get work in WeCom) is unique per community."""
    require(actor, DIRECTORY_ADMINS)
    cid = community_of(store, actor, community_id)
    role_list = _check_roles(actor, "staff", roles, set())
    doc = new_person(cid, "staff", fields.checked("name", fields.text, name, 40), role_list,
                     person_id=person_id, trades=_check_trades(role_list, trades))
    number = fields.checked("phone", fields.phone, phone, required=False)
    userid = fields.checked("wecom_userid", fields.wecom_userid, wecom_userid)
    if number:
        doc["phone"] = number
    if userid:
        doc["wecom_userid"] = userid
    if max_open_tickets is not None:
        doc["max_open_tickets"] = _workload_cap(max_open_tickets)
    with store.transaction():
        if userid:
            _check_wecom_userid(store, cid, userid, None)
        try:
            return store.collection("people").insert(doc)
        except DuplicateKey:
            raise Conflict("error.conflict")


def update_person(store, actor: Actor, person_id: str, *, roles=None, trades=None, active: bool | None = None,
                  max_open_tickets: int | None = None, care_labels=None, family_contacts=None,
                  wecom_userid: str | None = None, community_id: str | None = None) -> dict:
    """Change roles, trades, active flag, workload cap, WeCom userid or care data of a person.

    ``None`` leaves a field alone. Care labels and family contacts may also be edited by
    the grid worker and the residents' committee (they keep the care register).
    """
    admin_change = any(v is not None for v in (roles, trades, active, max_open_tickets, wecom_userid))
    require(actor, DIRECTORY_ADMINS if admin_change else CARE_EDITORS)
    cid = community_of(store, actor, community_id)
    person = get_person(store, cid, person_id)
    new_roles = person.get("roles", [])
    if roles is not None:
        new_roles = _check_roles(actor, person["kind"], roles, set(new_roles))
        if actor.id == person_id and ADMIN in person.get("roles", []) and ADMIN not in new_roles:
            raise Conflict("directory.cannot_drop_own_admin")
    changes: dict = {}
    if roles is not None:
        changes["roles"] = new_roles
    if trades is not None or roles is not None:
        if person["kind"] == "staff":
            keep = person.get("trades", []) if trades is None else trades
            changes["trades"] = _check_trades(new_roles, keep)
        elif trades:
            raise ValidationFailed("directory.trades_need_technician")
    if active is not None:
        if actor.id == person_id and not active:
            raise Conflict("directory.cannot_deactivate_self")
        changes["active"] = bool(active)
    if max_open_tickets is not None:
        changes["max_open_tickets"] = _workload_cap(max_open_tickets)
    if wecom_userid is not None:
        userid = fields.checked("wecom_userid", fields.wecom_userid, wecom_userid)
        if userid:
            _check_wecom_userid(store, cid, userid, person_id)
        changes["wecom_userid"] = userid or None
    if care_labels is not None:
        changes["care_labels"] = fields.checked("care_labels", fields.care_labels, ";".join(care_labels))
    if family_contacts is not None:
        changes["family_contacts"] = _check_contacts(family_contacts)

    def apply(doc: dict) -> None:
        doc.update(changes)
        doc["updated_at"] = clock.now_iso()
        doc["updated_by"] = actor.id

    return update(store, "people", person_id, apply)


def _check_contacts(contacts) -> list[dict]:
    if len(contacts) > MAX_FAMILY_CONTACTS:
        raise ValidationFailed("directory.too_many_contacts", limit=MAX_FAMILY_CONTACTS)
    return [{"name": fields.checked("family_contacts.name", fields.text, c.get("name"), 40),
             "phone": fields.checked("family_contacts.phone", fields.phone, c.get("phone")),
             "relation": fields.checked("family_contacts.relation", fields.text, c.get("relation"), 20,
                                        required=False)} for c in contacts]


def list_people(store, actor: Actor, kind: str | None = None, community_id: str | None = None,
                limit: int = 50, cursor: str | None = None):
    """People of the community, newest first; ``kind`` = ``resident`` or ``staff``."""
    require(actor, PEOPLE_READERS)
    cid = community_of(store, actor, community_id)
    filter = {"community_id": cid}
    if kind:
        filter["kind"] = fields.checked("kind", fields.choice, kind, ("resident", "staff"))
    return page(store, "people", filter, [("created_at", -1)], limit, cursor)
