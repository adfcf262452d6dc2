"""The shared workflow engine: declarative machines, one function that applies an event.

A workflow is a table — states (with the deadlines each one starts), and transitions
(event, source states, target, who may fire it, a guard that reads as a question, an
action that changes the case). :func:`apply_event` checks role and guard, writes the new
state with a compare-and-set on ``version`` (the loser of a race gets a 409), appends
history, and writes the resulting domain events to the outbox in the same transaction.
Timers are data: ``deadlines`` on the case and ``next_deadline_at`` for the sweep in
:mod:`workflows.deadlines`, so nothing depends on an in-memory timer surviving a restart.

Relational roles: besides role names, a transition may allow ``REPORTER`` (anyone who
reported the case) or ``ASSIGNEE`` (the person it is assigned to).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from core import clock
from core.errors import Conflict, Forbidden, LinliError, NotFound, ValidationFailed
from core.roles import SYSTEM, Actor

REPORTER = "@reporter"
ASSIGNEE = "@assignee"
ANY_ACTIVE = "*"


@dataclass(frozen=True)
class Deadline:
    """When entering a state, fire ``event`` after ``after`` (a delta, or a function of the
    case returning a delta or None for "no deadline for this case")."""

    name: str
    after: timedelta | Callable[[dict], timedelta | None]
    event: str

    def due(self, case: dict, start: datetime) -> str | None:
        delta = self.after(case) if callable(self.after) else self.after
        return clock.iso(start + delta) if delta is not None else None


@dataclass(frozen=True)
class State:
    name: str
    deadlines: tuple[Deadline, ...] = ()
    final: bool = False
    label: str = ""


@dataclass
class Context:
    """What guards and actions see; actions change ``case`` and may ``emit`` extra events."""

    workflow: "Workflow"
    case: dict
    actor: Actor
    payload: dict
    now: datetime
    store: object
    events: list[dict] = field(default_factory=list)

    def emit(self, type_: str, recipients: Iterable[str], **data) -> None:
        self.events.append({"type": type_, "recipients": sorted(set(recipients)), "data": data})


@dataclass(frozen=True)
class Transition:
    event: str
    sources: tuple[str, ...]
    target: str | None                      # None: stay in the state (an internal transition)
    roles: frozenset[str]
    guard: Callable[[Context], bool] | None = None
    refusal: LinliError | None = None       # raised when the guard says no
    action: Callable[[Context], None] | None = None
    rearm: bool = False                     # restart the state's deadlines even when staying

    def allows(self, actor: Actor, case: dict) -> bool:
        if actor.roles & self.roles:
            return True
        if REPORTER in self.roles and actor.id in case.get("reporter_ids", []):
            return True
        return ASSIGNEE in self.roles and actor.id == case.get("assignee_id") and actor.id is not None


def on(event: str, sources: str | Iterable[str], target: str | None, roles: Iterable[str], **options) -> Transition:
    """Declare a transition: ``on("accept", "assigned", "accepted", {ASSIGNEE})``."""
    sources = (sources,) if isinstance(sources, str) else tuple(sources)
    return Transition(event=event, sources=sources, target=target, roles=frozenset(roles), **options)


@dataclass(frozen=True)
class Workflow:
    """A declared workflow; ``audience(event_type, case)`` names who is told about an event."""

    name: str
    collection: str
    number_prefix: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str
    audience: Callable[[str, dict], Iterable[str]] = lambda event, case: ()

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(name)

    def events(self) -> set[str]:
        return {t.event for t in self.transitions}

    def find_transition(self, event: str, state: str) -> Transition | None:
        final = self.state(state).final
        for transition in self.transitions:
            if transition.event == event and (state in transition.sources or
                                              (ANY_ACTIVE in transition.sources and not final)):
                return transition
        return None

    def available(self, case: dict, actor: Actor) -> list[str]:
        """Events this actor may fire now (the UI shows these as buttons)."""
        return sorted({t.event for t in self.transitions
                       if self.find_transition(t.event, case["state"]) is t and t.allows(actor, case)
                       and SYSTEM not in t.roles})

    def mermaid(self) -> str:
        """A Mermaid state diagram of this workflow, for the docs."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for transition in self.transitions:
            sources = ([s.name for s in self.states if not s.final] if ANY_ACTIVE in transition.sources
                       else transition.sources)
            who = ", ".join(sorted(r.lstrip("@") for r in transition.roles))
            for source in sources:
                target = transition.target or source
                lines.append(f"    {source} --> {target}: {transition.event} ({who})")
        for state in self.states:
            for deadline in state.deadlines:
                lines.append(f"    note right of {state.name}: {deadline.name} deadline fires {deadline.event}")
            if state.final:
                lines.append(f"    {state.name} --> [*]")
        return "\n".join(lines) + "\n"


# ---- creating and changing cases ------------------------------------------------------

def _arm(workflow: Workflow, case: dict, state: str, now: datetime) -> None:
    deadlines = []
    for deadline in workflow.state(state).deadlines:
        at = deadline.due(case, now)
        if at:
            deadlines.append({"name": deadline.name, "at": at, "event": deadline.event})
    case["deadlines"] = deadlines
    _refresh_next_deadline(case)


def _refresh_next_deadline(case: dict) -> None:
    case["next_deadline_at"] = min((d["at"] for d in case.get("deadlines", [])), default=None)


def _history(actor: Actor, event: str, source: str | None, target: str, now: datetime, note: str = "") -> dict:
    role = sorted(actor.roles)[0] if actor.roles else actor.kind
    return {"at": clock.iso(now), "actor_id": actor.id, "actor_name": actor.name, "role": role,
            "event": event, "from": source, "to": target, "note": note}


def _outbox_docs(workflow: Workflow, case: dict, events: list[dict], now: datetime) -> list[dict]:
    docs = []
    for index, event in enumerate(events):
        recipients = event["recipients"]
        if recipients is None:
            recipients = sorted(set(workflow.audience(event["type"], case)))
        docs.append({
            "_id": f"{case['_id']}:{case['version']}:{index}", "community_id": case["community_id"],
            "type": event["type"], "workflow": workflow.name, "case_id": case["_id"],
            "case_number": case.get("number"), "recipients": recipients, "data": event.get("data", {}),
            "status": "pending", "attempts": 0, "available_at": clock.iso(now), "created_at": clock.iso(now)})
    return docs


def create_case(store, workflow: Workflow, fields: dict, actor: Actor, now: datetime | None = None,
                note: str = "") -> dict:
    """Insert a new case in the initial state with its first history entry and outbox event."""
    now = now or clock.now()
    community_id = fields.get("community_id") or actor.community_id
    if not community_id:
        raise ValidationFailed("error.community_required")
    sequence = store.next_sequence(f"{workflow.name}:{community_id}")
    case = {
        "_id": clock.new_id(workflow.number_prefix.lower()),
        **fields,
        "community_id": community_id,
        "workflow": workflow.name,
        "number": f"{workflow.number_prefix}{sequence:06d}",
        "state": workflow.initial,
        "version": 1,
        "created_at": clock.iso(now),
        "updated_at": clock.iso(now),
        "history": [_history(actor, "create", None, workflow.initial, now, note)],
    }
    _arm(workflow, case, workflow.initial, now)
    events = [{"type": f"{workflow.name}.created", "recipients": None, "data": {"state": workflow.initial}}]
    with store.transaction():
        store.collection(workflow.collection).insert(case)
        for doc in _outbox_docs(workflow, case, events, now):
            store.collection("outbox").insert(doc)
    return case


def load_case(store, workflow: Workflow, case_id: str, actor: Actor) -> dict:
    """Fetch a case the actor's community owns; another community's case is simply not found."""
    case = store.collection(workflow.collection).get(case_id)
    if case is None or (SYSTEM not in actor.roles and case.get("community_id") != actor.community_id):
        raise NotFound("error.case_not_found")
    return case


def apply_event(store, workflow: Workflow, case_id: str, event: str, actor: Actor, payload: dict | None = None,
                now: datetime | None = None, expected_version: int | None = None) -> dict:
    """Fire ``event`` on a case: role, guard, CAS write, history and outbox, atomically.

    ``expected_version`` (from the client's copy) makes a stale screen lose with 409 even
    when no other write is in flight; without it the version read here is used.
    """
    return _apply(store, workflow, case_id, event, actor, payload, now, expected_version)[0]


def fire_deadline(store, workflow: Workflow, case: dict, deadline: dict,
                  now: datetime | None = None) -> tuple[dict, bool]:
    """Fire one of ``case``'s timers as the system actor; returns ``(case, fired)``.

    ``fired`` is False when the timer was stale — its event has no transition from the
    case's state any more — and was only dropped, so that the sweep does not retry it.
    """
    return _apply(store, workflow, case["_id"], deadline["event"], Actor.system(case["community_id"]),
                  {"deadline": deadline["name"]}, now, None)


def _apply(store, workflow: Workflow, case_id: str, event: str, actor: Actor, payload: dict | None,
           now: datetime | None, expected_version: int | None) -> tuple[dict, bool]:
    now = now or clock.now()
    payload = dict(payload or {})
    if event not in workflow.events():
        raise ValidationFailed("error.unknown_event", event=event)
    current = load_case(store, workflow, case_id, actor)
    if expected_version is not None and expected_version != current["version"]:
        raise Conflict("error.stale_version", details={"version": current["version"]})
    case = copy.deepcopy(current)
    fired_deadline = payload.get("deadline")
    if fired_deadline:
        case["deadlines"] = [d for d in case.get("deadlines", []) if d["name"] != fired_deadline]
        _refresh_next_deadline(case)
    transition = workflow.find_transition(event, case["state"])
    if transition is None:
        if fired_deadline:  # a stale timer: drop it so the sweep does not retry forever
            _write(store, workflow, current, case, [], now)
            return case, False
        raise Conflict("error.transition_not_allowed", event=event, details={"state": case["state"]})
    if not transition.allows(actor, case):
        raise Forbidden("error.role_required")
    ctx = Context(workflow=workflow, case=case, actor=actor, payload=payload, now=now, store=store)
    if transition.guard is not None and not transition.guard(ctx):
        raise transition.refusal or Conflict("error.guard_failed", event=event)
    source = case["state"]
    target = transition.target or source
    if transition.action is not None:
        transition.action(ctx)
    case["state"] = target
    case["updated_at"] = clock.iso(now)
    case["history"].append(_history(actor, event, source, target, now, str(payload.get("note", ""))[:2000]))
    if target != source or transition.rearm:
        _arm(workflow, case, target, now)
    events = [{"type": f"{workflow.name}.{event}", "recipients": None,
               "data": {"from": source, "to": target, "by": actor.id}}] + ctx.events
    _write(store, workflow, current, case, events, now)
    return case, True


def _write(store, workflow: Workflow, current: dict, case: dict, events: list[dict], now: datetime) -> None:
    with store.transaction():
        if not store.collection(workflow.collection).replace(case, current["version"]):
            raise Conflict("error.stale_version")
        for doc in _outbox_docs(workflow, case, events, now):
            store.collection("outbox").insert(doc)
