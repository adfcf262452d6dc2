"""The repair (报修) workflow, declared: states, transitions, deadlines, audience.

```
submitted --assign/auto_assign--> assigned --accept--> accepted --arrive--> on_site --resolve--> resolved
submitted --grab (technician of the trade, under the cap)--> accepted
assigned/accepted --transfer--> transferred --accept--> accepted
assigned/transferred/accepted/on_site --return (reason)--> returned --assign/grab--> ...
resolved --confirm--> confirmed --rate--> closed;  resolved --rate--> closed
resolved --auto_close (N days, no answer)--> closed;  confirmed --close (N days, no rating)--> closed
resolved/confirmed/closed --reopen (within 7 days of resolution, reason)--> reopened --assign/accept--> ...
before on_site --cancel--> cancelled
emergency: submitted --alert (security, round robin)--> assigned;  --alert_desk (nobody)--> submitted
```

Deadlines are absolute times kept in ``case["sla"]`` (response and completion, each with a
warning at 75 %); every state before ``resolved`` re-arms the ones still pending, so a
deadline that spans several states fires once, whatever happened in between.

An emergency (priority ``emergency``, see :mod:`.catalogue`) has the same two deadlines on
shorter windows, but its response deadlines fire the alarm events (``alarm_warn``,
``alarm_escalate``) with a wider audience, and while nobody has accepted it a ``reminder``
deadline re-arms itself: an alert nobody acknowledges keeps repeating until someone does.
"""
from __future__ import annotations

from datetime import timedelta

from core import clock
from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import DISPATCHER, GRID_WORKER, MANAGER, OWNER, RESIDENT, SECURITY, SYSTEM, TECHNICIAN
from workflows.cases import (all_of, assignee, both, join_reporter, needs, not_rated, not_yet_reporter, rating_given,
                             record_rating, refresh_roster, refuse_unless, reporters, roster, roster_ids, stamp,
                             within)
from workflows.dispatch import GRAB, ROUND_ROBIN, cap_of, find_handler, handlers, has_capacity, load_settings
from workflows.engine import ANY_ACTIVE, ASSIGNEE, REPORTER, Context, Deadline, State, Workflow, on

from .catalogue import EMERGENCY, EMERGENCY_PRIORITY, priority_named
from .settings import DEFAULTS

NAME = "repair"
COLLECTION = "repairs"
REOPEN_WINDOW = timedelta(days=7)

BEFORE_ON_SITE = ("submitted", "assigned", "transferred", "accepted", "returned", "reopened")
UNRESOLVED = BEFORE_ON_SITE + ("on_site",)
OPEN_STATES = frozenset(UNRESOLVED)
WAITING_FOR_RESPONSE = ("submitted", "assigned", "transferred", "returned", "reopened")
HOLDING = ("assigned", "transferred", "accepted", "on_site")   # a technician holds the ticket
REPORT_ROLES = frozenset({RESIDENT, OWNER, SECURITY, GRID_WORKER, DISPATCHER, MANAGER})
DESK = frozenset({DISPATCHER, MANAGER})
# who may hold an emergency: the duty room first; the desk itself on an estate without
# security staff; a technician of the trade for a lift or a gas leak
EMERGENCY_HANDLERS = (SECURITY, DISPATCHER, TECHNICIAN)


def is_emergency(case: dict) -> bool:
    return case.get("priority") == EMERGENCY


def routine(case: dict) -> bool:
    return not is_emergency(case)


def handler_roles(case: dict) -> tuple[str, ...]:
    """Roles a person needs to be given this case."""
    return EMERGENCY_HANDLERS if is_emergency(case) else (TECHNICIAN,)


# ---- deadlines ---------------------------------------------------------------------------

def new_sla(priority: str, start) -> dict:
    """Absolute due times for a case reported (or reopened) at ``start``."""
    prio = priority_named(priority)
    sla = {"fired": []}
    for name, window in (("response", prio.respond), ("completion", prio.complete)):
        sla[name] = clock.iso(start + window)
        sla[f"{name}_warning"] = clock.iso(start + window * prio.warn_at)
    return sla


def _until(case: dict, due: str) -> timedelta:
    """From now (the case's ``updated_at``, which the engine sets to the event time before
    arming) to the absolute time ``due``."""
    return clock.parse_iso(due) - clock.parse_iso(case["updated_at"])


def _pending(name: str, applies=lambda case: True):
    """The deadline ``name`` of ``case["sla"]`` for cases it ``applies`` to; None once it
    has fired."""
    def after(case: dict):
        sla = case.get("sla") or {}
        if not applies(case) or name in sla.get("fired", []) or not sla.get(name):
            return None
        return _until(case, sla[name])
    return after


def _next_reminder(case: dict):
    """An emergency nobody has accepted: one ``remind_every`` after the response deadline,
    then one after each reminder (a late sweep reminds once, then keeps the rhythm)."""
    sla = case.get("sla") or {}
    if not is_emergency(case) or not sla.get("response"):
        return None
    last = max(sla["response"], case.get("reminded_at") or "")   # ISO UTC text sorts as time
    return _until(case, clock.iso(clock.parse_iso(last) + EMERGENCY_PRIORITY.remind_every))


# an emergency's response deadlines are the same timers, firing the alarm events instead
RESPONSE = (Deadline("response_warning", _pending("response_warning", routine), "warn"),
            Deadline("response", _pending("response", routine), "escalate"),
            Deadline("response_warning", _pending("response_warning", is_emergency), "alarm_warn"),
            Deadline("response", _pending("response", is_emergency), "alarm_escalate"),
            Deadline("reminder", _next_reminder, "remind"))
COMPLETION = (Deadline("completion_warning", _pending("completion_warning"), "warn"),
              Deadline("completion", _pending("completion"), "escalate"))


def _auto_close_after(case: dict) -> timedelta:
    return timedelta(days=case.get("auto_close_days") or DEFAULTS["auto_close_days"])


STATES = (
    State("submitted", RESPONSE + COMPLETION, label="已提交"),
    State("assigned", RESPONSE + COMPLETION, label="已派单"),
    State("transferred", RESPONSE + COMPLETION, label="已转派"),
    State("accepted", COMPLETION, label="已接单"),
    State("on_site", COMPLETION, label="处理中"),
    State("returned", RESPONSE + COMPLETION, label="已退单"),
    State("reopened", RESPONSE + COMPLETION, label="已重开"),
    State("resolved", (Deadline("auto_close", _auto_close_after, "auto_close"),), label="待确认"),
    State("confirmed", (Deadline("rating_window", _auto_close_after, "close"),), label="已确认"),
    State("closed", final=True, label="已关闭"),
    State("cancelled", final=True, label="已取消"),
)


# ---- roster and audience ------------------------------------------------------------------

def repair_roster(store, case: dict) -> dict[str, list[str]]:
    """Dispatchers and managers of the community, plus the technicians who may grab the
    case while it waits in the pool; for an emergency also the security staff (reminders
    page the whole duty room)."""
    roles = (DISPATCHER, MANAGER, SECURITY) if is_emergency(case) else (DISPATCHER, MANAGER)
    ids = roster(store, case["community_id"], roles)
    ids["pool"] = [p["_id"] for p in handlers(store, case["community_id"], case["pool"])] if case.get("pool") else []
    return ids


def _assignee_or_desk(case: dict) -> list[str]:
    return assignee(case) or roster_ids(case, DISPATCHER)


def _new_ticket(case: dict) -> list[str]:
    """Round-robin tickets go straight to a technician: the desk hears only if nobody was
    free (``to_desk``), so dispatchers are not told about work they need not touch. An
    emergency is announced by its ``alert`` / ``alert_desk`` instead."""
    if case.get("dispatch_mode") == ROUND_ROBIN or is_emergency(case):
        return []
    return roster_ids(case, DISPATCHER) + roster_ids(case, "pool")


def _duty_room(case: dict) -> list[str]:
    return assignee(case) + [i for role in (SECURITY, DISPATCHER, MANAGER) for i in roster_ids(case, role)]


AUDIENCE = {
    "created": _new_ticket, "to_desk": lambda case: roster_ids(case, DISPATCHER),
    "assign": assignee, "auto_assign": assignee, "transfer": assignee,
    "grab": reporters, "accept": reporters, "arrive": reporters, "resolve": reporters,
    "auto_close": reporters, "close": reporters,
    "return": lambda case: roster_ids(case, DISPATCHER) + roster_ids(case, "pool"),
    "reopen": lambda case: roster_ids(case, DISPATCHER) + assignee(case),
    "cancel": lambda case: roster_ids(case, DISPATCHER) + assignee(case),
    "urge": _assignee_or_desk, "warn": _assignee_or_desk,
    "escalate": lambda case: roster_ids(case, MANAGER),
    "alert": assignee, "alert_desk": lambda case: roster_ids(case, DISPATCHER) + roster_ids(case, MANAGER),
    "alarm_warn": lambda case: assignee(case) + roster_ids(case, DISPATCHER),
    "alarm_escalate": lambda case: roster_ids(case, MANAGER), "remind": _duty_room,
    "confirm": assignee, "rate": assignee,
    "join": lambda case: reporters(case)[-1:],   # the neighbour whose report was merged
}


def audience(event_type: str, case: dict) -> list[str]:
    """Who hears of ``repair.<event>``: reporters follow progress (all of them, merged
    ones included), the assignee gets work, the desk gets what needs dispatching, the
    manager gets escalations."""
    pick = AUDIENCE.get(event_type.split(".", 1)[-1])
    return pick(case) if pick else []


# ---- guards and actions --------------------------------------------------------------------

def _handler_from_payload(ctx: Context) -> dict:
    person = find_handler(ctx.store, ctx.case["community_id"], ctx.payload.get("assignee_id"),
                          handler_roles(ctx.case))
    if person["_id"] == ctx.case.get("assignee_id"):
        raise ValidationFailed("error.repair.same_assignee")
    return person


def _give_to(ctx: Context, person: dict) -> None:
    previous = ctx.case.get("assignee_id")
    if previous and previous != person["_id"]:
        ctx.case.setdefault("previous_assignee_ids", []).append(previous)
    ctx.case.update(assignee_id=person["_id"], assignee_name=person.get("name", ""), pool=None,
                    assigned_at=clock.iso(ctx.now))


def assign_to_named(ctx: Context) -> None:
    _give_to(ctx, _handler_from_payload(ctx))


def transfer_to_named(ctx: Context) -> None:
    assign_to_named(ctx)
    _restart_response(ctx)


def _restart_response(ctx: Context) -> None:
    """A new holder gets a fresh response window (the completion clock keeps running)."""
    fresh = new_sla(ctx.case["priority"], ctx.now)
    sla = ctx.case.setdefault("sla", {"fired": []})
    sla.update(response=fresh["response"], response_warning=fresh["response_warning"])
    sla["fired"] = [n for n in sla.get("fired", []) if not n.startswith("response")]


def grabbable(ctx: Context) -> bool:
    """Is the case in the pool of one of the caller's trades, and are they under their cap?"""
    if not ctx.case.get("pool") or ctx.case["pool"] not in ctx.actor.trades:
        raise Forbidden("error.repair.not_your_trade")
    person = ctx.store.collection("people").get(ctx.actor.id) or {}
    settings = load_settings(ctx.store, NAME, ctx.case["community_id"], DEFAULTS)
    if not has_capacity(ctx.store, COLLECTION, person, OPEN_STATES, settings["cap"]):
        raise Conflict("error.repair.cap_reached", cap=cap_of(person, settings["cap"]))
    return True


def take(ctx: Context) -> None:
    person = ctx.store.collection("people").get(ctx.actor.id) or {"_id": ctx.actor.id, "name": ctx.actor.name}
    _give_to(ctx, person)
    ctx.case["accepted_at"] = clock.iso(ctx.now)


def return_to_desk(ctx: Context) -> None:
    ctx.case.setdefault("previous_assignee_ids", []).append(ctx.case["assignee_id"])
    ctx.case.update(assignee_id=None, assignee_name="", returned_by=ctx.actor.id,
                    return_reason=str(ctx.payload.get("reason") or ctx.payload.get("note"))[:500],
                    pool=ctx.case["trade"] if ctx.case.get("dispatch_mode") == GRAB else None)
    _restart_response(ctx)


def reopen_case(ctx: Context) -> None:
    if ctx.case.get("rating"):
        ctx.case.setdefault("previous_ratings", []).append(ctx.case["rating"])
    ctx.case.update(rating=None, reopen_count=ctx.case.get("reopen_count", 0) + 1, closed_at=None,
                    auto_closed=False, sla=new_sla(ctx.case["priority"], ctx.now))


def may_cancel(ctx: Context) -> bool:
    """Desk staff cancel with a reason; a reporter cancels only a case nobody else reported
    (a merged case belongs to every neighbour who reported it)."""
    if ctx.actor.has(*DESK):
        if not str(ctx.payload.get("note") or "").strip():
            raise ValidationFailed("error.reason_required")
        return True
    if len(ctx.case.get("reporter_ids", [])) > 1:
        raise Conflict("error.repair.cancel_shared")
    return True


def close_without_rating(ctx: Context) -> None:
    ctx.case.update(closed_at=clock.iso(ctx.now), auto_closed=True)
    ctx.case.setdefault("confirmed_at", clock.iso(ctx.now))
    ctx.case.setdefault("confirmed_by", SYSTEM)


def close_rated(ctx: Context) -> None:
    record_rating(ctx)
    ctx.case.setdefault("confirmed_at", clock.iso(ctx.now))
    ctx.case.setdefault("confirmed_by", ctx.actor.id)
    ctx.case["closed_at"] = clock.iso(ctx.now)


def confirm_fix(ctx: Context) -> None:
    ctx.case.update(confirmed_at=clock.iso(ctx.now), confirmed_by=ctx.actor.id)


def count_urge(ctx: Context) -> None:
    ctx.case.update(urge_count=ctx.case.get("urge_count", 0) + 1, last_urged_at=clock.iso(ctx.now))


def mark_fired(ctx: Context) -> None:
    name = ctx.payload.get("deadline")
    if name:
        ctx.case.setdefault("sla", {"fired": []}).setdefault("fired", []).append(name)


def escalate(ctx: Context) -> None:
    mark_fired(ctx)
    level = ctx.case.get("escalation_level", 0) + 1
    ctx.case["escalation_level"] = level
    ctx.case.setdefault("escalations", []).append(
        {"deadline": ctx.payload.get("deadline"), "level": level, "at": clock.iso(ctx.now)})


def count_reminder(ctx: Context) -> None:
    ctx.case.update(reminded_at=clock.iso(ctx.now), reminder_count=ctx.case.get("reminder_count", 0) + 1)


def call_trade(ctx: Context) -> None:
    """A facility emergency (a lift with people inside, gas, fire) also calls the
    technicians of that trade, who are needed once the duty room is there; a medical one
    (category ``other``) does not page the handymen."""
    if ctx.case.get("category") == "other":
        return
    ids = [p["_id"] for p in handlers(ctx.store, ctx.case["community_id"], ctx.case.get("trade"))]
    if ids:
        location = ctx.case.get("location") or {}
        ctx.emit("repair.call_trade", ids, where=location.get("label") or location.get("place") or "")


_reason = refuse_unless(needs("note"), ValidationFailed, "error.reason_required")
_rating = refuse_unless(rating_given, ValidationFailed, "error.rating_invalid")
_note = refuse_unless(needs("note"), ValidationFailed, "error.note_required")
_unrated = refuse_unless(not_rated, Conflict, "error.already_rated")
_in_window = refuse_unless(within("resolved_at", REOPEN_WINDOW), Conflict, "error.reopen_window_closed")
_refresh = refresh_roster(repair_roster)


def t(event: str, sources, target, roles, action=None, **options):
    """A transition whose action also refreshes the staff roster the audience reads."""
    return on(event, sources, target, roles, action=both(action, _refresh), **options)


TRANSITIONS = (
    t("assign", ("submitted", "returned", "reopened"), "assigned", DESK, assign_to_named),
    t("auto_assign", "submitted", "assigned", {SYSTEM}, assign_to_named),
    t("to_desk", "submitted", None, {SYSTEM}),   # round robin found nobody under their cap
    t("alert", "submitted", "assigned", {SYSTEM}, both(assign_to_named, call_trade)),   # emergency, at once
    t("alert_desk", "submitted", None, {SYSTEM}, call_trade),   # an emergency and no security staff active
    t("grab", ("submitted", "returned"), "accepted", {TECHNICIAN}, take, guard=grabbable),
    t("accept", ("assigned", "transferred", "reopened"), "accepted", {ASSIGNEE}, stamp("accepted_at")),
    # rearm: a second transfer stays in "transferred" and must still arm the new holder's window
    t("transfer", ("assigned", "transferred", "accepted"), "transferred", DESK | {ASSIGNEE},
      transfer_to_named, rearm=True),
    t("return", HOLDING, "returned", {ASSIGNEE}, return_to_desk, guard=_reason),
    t("arrive", "accepted", "on_site", {ASSIGNEE}, stamp("arrived_at")),
    t("resolve", ("accepted", "on_site"), "resolved", {ASSIGNEE}, stamp("resolved_at")),
    t("confirm", "resolved", "confirmed", {REPORTER}, confirm_fix),
    t("rate", ("resolved", "confirmed"), "closed", {REPORTER}, close_rated, guard=_rating),
    t("rate", "closed", None, {REPORTER}, record_rating,
      guard=all_of(_rating, _unrated, _in_window)),
    t("auto_close", "resolved", "closed", {SYSTEM}, close_without_rating),
    t("close", "confirmed", "closed", {SYSTEM}, close_without_rating),
    t("reopen", ("resolved", "confirmed", "closed"), "reopened", {REPORTER}, reopen_case,
      guard=all_of(_reason, _in_window)),
    t("cancel", BEFORE_ON_SITE, "cancelled", DESK | {REPORTER}, stamp("cancelled_at"), guard=may_cancel),
    t("urge", UNRESOLVED, None, {REPORTER}, count_urge),
    t("note", ANY_ACTIVE, None, DESK | {REPORTER, ASSIGNEE}, guard=_note),
    t("join", UNRESOLVED, None, REPORT_ROLES, join_reporter, guard=not_yet_reporter),
    t("warn", ANY_ACTIVE, None, {SYSTEM}, mark_fired),
    t("escalate", ANY_ACTIVE, None, {SYSTEM}, escalate),
    t("alarm_warn", WAITING_FOR_RESPONSE, None, {SYSTEM}, mark_fired),
    t("alarm_escalate", WAITING_FOR_RESPONSE, None, {SYSTEM}, escalate),
    t("remind", WAITING_FOR_RESPONSE, None, {SYSTEM}, count_reminder, rearm=True),
)

WORKFLOW = Workflow(name=NAME, collection=COLLECTION, number_prefix="BX", states=STATES,
                    transitions=TRANSITIONS, initial="submitted", audience=audience)

