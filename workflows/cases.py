"""Case plumbing shared by every workflow whose cases residents report and staff handle
(repairs, complaints, volunteer tasks): one :class:`CaseService` per workflow that the
mini-program API and the bot both call.

What is common lives here, once:

- **creating** a case together with its ``reports`` link (the "my cases" index), and
  **merging** a duplicate report into the one open case with the same merge key;
- **who sees what**: reporters, the assignee and the community's staff see a case, anyone
  else gets a 404; personal data (phones, rooms, other residents' names) is masked
  unless the viewer handles the case (:meth:`CaseService.view`);
- **lists**: a resident's own cases (merged ones included), a handler's queue
  (``mine`` / ``pool``), the community queue for dispatchers and managers;
- **acting**: :meth:`CaseService.act` fires an engine event after the visibility check,
  with the urge rate limit (at most once per interval per person and case);
- reusable **guards and actions** for transitions: required fields, the rating, the
  reopen window, joining a merged case, and the staff roster the audience reads.

A workflow subclasses :class:`CaseService` and overrides the hooks (``prepare``,
``merge_key``, ``after_create``, ``queue_filter``, ``render_fields``, ``acting``); the transitions, states
and deadlines stay declared in its own package.
"""
from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from redis.exceptions import LockError

from core import clock
from core.errors import Conflict, LinliError, NotFound, RateLimited, ValidationFailed
from core.roles import ADMIN, DISPATCHER, MANAGER, SYSTEM, TECHNICIAN, Actor
from core.store import DESC, Page

from .engine import Context, Workflow, apply_event, create_case, load_case

MAX_PAGE = 100
ROSTER_FIELD = "roster"


@dataclass(frozen=True)
class CasePolicy:
    """The knobs that differ between case workflows; everything else is shared.

    ``open_states``: not yet done (queues, workload caps, duplicate merging, urging).
    ``queue_roles``: see the whole community queue and filter it by ``?state=``.
    ``viewer_roles``: staff roles that may open any case of their community.
    ``contact_roles``: see reporters' phones and rooms unmasked (the assignee always does).
    ``handler_role``: the role whose list is ``?scope=mine|pool`` (technicians for repairs).
    ``merge_field``: indexed case field holding the duplicate key (``None``: never merge).
    ``hidden_events``: events the generic action route refuses (fired by service code).
    ``roster_roles``: staff roles whose ids :func:`refresh_roster` keeps on the case, so
    the workflow's ``audience`` can name dispatchers or managers without a query.
    """

    workflow: Workflow
    open_states: frozenset[str]
    queue_roles: frozenset[str] = frozenset({DISPATCHER, MANAGER, ADMIN})
    viewer_roles: frozenset[str] = frozenset({DISPATCHER, MANAGER, ADMIN, TECHNICIAN})
    contact_roles: frozenset[str] = frozenset({DISPATCHER, MANAGER, ADMIN})
    handler_role: str | None = TECHNICIAN
    merge_field: str | None = None
    hidden_events: frozenset[str] = frozenset({"join"})
    urge_event: str | None = "urge"
    urge_interval: timedelta = timedelta(minutes=5)
    reopen_window: timedelta = timedelta(days=7)
    roster_roles: tuple[str, ...] = (DISPATCHER, MANAGER)


@dataclass(frozen=True)
class Created:
    """The outcome of a report: the case, and whether it was merged into an open one."""

    case: dict
    merged: bool = False


# ---- masking --------------------------------------------------------------------------

def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678`` (short numbers keep only their last two digits)."""
    if not phone:
        return phone
    digits = str(phone)
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_name(name: str | None) -> str:
    """``张三丰`` -> ``张**``: enough to recognise a neighbour's report, not to identify them."""
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


def normalise_key(text: str) -> str:
    """A merge key from free text: width-folded, case-folded, spaces and punctuation dropped,
    so ``3号楼 大堂`` and ``３号楼大堂。`` name the same place."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


@contextlib.contextmanager
def locked(services, *parts: str, seconds: int = 30):
    """Hold a Redis lock named by ``parts`` across every process; not getting it within
    ``seconds`` is a 409 ("busy, try again"), never a 500."""
    lock = services.redis.lock(services.key("lock", *parts), timeout=seconds, blocking_timeout=seconds)
    if not lock.acquire():
        raise Conflict("error.busy")
    try:
        yield
    finally:
        with contextlib.suppress(LockError):  # it expired while held: nothing left to release
            lock.release()


# ---- guards and actions for transitions ------------------------------------------------

def needs(*names: str) -> Callable[[Context], bool]:
    """Guard: every named payload field is present and not blank."""
    def guard(ctx: Context) -> bool:
        return all(str(ctx.payload.get(name) or "").strip() for name in names)
    return guard


def rating_given(ctx: Context) -> bool:
    """Guard: a whole-number rating from 1 to 5 (the comment is optional)."""
    rating = ctx.payload.get("rating")
    return isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5


def record_rating(ctx: Context) -> None:
    ctx.case["rating"] = {"score": ctx.payload["rating"], "comment": str(ctx.payload.get("comment") or "")[:500],
                          "by": ctx.actor.id, "at": clock.iso(ctx.now)}


def not_rated(ctx: Context) -> bool:
    return not ctx.case.get("rating")


def within(field_name: str, window: timedelta) -> Callable[[Context], bool]:
    """Guard: the case's timestamp ``field_name`` is at most ``window`` before now."""
    def guard(ctx: Context) -> bool:
        stamp = ctx.case.get(field_name)
        return bool(stamp) and ctx.now - clock.parse_iso(stamp) <= window
    return guard


def stamp(field_name: str) -> Callable[[Context], None]:
    """Action: record when this happened (``resolved_at``...)."""
    def action(ctx: Context) -> None:
        ctx.case[field_name] = clock.iso(ctx.now)
    return action


def both(*actions: Callable[[Context], None] | None) -> Callable[[Context], None]:
    """Run several actions in order (``None`` entries are skipped)."""
    def action(ctx: Context) -> None:
        for step in actions:
            if step is not None:
                step(ctx)
    return action


def all_of(*guards: Callable[[Context], bool]) -> Callable[[Context], bool]:
    """Guard: every guard holds (checked in order, so the first refusal explains itself)."""
    def guard(ctx: Context) -> bool:
        return all(check(ctx) for check in guards)
    return guard


def refuse_unless(guard: Callable[[Context], bool], error: type[LinliError], message_key: str,
                  **params) -> Callable[[Context], bool]:
    """Guard that raises ``error(message_key)`` when ``guard`` says no, so one transition
    with several conditions tells the caller which one failed."""
    def checked(ctx: Context) -> bool:
        if not guard(ctx):
            raise error(message_key, **params)
        return True
    return checked


def not_yet_reporter(ctx: Context) -> bool:
    return ctx.actor.id not in ctx.case.get("reporter_ids", [])


def join_reporter(ctx: Context) -> None:
    """Action of the ``join`` event: a duplicate report adds its reporter to the case, and
    its photos (uploads the service has checked are the reporter's own)."""
    ctx.case.setdefault("reporter_ids", []).append(ctx.actor.id)
    contact = ctx.payload.get("contact")
    if isinstance(contact, dict):
        ctx.case.setdefault("contacts", []).append(contact)
    known = ctx.case.get("photos") or []
    offered = dict.fromkeys(ctx.payload.get("photos") or [])
    added = [p for p in offered if isinstance(p, str) and p not in known]
    if added:
        ctx.case["photos"] = known + added


def staff_of(store, community_id: str) -> list[dict]:
    """Active staff of a community (small: tens of people), one indexed query."""
    page = store.collection("people").find({"community_id": community_id, "kind": "staff"}, limit=1000)
    return [p for p in page.items if p.get("active", True)]


def roster(store, community_id: str, roles: Iterable[str]) -> dict[str, list[str]]:
    """``{role: [person ids]}`` of the community's active staff holding each role."""
    people = staff_of(store, community_id)
    return {role: sorted(p["_id"] for p in people if role in p.get("roles", [])) for role in roles}


def refresh_roster(compute: Callable[[object, dict], dict[str, list[str]]]) -> Callable[[Context], None]:
    """Action: keep the staff roster on the case current, so ``audience`` (which sees only
    the case) names today's dispatchers and managers, not those of the day it was filed.
    ``compute(store, case)`` is usually the service's :meth:`CaseService.roster_for`."""
    def action(ctx: Context) -> None:
        ctx.case[ROSTER_FIELD] = compute(ctx.store, ctx.case)
    return action


def roster_ids(case: dict, role: str) -> list[str]:
    return list(case.get(ROSTER_FIELD, {}).get(role, []))


def reporters(case: dict) -> list[str]:
    return list(case.get("reporter_ids", []))


def assignee(case: dict) -> list[str]:
    return [case["assignee_id"]] if case.get("assignee_id") else []


# ---- the service -------------------------------------------------------------------------

class CaseService:
    """Create, list, open, render and act on one workflow's cases; subclass per workflow.

    Every method takes the process's ``services`` (store + Redis) and the calling
    :class:`~core.roles.Actor`, and raises :class:`~core.errors.LinliError` subclasses
    for anything the caller may not do — the API and the bot render them.
    """

    def __init__(self, policy: CasePolicy):
        self.policy = policy

    @property
    def workflow(self) -> Workflow:
        return self.policy.workflow

    # -- hooks a workflow overrides -------------------------------------------------------
    def prepare(self, services, actor: Actor, data: dict, now: datetime) -> dict:
        """Check a report and return the case fields (``reporter_ids``/``contacts`` included)."""
        raise NotImplementedError

    def merge_key(self, fields: dict) -> str | None:
        """The duplicate key of a new report (``None``: this report never merges)."""
        return fields.get(self.policy.merge_field) if self.policy.merge_field else None

    def roster_for(self, store, case: dict) -> dict[str, list[str]]:
        """The staff ids stored on the case for ``audience`` (see :func:`refresh_roster`)."""
        return roster(store, case["community_id"], self.policy.roster_roles)

    def after_create(self, services, case: dict, actor: Actor, now: datetime) -> dict:
        """Runs after a new case is stored (automatic dispatch); returns the case."""
        return case

    def render_fields(self, case: dict, actor: Actor, full: bool) -> dict:
        """Workflow-specific fields of the view; ``full`` means personal data may show."""
        return {}

    def offered(self, case: dict, actor: Actor, actions: list[str]) -> list[str]:
        """Trim the engine's role-and-state based actions by what the guards would refuse
        anyway (e.g. rating twice), so the buttons shown are the ones that work."""
        return actions

    def acting(self, services, actor: Actor, case: dict, event: str, payload: dict):
        """A context manager held while an event is applied (e.g. a workload-cap lock)."""
        return contextlib.nullcontext()

    # -- creating ---------------------------------------------------------------------------
    def create(self, services, actor: Actor, data: dict, now: datetime | None = None) -> Created:
        """File a report: a new case, or — when an open case has the same merge key — the
        reporter joins that case (the response says ``merged``); 422 for a reporter with no
        community (a resident not yet bound), before anything is looked up in one."""
        if not actor.community_id:
            raise ValidationFailed("error.community_required")
        now = now or clock.now()
        fields = self.prepare(services, actor, data, now)
        key = self.merge_key(fields)
        if not key:
            return Created(self._open(services, fields, actor, now))
        # the lock makes two neighbours reporting the same lift at once still one case
        with locked(services, "merge", self.workflow.name, actor.community_id, key):
            for _ in range(3):
                existing = self.find_open_duplicate(services.store, actor.community_id, key)
                if existing is None:
                    return Created(self._open(services, fields, actor, now))
                try:
                    return Created(self._join(services, existing, actor, fields, now), merged=True)
                except Conflict:
                    continue  # it was resolved or changed meanwhile: look again
            raise Conflict("error.busy")

    def find_open_duplicate(self, store, community_id: str, key: str) -> dict | None:
        found = store.collection(self.workflow.collection).find(
            {"community_id": community_id, self.policy.merge_field: key,
             "state": {"$in": sorted(self.policy.open_states)}}, limit=1).items
        return found[0] if found else None

    def _open(self, services, fields: dict, actor: Actor, now: datetime) -> dict:
        store = services.store
        fields = {**fields, "community_id": actor.community_id}
        fields[ROSTER_FIELD] = self.roster_for(store, fields)
        with store.transaction():
            case = create_case(store, self.workflow, fields, actor, now=now, note=str(fields.get("description", "")))
            self._link(store, case, actor, now, merged=False)
        return self.after_create(services, case, actor, now)

    def _join(self, services, case: dict, actor: Actor, fields: dict, now: datetime) -> dict:
        if actor.id in case.get("reporter_ids", []):
            return case  # the same person reporting again: nothing new to record
        contact = next((c for c in fields.get("contacts", []) if c.get("person_id") == actor.id), None)
        payload = {"note": str(fields.get("description", "")), "contact": contact,
                   "photos": list(fields.get("photos") or [])}
        store = services.store
        with store.transaction():
            case = apply_event(store, self.workflow, case["_id"], "join", actor, payload, now=now)
            self._link(store, case, actor, now, merged=True)
        return case

    def _link(self, store, case: dict, actor: Actor, now: datetime, merged: bool) -> None:
        """The ``reports`` row that lists this case among the reporter's own."""
        store.collection("reports").insert({
            "_id": f"{case['_id']}:{actor.id}", "community_id": case["community_id"], "person_id": actor.id,
            "case_id": case["_id"], "workflow": self.workflow.name, "merged": merged,
            "created_at": clock.iso(now)})

    # -- reading ----------------------------------------------------------------------------
    def can_view(self, case: dict, actor: Actor) -> bool:
        if actor.id in case.get("reporter_ids", []) or actor.id == case.get("assignee_id"):
            return True
        return actor.is_staff and actor.has(*self.policy.viewer_roles)

    def get(self, services, actor: Actor, case_id: str) -> dict:
        """The case if the caller may see it; otherwise 404, exactly as if it did not exist."""
        case = load_case(services.store, self.workflow, case_id, actor)
        if not self.can_view(case, actor):
            raise NotFound("error.case_not_found")
        return case

    def whole_queue(self, actor: Actor, scope: str | None) -> bool:
        """Does this list show the caller the whole community queue (queue roles, no
        ``?scope=`` or ``all``)?"""
        return actor.is_staff and actor.has(*self.policy.queue_roles) and scope in (None, "all")

    def queue_filter(self, actor: Actor, scope: str | None, states: list[str]) -> dict | None:
        """The caller's work queue as a filter within their community, or ``None`` when they
        have no queue here (then :meth:`list` shows the cases they reported or joined).

        ``states`` is the validated ``?state=`` (empty: any). The default: queue roles see
        the whole community; the handler role sees ``mine`` (open ones unless ``states``
        says otherwise) or ``pool`` (the unclaimed cases of their trades). Every field used
        must be covered by an index of the workflow's collection.
        """
        if self.whole_queue(actor, scope):
            return {"state": {"$in": states}} if states else {}
        if actor.is_staff and self.policy.handler_role and actor.has(self.policy.handler_role):
            if scope == "pool":
                return {"pool": {"$in": list(actor.trades)}}
            return {"assignee_id": actor.id, "state": {"$in": states or sorted(self.policy.open_states)}}
        return None

    def list(self, services, actor: Actor, scope: str | None = None, state: str | None = None,
             cursor: str | None = None, limit: int = 20) -> Page:
        """The caller's list, newest first: their work queue (:meth:`queue_filter`), else the
        cases they reported or joined."""
        limit = max(1, min(int(limit), MAX_PAGE))
        states = self._states(state)
        store = services.store
        cases = store.collection(self.workflow.collection)
        base = {"community_id": actor.community_id}
        order = [("created_at", DESC)]
        queue = self.queue_filter(actor, scope, states)
        try:
            if queue is not None:
                return cases.find({**base, **queue}, sort=order, limit=limit, cursor=cursor)
            links = store.collection("reports").find(
                {**base, "person_id": actor.id, "workflow": self.workflow.name}, sort=order, limit=limit,
                cursor=cursor)
        except ValueError:  # a tampered cursor
            raise ValidationFailed("error.bad_cursor")
        found = cases.get_many(link["case_id"] for link in links.items)
        if states:
            found = [case for case in found if case["state"] in states]
        return Page(found, links.next_cursor)

    def _states(self, state: str | None) -> list[str]:
        if not state:
            return []
        names = [s.strip() for s in state.split(",") if s.strip()]
        known = {s.name for s in self.workflow.states}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValidationFailed("error.case_state_unknown", state=unknown[0])
        return names

    def sees_personal_data(self, case: dict, actor: Actor) -> bool:
        return actor.id == case.get("assignee_id") or (actor.is_staff and actor.has(*self.policy.contact_roles))

    def view(self, case: dict, actor: Actor, locale: str | None = None) -> dict:
        """The case as this caller may see it, with the actions they may take now.

        ``locale`` is the language of any label the view spells out (the API passes the
        request's ``Accept-Language``); by default the caller's own preference.
        """
        full = self.sees_personal_data(case, actor)
        hidden = self.policy.hidden_events
        rendered = {
            "id": case["_id"], "number": case.get("number"), "workflow": self.workflow.name,
            "state": case["state"], "version": case["version"], "created_at": case.get("created_at"),
            "updated_at": case.get("updated_at"), "assignee": self._assignee_view(case),
            "reporter_count": len(case.get("reporter_ids", [])),
            "contacts": [self._contact_view(c, actor, full) for c in case.get("contacts", [])],
            "history": [self._history_view(h, case, actor, full) for h in case.get("history", [])],
            "deadlines": [{"name": d["name"], "at": d["at"]} for d in case.get("deadlines", [])],
            "escalation_level": case.get("escalation_level", 0),
            "rating": self._rating_view(case.get("rating"), actor, full),
            "actions": self.offered(case, actor, [e for e in self.workflow.available(case, actor) if e not in hidden]),
        }
        if full:
            rendered["reporter_ids"] = list(case.get("reporter_ids", []))
        rendered.update(self.render_fields(case, actor, full))
        return rendered

    @staticmethod
    def _assignee_view(case: dict) -> dict | None:
        if not case.get("assignee_id"):
            return None
        return {"id": case["assignee_id"], "name": case.get("assignee_name", "")}

    @staticmethod
    def _rating_view(rating: dict | None, actor: Actor, full: bool) -> dict | None:
        """The score and comment are for everyone who sees the case; ``by`` is a resident's
        person id, so only the rater and those who may see personal data get it."""
        if not rating:
            return rating
        if full or rating.get("by") == actor.id:
            return dict(rating)
        return {k: v for k, v in rating.items() if k != "by"}

    @staticmethod
    def _contact_view(contact: dict, actor: Actor, full: bool) -> dict:
        if full or contact.get("person_id") == actor.id:
            return dict(contact)
        return {"name": mask_name(contact.get("name")), "phone": mask_phone(contact.get("phone"))}

    @staticmethod
    def _history_view(entry: dict, case: dict, actor: Actor, full: bool) -> dict:
        shown = {k: entry.get(k) for k in ("at", "role", "event", "from", "to", "note")}
        is_resident = entry.get("actor_id") in case.get("reporter_ids", [])
        if full or entry.get("actor_id") == actor.id or not is_resident:
            shown.update(actor_id=entry.get("actor_id"), actor_name=entry.get("actor_name"))
        else:  # another resident's step: say that a neighbour did it, not who
            shown.update(actor_id=None, actor_name=mask_name(entry.get("actor_name")))
        return shown

    # -- acting -----------------------------------------------------------------------------
    def act(self, services, actor: Actor, case_id: str, event: str, payload: dict | None = None,
            expected_version: int | None = None, now: datetime | None = None) -> dict:
        """Fire ``event`` for the caller: 404 if they cannot see the case, 422 for an unknown
        or internal event, 429 for an urge inside the interval, else the engine decides."""
        now = now or clock.now()
        if event in self.policy.hidden_events or event not in self.workflow.events():
            raise ValidationFailed("error.unknown_event", event=event[:40])
        payload = dict(payload or {})
        # the history note keeps why: the note, else the reason, else the rating comment
        payload["note"] = payload.get("note") or payload.get("reason") or payload.get("comment") or ""
        case = self.get(services, actor, case_id)
        with self.acting(services, actor, case, event, payload):
            if event == self.policy.urge_event and SYSTEM not in actor.roles:
                return self._urge(services, actor, case, payload, expected_version, now)
            return apply_event(services.store, self.workflow, case_id, event, actor, payload, now=now,
                               expected_version=expected_version)

    def _urge(self, services, actor: Actor, case: dict, payload: dict, expected_version, now) -> dict:
        key = services.key("urge", self.workflow.name, case["_id"], actor.id)
        seconds = int(self.policy.urge_interval.total_seconds())
        if not services.redis.set(key, clock.iso(now), nx=True, ex=seconds):
            wait = max(services.redis.ttl(key), 1)
            raise RateLimited("error.urge_too_soon", details={"retry_after_seconds": wait},
                              minutes=max(1, -(-wait // 60)))
        try:
            return apply_event(services.store, self.workflow, case["_id"], self.policy.urge_event, actor, payload,
                               now=now, expected_version=expected_version)
        except BaseException:
            services.redis.delete(key)  # a refused urge does not use up the interval
            raise


def person_contact(person: dict, phone: str | None = None) -> dict:
    """The contact a reporter leaves on a case: their name and a phone to call back."""
    return {"person_id": person["_id"], "name": person.get("name", ""), "phone": phone or person.get("phone")}
