"""The complaint (投诉) workflow, declared: states, who may fire which event, the deadlines
each state starts and who hears about what.

```
submitted / escalated / reopened --accept--> accepted --reply--> replied
replied --confirm (rating 3–5)--> confirmed --(reopen window over)--> closed
replied / confirmed / closed --reopen (rating 1–2, or "not solved"; within 7 days of the reply)--> reopened
replied --auto_close (N days, no rating)--> closed
submitted / escalated / reopened / accepted --withdraw--> withdrawn
```

Escalation (吹哨报到): while a complaint waits for acceptance or for a reply, the level
that holds it (``handler_role``) has a deadline from its own SLA; when it passes, the
complaint climbs one rung (property -> residents' committee -> street office) into
``escalated``, ``escalation_level`` counts the climbs and the new level's clock starts.
The street office is the top rung: its missed deadlines repeat an overdue reminder
(``remind``) until it acts.
"""
from __future__ import annotations

from datetime import timedelta

from core import clock
from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import SYSTEM

from ..cases import (all_of, assignee, needs, rating_given, record_rating, refresh_roster, refuse_unless, reporters,
                     roster, roster_ids, stamp, within)
from ..engine import REPORTER, Context, Deadline, State, Workflow, on
from . import policy

NAME, COLLECTION = "complaint", "complaints"
SUBMITTED, ESCALATED, ACCEPTED, REPLIED = "submitted", "escalated", "accepted", "replied"
CONFIRMED, REOPENED, CLOSED, WITHDRAWN = "confirmed", "reopened", "closed", "withdrawn"
AWAITING_ACCEPTANCE = (SUBMITTED, ESCALATED, REOPENED)
OPEN = AWAITING_ACCEPTANCE + (ACCEPTED,)      # a level owes the complainant an answer
OPEN_STATES = frozenset(OPEN)
REOPEN_WINDOW = timedelta(days=policy.REOPEN_DAYS)


# ---- deadlines: functions of the case, because each level brings its own clock -----------

def _level_clock(hours_name: str, at_top: bool):
    """The holding level's SLA, either below the top rung (fires escalate) or only at it
    (fires remind) — so exactly one of a state's two deadlines is armed."""
    def after(case: dict) -> timedelta | None:
        top = policy.next_level(case["handler_role"]) is None
        return timedelta(hours=case["sla"][hours_name]) if top == at_top else None
    return after


def _level_deadlines(name: str) -> tuple[Deadline, ...]:
    return (Deadline(name, _level_clock(f"{name}_hours", False), "escalate"),
            Deadline(f"{name}_overdue", _level_clock(f"{name}_hours", True), "remind"))


def _rest_of_reopen_window(case: dict) -> timedelta:
    # the engine stamps updated_at with the event time before arming, so this is "from now"
    end = clock.parse_iso(case["replied_at"]) + REOPEN_WINDOW
    return max(end - clock.parse_iso(case["updated_at"]), timedelta(0))


STATES = (
    State(SUBMITTED, _level_deadlines("accept"), label="待受理"),
    State(ESCALATED, _level_deadlines("accept"), label="已升级待受理"),
    State(REOPENED, _level_deadlines("accept"), label="已重新打开"),
    State(ACCEPTED, _level_deadlines("reply"), label="处理中"),
    State(REPLIED, (Deadline("auto_close", lambda case: timedelta(days=case["auto_close_days"]), "auto_close"),),
          label="已答复待评价"),
    State(CONFIRMED, (Deadline("reopen_window", _rest_of_reopen_window, "close"),), label="已确认满意"),
    State(CLOSED, final=True, label="已办结"),
    State(WITHDRAWN, final=True, label="已撤回"),
)


# ---- guards: questions about the case and the actor ---------------------------------------

def works_this_level(ctx: Context) -> bool:
    """Does the actor belong to the level that holds the complaint now?"""
    return ctx.actor.has(*policy.LEVEL_ROLES[ctx.case["handler_role"]])


def has_higher_level(ctx: Context) -> bool:
    return policy.next_level(ctx.case["handler_role"]) is not None


def rated_satisfied(ctx: Context) -> bool:
    """Is the rating a whole 3–5? (1–2 reopens instead.)"""
    return rating_given(ctx) and ctx.payload["rating"] >= 3


def unhappy_or_unrated(ctx: Context) -> bool:
    return ctx.payload.get("rating") is None or (rating_given(ctx) and ctx.payload["rating"] <= 2)


_level = refuse_unless(works_this_level, Forbidden, "complaint.error.not_your_level")
_reply_text = refuse_unless(needs("note"), ValidationFailed, "error.note_required")
_satisfied = refuse_unless(rated_satisfied, ValidationFailed, "complaint.error.rating_not_satisfied")
_unhappy = refuse_unless(unhappy_or_unrated, ValidationFailed, "complaint.error.rating_not_unhappy")
_in_window = refuse_unless(within("replied_at", REOPEN_WINDOW), Conflict, "complaint.error.reopen_window_closed")


# ---- actions ----------------------------------------------------------------------------------

def complaint_roster(store, case: dict) -> dict[str, list[str]]:
    """The people of every level, so ``audience`` can name whichever level holds the case."""
    return roster(store, case["community_id"], policy.ROSTER_ROLES)


_refresh_roster = refresh_roster(complaint_roster)


def take_on(ctx: Context) -> None:
    ctx.case.update(assignee_id=ctx.actor.id, assignee_name=ctx.actor.name, accepted_at=clock.iso(ctx.now))


def record_reply(ctx: Context) -> None:
    ctx.case.setdefault("replies", []).append({
        "at": clock.iso(ctx.now), "by": {"id": ctx.actor.id, "name": ctx.actor.name},
        "level": ctx.case["handler_role"], "text": ctx.payload["note"], "photos": list(ctx.payload.get("photos", []))})
    ctx.case["replied_at"] = clock.iso(ctx.now)


def confirm_outcome(ctx: Context) -> None:
    record_rating(ctx)
    ctx.case["confirmed_at"] = clock.iso(ctx.now)


def reopen(ctx: Context) -> None:
    if ctx.case.get("rating"):
        ctx.case.setdefault("previous_ratings", []).append(ctx.case["rating"])
    ctx.case["rating"] = None
    if ctx.payload.get("rating") is not None:
        record_rating(ctx)
    ctx.case.update(reopen_count=ctx.case.get("reopen_count", 0) + 1, reopened_at=clock.iso(ctx.now),
                    closed_at=None)
    _refresh_roster(ctx)


def count_urge(ctx: Context) -> None:
    ctx.case.update(urge_count=ctx.case.get("urge_count", 0) + 1, last_urged_at=clock.iso(ctx.now))


def climb(ctx: Context) -> None:
    """Hand the complaint to the next rung with that rung's SLA; tell the complainant where
    it went and the level that let the deadline pass."""
    case = ctx.case
    below = case["handler_role"]
    above = policy.next_level(below)
    missed_by = handlers(case)
    case.setdefault("escalations", []).append({"at": clock.iso(ctx.now), "from": below, "to": above,
                                               "state": case["state"], "deadline": ctx.payload.get("deadline")})
    case.update(handler_role=above, escalation_level=case.get("escalation_level", 0) + 1,
                sla=policy.policy_for(ctx.store, case["community_id"]).sla_for(above),
                assignee_id=None, assignee_name="")
    _refresh_roster(ctx)
    ctx.emit(f"complaint.escalated.{above}", reporters(case))
    ctx.emit("complaint.escalated_away", missed_by)


# ---- who hears about what ------------------------------------------------------------------------

def handlers(case: dict) -> list[str]:
    """The people of the level holding the complaint, and whoever accepted it."""
    ids = {pid for role in policy.LEVEL_ROLES[case["handler_role"]] for pid in roster_ids(case, role)}
    return sorted(ids | set(assignee(case)))


AUDIENCE = {
    "created": handlers, "escalate": handlers, "remind": handlers, "confirm": handlers, "reopen": handlers,
    "withdraw": handlers, "urge": lambda case: assignee(case) or handlers(case),
    "accept": reporters, "reply": reporters, "auto_close": reporters,
}


def audience(event_type: str, case: dict) -> list[str]:
    """Staff hear of new work and of the complainant's moves; the complainant hears of every
    answer. Anonymity limits what staff *see*, so anonymous complainants are told too."""
    pick = AUDIENCE.get(event_type.split(".", 1)[-1])
    return pick(case) if pick else []


TRANSITIONS = (
    on("accept", AWAITING_ACCEPTANCE, ACCEPTED, policy.HANDLER_ROLES, guard=_level, action=take_on),
    on("reply", ACCEPTED, REPLIED, policy.HANDLER_ROLES, guard=all_of(_level, _reply_text), action=record_reply),
    on("confirm", REPLIED, CONFIRMED, {REPORTER}, guard=_satisfied, action=confirm_outcome),
    on("reopen", (REPLIED, CONFIRMED, CLOSED), REOPENED, {REPORTER}, guard=all_of(_unhappy, _in_window),
       action=reopen),
    on("withdraw", OPEN, WITHDRAWN, {REPORTER}, action=stamp("withdrawn_at")),
    on("urge", OPEN, None, {REPORTER}, action=count_urge),
    on("escalate", OPEN, ESCALATED, {SYSTEM}, guard=has_higher_level, action=climb, rearm=True),
    on("remind", OPEN, None, {SYSTEM}, rearm=True),
    on("auto_close", REPLIED, CLOSED, {SYSTEM}, action=stamp("closed_at")),
    on("close", CONFIRMED, CLOSED, {SYSTEM}, action=stamp("closed_at")),
)

WORKFLOW = Workflow(name=NAME, collection=COLLECTION, number_prefix="TS", states=STATES, transitions=TRANSITIONS,
                    initial=SUBMITTED, audience=audience)
