"""Repair service functions, called alike by the mini-program API and the bot.

``check_*`` resolve and validate what a report refers to (the caller's house, a public
place, their own uploads); :class:`RepairService` turns a checked report into a case,
merges duplicates of one public facility, dispatches round-robin categories at once and
renders a case for each kind of viewer. Emergencies come only through
:meth:`RepairService.raise_emergency` (trusted service code, never the public create API).
"""
from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from core import clock
from core.errors import ValidationFailed
from core.roles import SECURITY, STAFF_ROLES, TECHNICIAN, Actor
from core.store import DESC, Page
from workflows import dispatch
from workflows.cases import MAX_PAGE, CasePolicy, CaseService, locked, normalise_key, person_contact
from workflows.engine import apply_event

from .catalogue import EMERGENCY, HOME, MAX_PHOTOS, MAX_PLACE, PUBLIC, category
from .machine import (COLLECTION, DESK, EMERGENCY_HANDLERS, NAME, OPEN_STATES, REOPEN_WINDOW, WORKFLOW,
                      is_emergency, new_sla, repair_roster)
from .settings import DEFAULTS, LIMITS

log = logging.getLogger("linli.repair")

# every staff member of the community may read a repair (security files public ones, grid
# workers verify closures); only the desk and the assignee see reporters' contacts unmasked
POLICY = CasePolicy(workflow=WORKFLOW, open_states=OPEN_STATES, merge_field="facility_key",
                    reopen_window=REOPEN_WINDOW, viewer_roles=STAFF_ROLES)
MAX_WINDOW_AHEAD = timedelta(days=30)


# ---- checks ----------------------------------------------------------------------------------

def check_house(store, actor: Actor, house_id) -> dict:
    """The house, if the caller has an approved binding to it (else 422: not yours)."""
    if not isinstance(house_id, str) or not house_id:
        raise ValidationFailed("error.repair.house_required")
    bindings = store.collection("bindings").find({"person_id": actor.id, "state": "approved"}, limit=50).items
    house = store.collection("houses").get(house_id) if house_id in {b["house_id"] for b in bindings} else None
    if house is None or house.get("community_id") != actor.community_id:
        raise ValidationFailed("error.repair.house_not_yours")
    return house


def check_place(store, actor: Actor, location: dict) -> dict:
    """A public location: a known place of the community, or a short free-text one."""
    place_id = location.get("place_id")
    if place_id:
        place = store.collection("places").get(place_id) if isinstance(place_id, str) else None
        if place is None or place.get("community_id") != actor.community_id:
            raise ValidationFailed("error.repair.place_unknown")
        return {"kind": PUBLIC, "place_id": place["_id"], "place": place.get("name", "")}
    text = location.get("place")
    if not isinstance(text, str) or not normalise_key(text) or len(text) > MAX_PLACE:
        raise ValidationFailed("error.repair.place_required")
    return {"kind": PUBLIC, "place_id": None, "place": text.strip()}


def check_photos(store, actor: Actor, photo_ids) -> list[str]:
    """Upload ids the caller uploaded in this community (at most :data:`MAX_PHOTOS`)."""
    ids = list(dict.fromkeys(photo_ids or []))
    if len(ids) > MAX_PHOTOS or not all(isinstance(i, str) for i in ids):
        raise ValidationFailed("error.repair.photos_invalid")
    found = {u["_id"]: u for u in store.collection("uploads").get_many(ids)}
    for upload_id in ids:
        upload = found.get(upload_id)
        if upload is None or upload.get("owner_id") != actor.id or upload.get("community_id") != actor.community_id:
            raise ValidationFailed("error.repair.photo_not_yours")
    return ids


def check_window(window, now: datetime) -> dict | None:
    """A preferred visiting window: ISO times, start before end, ending in the next 30 days."""
    if not window:
        return None
    try:
        start, end = clock.parse_iso(_as_iso(window["start"])), clock.parse_iso(_as_iso(window["end"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        # OverflowError: a time at the edge of the calendar whose offset moves it past year
        # 1 or 9999 in UTC (9999-12-31T23:00-12:00)
        raise ValidationFailed("error.repair.window_invalid")
    if not start < end or end <= now or end > now + MAX_WINDOW_AHEAD:
        raise ValidationFailed("error.repair.window_invalid")
    return {"start": clock.iso(start), "end": clock.iso(end)}


def _as_iso(value) -> str:
    """An aware time (a datetime or ISO text with an offset) as Linli's UTC text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise TypeError("not a time")
    if value.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous")
    return clock.iso(value)


# ---- the service --------------------------------------------------------------------------------

class RepairService(CaseService):
    """Repairs on the shared case plumbing (see :mod:`workflows.cases`)."""

    def prepare(self, services, actor: Actor, data: dict, now: datetime) -> dict:
        store = services.store
        cat = category(data.get("category"))
        if cat is None:
            raise ValidationFailed("error.repair.category_unknown")
        location = data.get("location")
        kind = location.get("kind") if isinstance(location, dict) else None
        if kind not in cat.locations:
            raise ValidationFailed("error.repair.location_not_allowed")
        if kind == HOME:
            house = check_house(store, actor, location.get("house_id"))
            where = {"kind": HOME, "house_id": house["_id"], "label": house.get("label", ""),
                     "building": house.get("building"), "unit": house.get("unit"), "room": house.get("room")}
            facility_key = None  # a home is never a shared facility: no merging
        else:
            where = check_place(store, actor, location)
            facility_key = f"{cat.code}:{normalise_key(where['place'])}"
        description = str(data.get("description") or "").strip()
        if not description:
            raise ValidationFailed("error.repair.description_required")
        person = store.collection("people").get(actor.id) or {"_id": actor.id, "name": actor.name}
        settings = dispatch.load_settings(store, NAME, actor.community_id, DEFAULTS)
        mode = dispatch.mode_for(settings, cat.code)
        return {
            "category": cat.code, "trade": cat.trade, "priority": cat.priority, "location": where,
            "description": description, "photos": check_photos(store, actor, data.get("photos")),
            "preferred_window": check_window(data.get("preferred_window"), now),
            "facility_key": facility_key, "dispatch_mode": mode,
            "pool": cat.trade if mode == dispatch.GRAB else None,
            "assignee_id": None, "reporter_id": actor.id, "reporter_ids": [actor.id],
            "contacts": [person_contact(person, data.get("contact_phone"))],
            "sla": new_sla(cat.priority, now), "auto_close_days": settings["auto_close_days"],
            "escalation_level": 0, "urge_count": 0, "channel": data.get("channel") or "miniapp",
        }

    def raise_emergency(self, services, actor: Actor, data: dict, now: datetime | None = None) -> dict:
        """File an emergency: a report (same fields and checks as :meth:`create`) with the
        ``emergency`` priority and its alarm ladder, dispatched at once to the duty room.

        For trusted service code only — the bot's safety net now, SOS buttons and device
        alarms later; the public create API has no way to ask for it. An emergency is never
        merged into an open report of the same facility (each alert is answered on its
        own) and is stored before anything else is tried. Returns the case.
        """
        now = now or clock.now()
        fields = self.prepare(services, actor, data, now)
        fields.update(priority=EMERGENCY, sla=new_sla(EMERGENCY, now), dispatch_mode=dispatch.ROUND_ROBIN,
                      pool=None, facility_key=None)
        return self._open(services, fields, actor, now)

    def roster_for(self, store, case: dict) -> dict[str, list[str]]:
        return repair_roster(store, case)

    def after_create(self, services, case: dict, actor: Actor, now: datetime) -> dict:
        """Round-robin categories are assigned at once; with every technician of the trade
        at their cap the case waits for a dispatcher, who is told so (``to_desk``).
        An emergency goes at once to the duty room (see :meth:`_alert`)."""
        if is_emergency(case):
            return self._alert(services, case, now)
        if case["dispatch_mode"] != dispatch.ROUND_ROBIN:
            return case
        settings = dispatch.load_settings(services.store, NAME, case["community_id"], DEFAULTS)
        return self._round_robin(services, case, now, TECHNICIAN, case["trade"], settings["cap"],
                                 ("auto_assign", "round_robin"),
                                 ("to_desk", "round_robin: no technician under the cap"))

    def _alert(self, services, case: dict, now: datetime) -> dict:
        """An emergency goes to the least loaded active security person, whatever their
        workload cap (``alert``); with no security staff the desk and the manager are
        paged to send someone (``alert_desk``). Should even that fail (Redis down, a
        race), the case is already stored and its alarm ladder armed — the warning pages
        the desk within minutes — so the failure is logged, not raised."""
        try:
            return self._round_robin(services, case, now, SECURITY, None, dispatch.DEFAULT_CAP,
                                     ("alert", "duty room: round robin among security staff"),
                                     ("alert_desk", "duty room: no security staff on duty"), capped=False)
        except Exception:
            log.critical("emergency %s could not be dispatched; its deadlines will page the desk",
                         case.get("number"), exc_info=True)
            return case

    def _round_robin(self, services, case: dict, now: datetime, role: str, trade: str | None, cap: int,
                     assigned: tuple[str, str], nobody: tuple[str, str], capped: bool = True) -> dict:
        """Give the case to the next ``role`` (of ``trade``) by round robin and fire the
        ``assigned`` event, or the ``nobody`` one when no one can take it; each is an
        ``(event, history note)`` pair."""
        community_id = case["community_id"]
        # two reports at once must not both see the same person as the least loaded
        with locked(services, "dispatch", "round_robin", community_id, trade or role):
            person = dispatch.pick_round_robin(services, COLLECTION, community_id, trade, OPEN_STATES, cap,
                                               role=role, capped=capped)
            system = Actor.system(community_id)
            if person is None:
                event, note = nobody
                payload = {"note": note}
            else:
                event, note = assigned
                payload = {"assignee_id": person["_id"], "note": note}
            return apply_event(services.store, WORKFLOW, case["_id"], event, system, payload, now=now)

    def queue_filter(self, actor: Actor, scope: str | None, states: list[str]) -> dict | None:
        """Besides the default queues, whoever may hold an emergency (security staff) lists
        the cases given to them with ``?scope=mine`` (without it, the ones they reported)."""
        found = super().queue_filter(actor, scope, states)
        if found is None and actor.is_staff and actor.has(*EMERGENCY_HANDLERS) and scope == "mine":
            return {"assignee_id": actor.id, "state": {"$in": states or sorted(OPEN_STATES)}}
        return found

    def list(self, services, actor: Actor, scope: str | None = None, state: str | None = None,
             cursor: str | None = None, limit: int = 20) -> Page:
        """The default lists; in the community queue of dispatchers and managers every open
        emergency comes first, on the first page, and is left out of the pages after it."""
        page = super().list(services, actor, scope=scope, state=state, cursor=cursor, limit=limit)
        if not self.whole_queue(actor, scope):
            return page
        wanted = [s for s in (self._states(state) or sorted(OPEN_STATES)) if s in OPEN_STATES]
        if not wanted:
            return page
        alarms = services.store.collection(COLLECTION).find(
            {"community_id": actor.community_id, "priority": EMERGENCY, "state": {"$in": wanted}},
            sort=[("created_at", DESC)], limit=MAX_PAGE).items
        pinned = {case["_id"] for case in alarms}
        rest = [case for case in page.items if case["_id"] not in pinned]
        return Page(alarms + rest if cursor is None else rest, page.next_cursor)

    def offered(self, case: dict, actor: Actor, actions: list[str]) -> list[str]:
        refused = set()
        if case.get("rating"):
            refused.add("rate")
        resolved_at = case.get("resolved_at")
        if resolved_at and clock.now() - clock.parse_iso(resolved_at) > REOPEN_WINDOW:
            refused.update({"reopen", "rate"})
        if len(case.get("reporter_ids", [])) > 1 and not actor.has(*DESK):
            refused.add("cancel")
        if case.get("pool") not in actor.trades:
            refused.add("grab")
        return [action for action in actions if action not in refused]

    def acting(self, services, actor: Actor, case: dict, event: str, payload: dict):
        if event == "grab":
            return dispatch.capacity_lock(services, case["community_id"], actor.id)
        return contextlib.nullcontext()

    def render_fields(self, case: dict, actor: Actor, full: bool) -> dict:
        location = dict(case.get("location") or {})
        if location.get("kind") == HOME and not (full or actor.id == case.get("reporter_id")):
            # a technician not (yet) on the job sees the building and unit, not the door
            location = {"kind": HOME, "building": location.get("building"), "unit": location.get("unit"),
                        "room": "***", "label": f"{location.get('building')}-{location.get('unit')}-***"}
        sla = case.get("sla") or {}
        fields = {
            "category": case.get("category"), "trade": case.get("trade"), "priority": case.get("priority"),
            "location": location, "description": case.get("description"), "photos": list(case.get("photos", [])),
            "preferred_window": case.get("preferred_window"), "dispatch_mode": case.get("dispatch_mode"),
            "in_pool": bool(case.get("pool")), "merged": len(case.get("reporter_ids", [])) > 1,
            "sla": {"response_due_at": sla.get("response"), "completion_due_at": sla.get("completion")},
            "urge_count": case.get("urge_count", 0), "reopen_count": case.get("reopen_count", 0),
            "resolved_at": case.get("resolved_at"), "closed_at": case.get("closed_at"),
            "auto_closed": bool(case.get("auto_closed")),
        }
        if actor.is_staff:
            fields["return_reason"] = case.get("return_reason")
        return fields

    # -- settings --------------------------------------------------------------------------------
    def settings(self, services, actor: Actor) -> dict:
        return dispatch.load_settings(services.store, NAME, actor.community_id, DEFAULTS)

    def update_settings(self, services, actor: Actor, changes: dict, expected_version: int | None = None) -> dict:
        for key, (low, high) in LIMITS.items():
            value = changes.get(key)
            if value is not None and not (isinstance(value, int) and low <= value <= high):
                raise ValidationFailed("error.settings_out_of_range", key=key, low=low, high=high)
        changes = {k: v for k, v in changes.items() if v is not None}
        return dispatch.save_settings(services.store, NAME, actor.community_id, changes, DEFAULTS, actor,
                                      expected_version=expected_version)


SERVICE = RepairService(POLICY)
