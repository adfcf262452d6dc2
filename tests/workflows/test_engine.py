"""The shared engine's promises, on a toy workflow, on both storage adapters: role and
guard checks, compare-and-set (the loser of a race gets 409 and writes nothing), history,
outbox events in the same write, deadlines armed on entry, and a sweep that fires each
due timer exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core import clock
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import DISPATCHER, SYSTEM, TECHNICIAN, Actor
from workflows import deadlines
from workflows.engine import (ASSIGNEE, REPORTER, Deadline, State, Workflow, apply_event, create_case,
                              fire_deadline, load_case, on)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
TOY = Workflow(
    name="toy", collection="repairs", number_prefix="TY", initial="open",
    states=(State("open", (Deadline("nudge", timedelta(minutes=30), "escalate"),)),
            State("taken", (Deadline("finish", timedelta(hours=2), "escalate"),)),
            State("done", final=True)),
    transitions=(
        on("take", "open", "taken", {TECHNICIAN}, action=lambda ctx: ctx.case.update(assignee_id=ctx.actor.id)),
        on("finish", "taken", "done", {ASSIGNEE}, guard=lambda ctx: bool(ctx.payload.get("note")),
           refusal=ValidationFailed("error.note_required")),
        on("poke", "open", None, {REPORTER}),
        on("escalate", ("open", "taken"), None, {SYSTEM},
           action=lambda ctx: ctx.case.update(level=ctx.case.get("level", 0) + 1)),
    ),
    audience=lambda event, case: case.get("reporter_ids", []),
)

REPORTER_ACTOR = Actor("p-res", "c1", frozenset({"resident"}), name="居民")
TECH = Actor("p-tech", "c1", frozenset({TECHNICIAN}), kind="staff", name="师傅")
TECH2 = Actor("p-tech2", "c1", frozenset({TECHNICIAN}), kind="staff", name="师傅二")
OTHER_DESK = Actor("p-x", "c2", frozenset({DISPATCHER}), kind="staff")


def outbox_of(store, case_id: str) -> list[dict]:
    events = store.collection("outbox").find({"status": "pending"}, limit=500).items
    return [e for e in events if e["case_id"] == case_id]


@pytest.fixture
def case(services):
    return create_case(services.store, TOY, {"reporter_ids": [REPORTER_ACTOR.id]}, REPORTER_ACTOR, now=T0)


def test_create_case_numbers_history_deadline_and_outbox(services, case):
    assert case["number"] == "TY000001" and case["state"] == "open" and case["version"] == 1
    assert case["history"][0]["event"] == "create" and case["history"][0]["to"] == "open"
    assert case["deadlines"] == [{"name": "nudge", "at": clock.iso(T0 + timedelta(minutes=30)), "event": "escalate"}]
    assert case["next_deadline_at"] == clock.iso(T0 + timedelta(minutes=30))
    [event] = outbox_of(services.store, case["_id"])
    assert event["type"] == "toy.created" and event["recipients"] == [REPORTER_ACTOR.id]


def test_apply_event_appends_history_rearms_deadlines_and_writes_outbox(services, case):
    later = T0 + timedelta(minutes=5)
    taken = apply_event(services.store, TOY, case["_id"], "take", TECH, {"note": "on my way"}, now=later)
    stored = services.store.collection("repairs").get(case["_id"])
    assert stored["state"] == "taken" and stored["version"] == 2 and stored["assignee_id"] == TECH.id
    assert stored == {**taken, "_id": stored["_id"]}
    last = stored["history"][-1]
    assert (last["event"], last["from"], last["to"], last["actor_id"], last["note"]) == (
        "take", "open", "taken", TECH.id, "on my way")
    assert [d["name"] for d in stored["deadlines"]] == ["finish"]
    assert stored["next_deadline_at"] == clock.iso(later + timedelta(hours=2))
    types = [e["type"] for e in outbox_of(services.store, case["_id"])]
    assert sorted(types) == ["toy.created", "toy.take"]


def test_two_writers_with_the_same_version_exactly_one_wins(services, case):
    apply_event(services.store, TOY, case["_id"], "take", TECH, expected_version=1, now=T0)
    with pytest.raises(Conflict) as lost:
        apply_event(services.store, TOY, case["_id"], "take", TECH2, expected_version=1, now=T0)
    assert lost.value.status == 409
    stored = services.store.collection("repairs").get(case["_id"])
    assert stored["assignee_id"] == TECH.id and stored["version"] == 2
    assert len(outbox_of(services.store, case["_id"])) == 2  # created + the winner's take, nothing from the loser


def test_compare_and_set_loser_writes_neither_case_nor_outbox(services, case, monkeypatch):
    """Regression guard for the race window between reading a case and writing it: the
    other writer lands in between, so the CAS fails inside the write transaction."""
    import workflows.engine as engine

    real_load = engine.load_case

    def load_then_someone_else_writes(store, workflow, case_id, actor):
        current = real_load(store, workflow, case_id, actor)
        monkeypatch.setattr(engine, "load_case", real_load)
        apply_event(store, workflow, case_id, "take", TECH2, now=T0)
        return current

    monkeypatch.setattr(engine, "load_case", load_then_someone_else_writes)
    with pytest.raises(Conflict):
        apply_event(services.store, TOY, case["_id"], "take", TECH, now=T0)
    stored = services.store.collection("repairs").get(case["_id"])
    assert stored["assignee_id"] == TECH2.id and [h["event"] for h in stored["history"]] == ["create", "take"]
    assert len(outbox_of(services.store, case["_id"])) == 2


def test_roles_guards_unknown_events_and_wrong_states(services, case):
    store = services.store
    with pytest.raises(Forbidden):
        apply_event(store, TOY, case["_id"], "take", REPORTER_ACTOR)
    with pytest.raises(ValidationFailed):
        apply_event(store, TOY, case["_id"], "fly", TECH)
    with pytest.raises(Conflict):
        apply_event(store, TOY, case["_id"], "finish", TECH)  # not taken yet
    apply_event(store, TOY, case["_id"], "take", TECH)
    with pytest.raises(Forbidden):
        apply_event(store, TOY, case["_id"], "finish", TECH2, {"note": "x"})  # not the assignee
    with pytest.raises(ValidationFailed):
        apply_event(store, TOY, case["_id"], "finish", TECH, {})  # guard: a note is required
    assert apply_event(store, TOY, case["_id"], "finish", TECH, {"note": "fixed"})["state"] == "done"
    assert TOY.available(store.collection("repairs").get(case["_id"]), TECH) == []


def test_another_community_sees_nothing(services, case):
    with pytest.raises(NotFound):
        load_case(services.store, TOY, case["_id"], OTHER_DESK)
    with pytest.raises(NotFound):
        apply_event(services.store, TOY, case["_id"], "take", OTHER_DESK)


def test_sweep_fires_a_due_deadline_once_and_never_early(services, case):
    store = services.store
    assert deadlines.sweep(store, [TOY], now=T0 + timedelta(minutes=29)) == 0
    assert deadlines.sweep(store, [TOY], now=T0 + timedelta(minutes=31)) == 1
    stored = store.collection("repairs").get(case["_id"])
    assert stored["level"] == 1 and stored["deadlines"] == [] and stored["next_deadline_at"] is None
    assert stored["history"][-1]["actor_id"] == "system" and stored["history"][-1]["event"] == "escalate"
    assert deadlines.sweep(store, [TOY], now=T0 + timedelta(hours=5)) == 0
    assert store.collection("repairs").get(case["_id"])["level"] == 1


def test_a_timer_left_from_an_earlier_state_is_dropped_not_fired(services, case):
    store = services.store
    apply_event(store, TOY, case["_id"], "take", TECH, now=T0)
    stored = store.collection("repairs").get(case["_id"])
    # "poke" is not possible in "taken": the sweep must drop the timer, not retry it forever
    stored["deadlines"].append({"name": "stale", "at": clock.iso(T0), "event": "poke"})
    stored["next_deadline_at"] = clock.iso(T0)
    assert store.collection("repairs").replace(stored, stored["version"])
    assert deadlines.sweep(store, [TOY], now=T0 + timedelta(minutes=1)) == 0   # dropped is not fired
    after = store.collection("repairs").get(case["_id"])
    assert [d["name"] for d in after["deadlines"]] == ["finish"] and after["state"] == "taken"
    assert [h["event"] for h in after["history"]] == ["create", "take"]
    assert deadlines.sweep(store, [TOY], now=T0 + timedelta(minutes=2)) == 0


def _add_stale_timer(store, case_id: str, at: datetime) -> dict:
    stored = store.collection("repairs").get(case_id)
    stored["deadlines"].append({"name": "stale", "at": clock.iso(at), "event": "take"})   # "take" left "open"
    stored["next_deadline_at"] = min(d["at"] for d in stored["deadlines"])
    assert store.collection("repairs").replace(stored, stored["version"])
    return store.collection("repairs").get(case_id)


def test_a_stale_timer_due_before_a_real_one_does_not_hold_the_real_one_back(services, case):
    store = services.store
    apply_event(store, TOY, case["_id"], "take", TECH, now=T0)
    _add_stale_timer(store, case["_id"], T0)
    # the stale timer is dropped and the due "finish" timer fires in the same sweep
    assert deadlines.sweep(store, [TOY], now=T0 + timedelta(hours=3)) == 1
    after = store.collection("repairs").get(case["_id"])
    assert after["level"] == 1 and [h["event"] for h in after["history"]] == ["create", "take", "escalate"]
    assert not any(d["name"] == "stale" for d in after["deadlines"])


def test_fire_deadline_says_whether_the_timer_fired(services, case):
    store = services.store
    apply_event(store, TOY, case["_id"], "take", TECH, now=T0)
    stored = _add_stale_timer(store, case["_id"], T0)
    stale = next(d for d in stored["deadlines"] if d["name"] == "stale")
    dropped, fired = fire_deadline(store, TOY, stored, stale, now=T0 + timedelta(minutes=1))
    assert fired is False and [d["name"] for d in dropped["deadlines"]] == ["finish"]
    assert dropped["version"] == stored["version"] + 1 and len(dropped["history"]) == len(stored["history"])
    real = dropped["deadlines"][0]
    escalated, fired = fire_deadline(store, TOY, dropped, real, now=T0 + timedelta(hours=3))
    assert fired is True and escalated["level"] == 1 and escalated["history"][-1]["actor_id"] == "system"
