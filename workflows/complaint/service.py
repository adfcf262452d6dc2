"""Complaint service: what the mini-program API and the bot call, on the shared case
plumbing (:mod:`workflows.cases`).

What is particular to complaints:

- **routing**: the category decides the level (property or residents' committee), per
  community (:mod:`.policy`); handlers list the queue of the level(s) they work;
- **anonymity**: an anonymous complainant's identity (name, phone, room, person id) is
  shown to nobody below the street office, and to the street office only once the
  complaint has climbed to it; everyone else sees 匿名居民. The complainant always sees
  their own case and is notified like anyone else;
- **rating**: ``rate`` is the complainant's one button — 3–5 confirms, 1–2 reopens.
"""
from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from core import i18n
from core.errors import ValidationFailed
from core.roles import Actor

from ..cases import CasePolicy, CaseService, person_contact
from ..dispatch import save_settings
from . import policy
from .machine import OPEN_STATES, WORKFLOW
from .schemas import ComplaintIn, PlaceIn

POLICY = CasePolicy(workflow=WORKFLOW, open_states=OPEN_STATES, queue_roles=frozenset(),
                    viewer_roles=policy.HANDLER_ROLES, contact_roles=frozenset(), handler_role=None,
                    hidden_events=frozenset(), roster_roles=policy.ROSTER_ROLES)


def _invalid(field: str, problem: str = "not_found") -> ValidationFailed:
    return ValidationFailed("error.validation_failed", details={"fields": [
        {"field": field, "problem": problem, "message": problem}]})


def parse_intake(data: dict) -> ComplaintIn:
    """A complaint from a plain dict (the bot's slots), with the API's 422 on bad input."""
    try:
        return ComplaintIn.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("error.validation_failed", details={"fields": [
            {"field": ".".join(str(p) for p in err["loc"]), "problem": err["type"], "message": err["msg"]}
            for err in exc.errors(include_url=False, include_context=False, include_input=False)]})


def check_place(store, actor: Actor, place: PlaceIn, own_house_ids: set[str]) -> dict:
    """The stored place: a house of the caller's community (any house — noise comes from
    the neighbours), a registered public place, or a named one."""
    if place.kind == "house":
        house = store.collection("houses").get(place.house_id)
        if house is None or house.get("community_id") != actor.community_id:
            raise _invalid("place.house_id")
        return {"kind": "house", "house_id": house["_id"], "label": house.get("label", ""),
                "building": house.get("building", ""), "unit": house.get("unit", ""),
                "reporter_lives_here": house["_id"] in own_house_ids}
    if place.place_id:
        found = store.collection("places").get(place.place_id)
        if found is None or found.get("community_id") != actor.community_id:
            raise _invalid("place.place_id")
        return {"kind": "public", "place_id": found["_id"], "label": found.get("name", "")}
    return {"kind": "public", "place_id": None, "label": place.name}


def check_photos(store, actor: Actor, photo_ids: list[str]) -> list[str]:
    """Photos must be uploads the caller made in this community (no borrowing others' files)."""
    ids = list(dict.fromkeys(photo_ids))
    found = {u["_id"]: u for u in store.collection("uploads").get_many(ids)}
    for index, upload_id in enumerate(ids):
        upload = found.get(upload_id)
        if upload is None or upload.get("community_id") != actor.community_id or upload.get("owner_id") != actor.id:
            raise _invalid(f"photos.{index}")
    return ids


def own_houses(store, actor: Actor) -> dict[str, str]:
    """``{house id: label}`` of the caller's approved bindings."""
    bindings = store.collection("bindings").find({"person_id": actor.id, "state": "approved"}, limit=50).items
    houses = store.collection("houses").get_many(b["house_id"] for b in bindings)
    return {h["_id"]: h.get("label", "") for h in houses if h.get("community_id") == actor.community_id}


class ComplaintService(CaseService):
    """Complaints on the shared case plumbing; see the module docstring for what differs."""

    # -- creating -----------------------------------------------------------------------------
    def prepare(self, services, actor: Actor, data: dict, now: datetime) -> dict:
        store = services.store
        intake = parse_intake(data)
        homes = own_houses(store, actor)
        rules = policy.policy_for(store, actor.community_id)
        level = rules.level_for(intake.category)
        person = store.collection("people").get(actor.id) or {"_id": actor.id, "name": actor.name}
        return {
            "category": intake.category, "description": intake.description,
            "place": check_place(store, actor, intake.place, set(homes)),
            "photos": check_photos(store, actor, intake.photos), "anonymous": intake.anonymous,
            "reporter_id": actor.id, "reporter_ids": [actor.id],
            "contacts": [{**person_contact(person, intake.contact_phone), "rooms": sorted(homes.values())}],
            "handler_role": level, "escalation_level": 0, "escalations": [], "sla": rules.sla_for(level),
            "auto_close_days": rules.auto_close_days, "assignee_id": None, "replies": [], "rating": None,
            "urge_count": 0, "reopen_count": 0,
        }

    # -- reading ------------------------------------------------------------------------------
    def queue_filter(self, actor: Actor, scope: str | None, states: list[str]) -> dict | None:
        """Handlers get the queue of the level(s) they work (property, residents' committee,
        street office: escalated ones); everyone else their own complaints."""
        levels = policy.levels_of(actor.roles) if actor.is_staff else []
        if not levels:
            return None
        query = {"handler_role": levels[0] if len(levels) == 1 else {"$in": levels}}
        if states:
            query["state"] = {"$in": states}
        return query

    @staticmethod
    def holds(case: dict, actor: Actor) -> bool:
        """Is the actor on the level that holds the complaint now (or the one who accepted it)?"""
        return actor.id == case.get("assignee_id") or (
            actor.is_staff and actor.has(*policy.LEVEL_ROLES[case["handler_role"]]))

    def sees_personal_data(self, case: dict, actor: Actor) -> bool:
        """The holding level may call the complainant back — unless they asked for anonymity,
        which only the street office may lift."""
        if case.get("anonymous"):
            return self.holds(case, actor) and case["handler_role"] == policy.STREET
        return self.holds(case, actor)

    def view(self, case: dict, actor: Actor, locale: str | None = None) -> dict:
        rendered = super().view(case, actor, locale)
        own = actor.id in case.get("reporter_ids", [])
        if case.get("anonymous") and not (own or self.sees_personal_data(case, actor)):
            self._hide_identity(rendered, case, locale or actor.locale)
        if "confirm" in rendered["actions"]:
            rendered["actions"] = sorted(rendered["actions"] + ["rate"])
        return rendered

    @staticmethod
    def _hide_identity(rendered: dict, case: dict, locale: str) -> None:
        """Not even a masked name: a surname or four phone digits identify a neighbour."""
        anonymous = i18n.translate("complaint.anonymous_reporter", locale)
        rendered["contacts"] = []
        rendered.pop("reporter_ids", None)
        for shown, entry in zip(rendered["history"], case.get("history", [])):
            if entry.get("actor_id") in case.get("reporter_ids", []):
                shown.update(actor_id=None, actor_name=anonymous, role="resident")

    def render_fields(self, case: dict, actor: Actor, full: bool) -> dict:
        own = actor.id in case.get("reporter_ids", [])
        place = dict(case.get("place") or {})
        lives_here = place.pop("reporter_lives_here", False)
        if own:
            place["reporter_lives_here"] = lives_here
        elif place.get("kind") == "house" and (not self.holds(case, actor) or (lives_here and not full)):
            # a home's door is for the level acting on it; and an anonymous complainant's own
            # door would name the complainant
            place.update(house_id=None, label=f"{place.get('building')}-{place.get('unit')}-***")
        return {
            "category": case.get("category"), "description": case.get("description"), "place": place,
            "photos": list(case.get("photos", [])), "anonymous": bool(case.get("anonymous")),
            "handler_role": case.get("handler_role"),
            "escalations": [{k: e.get(k) for k in ("at", "from", "to")} for e in case.get("escalations", [])],
            "replies": list(case.get("replies", [])), "sla": dict(case.get("sla") or {}),
            "urge_count": case.get("urge_count", 0), "reopen_count": case.get("reopen_count", 0),
            **{name: case.get(name) for name in ("accepted_at", "replied_at", "confirmed_at", "reopened_at",
                                                 "closed_at", "withdrawn_at")},
        }

    # -- acting -------------------------------------------------------------------------------
    def act(self, services, actor: Actor, case_id: str, event: str, payload: dict | None = None,
            expected_version: int | None = None, now: datetime | None = None) -> dict:
        """Besides the workflow's events, ``rate`` (3–5 confirms, 1–2 reopens); reply photos
        must be the handler's own uploads."""
        payload = dict(payload or {})
        if event == "rate":
            rating = payload.get("rating")
            if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
                raise ValidationFailed("error.rating_invalid")
            event = "confirm" if rating >= 3 else "reopen"
        if payload.get("photos"):
            payload["photos"] = check_photos(services.store, actor, payload["photos"])
        return super().act(services, actor, case_id, event, payload, expected_version=expected_version, now=now)


    # -- settings -----------------------------------------------------------------------------
    def settings(self, services, actor: Actor) -> dict:
        """The routing, level SLAs and auto-close days in force in the caller's community."""
        rules = policy.policy_for(services.store, actor.community_id)
        return {"routing": rules.routing, "sla": rules.sla, "auto_close_days": rules.auto_close_days,
                "version": rules.version}

    def update_settings(self, services, actor: Actor, changes: dict, expected_version: int | None = None) -> dict:
        """Store a community's overrides (shape checked by :class:`.schemas.ComplaintSettingsIn`);
        complaints already filed keep the level and SLA they have until they escalate."""
        save_settings(services.store, policy.SETTINGS_NAME, actor.community_id, changes, policy.DEFAULTS, actor,
                      expected_version=expected_version)
        return self.settings(services, actor)


SERVICE = ComplaintService(POLICY)
