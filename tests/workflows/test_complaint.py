"""The complaint workflow through its service functions, on both backends: routing by
category (and a community's override), the lifecycle, escalation level by level with
frozen time and the real sweep (each level and the complainant notified), reopening,
withdrawal, auto-close and the role/level checks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from core.roles import Actor
from workflows import deadlines
from workflows.complaint import SERVICE, WORKFLOW
from workflows.complaint.policy import policy_for

from tests.helpers import inbox, relay_all

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
PROPERTY_DESK = {"dispatcher", "manager"}
COMMITTEE = {"residents_committee", "grid_worker"}


def actor(world, who: str) -> Actor:
    return Actor.from_person(world.services.store.collection("people").get(world.id(who)))


def file(world, who="owner", category="garbage", now=T0, anonymous=False, place=None) -> dict:
    data = {"category": category, "description": "垃圾三天没人清运", "anonymous": anonymous,
            "place": place or {"kind": "public", "name": "3号楼垃圾站"}}
    return SERVICE.create(world.services, actor(world, who), data, now=now).case


def do(world, who, case, event, now, **payload) -> dict:
    return SERVICE.act(world.services, actor(world, who), case["_id"], event, payload, now=now)


def sweep_until_quiet(world, now) -> list[str]:
    """Sweep until nothing more is due; returns the events the sweep fired, in order."""
    store = world.services.store
    before = {c["_id"]: len(c["history"]) for c in store.collection("complaints").find({}, limit=500).items}
    while deadlines.sweep(store, [WORKFLOW], now=now):
        pass
    fired = []
    for case in store.collection("complaints").find({}, limit=500).items:
        fired += [h["event"] for h in case["history"][before.get(case["_id"], 0):]]
    return fired


def stored(world, case) -> dict:
    return world.services.store.collection("complaints").get(case["_id"])


def ids(world, *keys) -> set[str]:
    return {world.id(k) for k in keys}


def titles(world, who: str) -> list[str]:
    return [n["title"] for n in inbox(world.services, world, who)]


# ---- routing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("category, level", [("garbage", "property"), ("parking", "property"),
                                             ("pets", "property"), ("staff_attitude", "property"),
                                             ("fees", "property"), ("noise", "residents_committee"),
                                             ("objects_from_height", "residents_committee"),
                                             ("other", "residents_committee")])
def test_category_decides_the_level_and_who_is_told(world, category, level):
    case = file(world, category=category)
    assert case["handler_role"] == level and case["escalation_level"] == 0 and case["state"] == "submitted"
    relay_all(world.services)
    crew = PROPERTY_DESK if level == "property" else COMMITTEE
    for who in crew:
        assert any(case["number"] in t for t in titles(world, who)), who
    for who in ({"dispatcher", "manager", "residents_committee", "grid_worker", "street_office"} - crew):
        assert titles(world, who) == [], who


def test_community_settings_reroute_a_category_and_bad_values_are_ignored(world):
    world.services.store.collection("settings").insert({
        "_id": f"complaint:{world.community_id}", "community_id": world.community_id,
        "routing": {"garbage": "residents_committee", "noise": "the_moon", "nonsense": "property"},
        "sla": {"property": {"accept_hours": 2, "reply_hours": "soon"}}, "auto_close_days": True})
    rules = policy_for(world.services.store, world.community_id)
    assert rules.routing["garbage"] == "residents_committee"
    assert rules.routing["noise"] == "residents_committee" and "nonsense" not in rules.routing
    assert rules.sla["property"] == {"accept_hours": 2, "reply_hours": 72}
    assert rules.auto_close_days == 7
    assert file(world, category="garbage")["handler_role"] == "residents_committee"
    # another community keeps the defaults
    assert policy_for(world.services.store, world.other_community_id).routing["garbage"] == "property"


# ---- the lifecycle -----------------------------------------------------------------------------

def test_accept_reply_confirm_then_closed_when_the_reopen_window_ends(world):
    case = file(world)
    case = do(world, "dispatcher", case, "accept", T0 + HOUR)
    assert case["state"] == "accepted" and case["assignee_id"] == world.id("dispatcher")
    case = do(world, "dispatcher", case, "reply", T0 + 2 * HOUR, note="已安排保洁今天清运")
    assert case["state"] == "replied" and case["replies"][0]["text"] == "已安排保洁今天清运"
    case = do(world, "owner", case, "rate", T0 + 3 * HOUR, rating=5, comment="很快")
    assert case["state"] == "confirmed" and case["rating"]["score"] == 5
    assert sweep_until_quiet(world, T0 + 2 * HOUR + timedelta(days=7) - HOUR) == []
    assert sweep_until_quiet(world, T0 + 2 * HOUR + timedelta(days=7)) == ["close"]
    assert stored(world, case)["state"] == "closed"
    relay_all(world.services)
    owner_titles = titles(world, "owner")
    assert any("已受理" in t for t in owner_titles) and any("已答复" in t for t in owner_titles)
    assert any("已获确认" in t for t in titles(world, "dispatcher"))


def test_replied_and_never_rated_closes_after_the_communitys_days(world):
    world.services.store.collection("settings").insert({"_id": f"complaint:{world.community_id}",
                                                        "auto_close_days": 3})
    case = file(world)
    do(world, "manager", case, "accept", T0)
    do(world, "manager", case, "reply", T0 + HOUR, note="已处理")
    assert sweep_until_quiet(world, T0 + HOUR + timedelta(days=3) - timedelta(seconds=1)) == []
    assert sweep_until_quiet(world, T0 + HOUR + timedelta(days=3)) == ["auto_close"]
    relay_all(world.services)
    assert any("已办结" in t for t in titles(world, "owner"))


def test_low_rating_reopens_and_the_level_must_accept_again(world):
    case = file(world)
    do(world, "dispatcher", case, "accept", T0)
    do(world, "dispatcher", case, "reply", T0 + HOUR, note="已处理")
    case = do(world, "owner", case, "rate", T0 + 2 * HOUR, rating=1, comment="根本没人来")
    assert case["state"] == "reopened" and case["reopen_count"] == 1 and case["rating"]["score"] == 1
    assert "accept" in WORKFLOW.available(case, actor(world, "manager"))
    relay_all(world.services)
    assert any("重新打开" in t for t in titles(world, "dispatcher"))
    case = do(world, "manager", case, "accept", T0 + 3 * HOUR)
    case = do(world, "manager", case, "reply", T0 + 4 * HOUR, note="已当面处理")
    assert do(world, "owner", case, "rate", T0 + 5 * HOUR, rating=4)["state"] == "confirmed"


def test_explicit_reopen_within_seven_days_of_the_reply_and_not_after(world):
    case = file(world)
    do(world, "dispatcher", case, "accept", T0)
    do(world, "dispatcher", case, "reply", T0 + HOUR, note="已处理")
    do(world, "owner", case, "rate", T0 + 2 * HOUR, rating=4)
    case = do(world, "owner", case, "reopen", T0 + timedelta(days=6), reason="又堆满了")
    assert case["state"] == "reopened" and case["rating"] is None and case["previous_ratings"][0]["score"] == 4
    do(world, "dispatcher", case, "accept", T0 + timedelta(days=6, hours=1))
    do(world, "dispatcher", case, "reply", T0 + timedelta(days=6, hours=2), note="已清运")
    do(world, "owner", case, "rate", T0 + timedelta(days=6, hours=3), rating=5)
    sweep_until_quiet(world, T0 + timedelta(days=13, hours=2))
    assert stored(world, case)["state"] == "closed"
    with pytest.raises(Conflict) as refused:
        do(world, "owner", case, "reopen", T0 + timedelta(days=13, hours=3))
    assert refused.value.message_key == "complaint.error.reopen_window_closed"


def test_a_satisfied_rating_cannot_reopen_and_an_unhappy_one_cannot_confirm(world):
    case = file(world)
    do(world, "dispatcher", case, "accept", T0)
    do(world, "dispatcher", case, "reply", T0 + HOUR, note="已处理")
    with pytest.raises(ValidationFailed):
        do(world, "owner", case, "confirm", T0 + 2 * HOUR, rating=2)
    with pytest.raises(ValidationFailed):
        do(world, "owner", case, "reopen", T0 + 2 * HOUR, rating=4)
    with pytest.raises(ValidationFailed):
        do(world, "owner", case, "rate", T0 + 2 * HOUR, rating=6)
    assert stored(world, case)["state"] == "replied"


def test_withdraw_while_open_tells_the_handlers_and_ends_the_case(world):
    case = file(world)
    do(world, "dispatcher", case, "accept", T0)
    case = do(world, "owner", case, "withdraw", T0 + HOUR, reason="邻居已经自己清理了")
    assert case["state"] == "withdrawn" and case["deadlines"] == [] and case["next_deadline_at"] is None
    relay_all(world.services)
    assert any("撤回" in t for t in titles(world, "dispatcher"))
    with pytest.raises(Conflict):
        do(world, "owner", case, "urge", T0 + 2 * HOUR)


def test_withdraw_after_the_reply_is_not_possible(world):
    case = file(world)
    do(world, "dispatcher", case, "accept", T0)
    do(world, "dispatcher", case, "reply", T0 + HOUR, note="已处理")
    with pytest.raises(Conflict):
        do(world, "owner", case, "withdraw", T0 + 2 * HOUR)


def test_urge_reaches_the_assignee_at_most_once_per_five_minutes(world):
    case = file(world)
    do(world, "manager", case, "accept", T0)
    assert do(world, "owner", case, "urge", T0 + HOUR)["urge_count"] == 1
    with pytest.raises(RateLimited):
        do(world, "owner", case, "urge", T0 + HOUR + timedelta(minutes=1))
    relay_all(world.services)
    assert any("催办" in t for t in titles(world, "manager"))
    assert not any("催办" in t for t in titles(world, "dispatcher"))


# ---- who may do what ---------------------------------------------------------------------------

def test_only_the_level_holding_the_complaint_may_accept_and_reply(world):
    noise = file(world, category="noise")
    with pytest.raises(Forbidden) as refused:
        do(world, "dispatcher", noise, "accept", T0)
    assert refused.value.message_key == "complaint.error.not_your_level"
    with pytest.raises(Forbidden):
        do(world, "street_office", noise, "accept", T0)
    with pytest.raises(NotFound):
        do(world, "neighbour", noise, "withdraw", T0)     # not the complainant: not even visible
    with pytest.raises(Forbidden):
        do(world, "owner", noise, "accept", T0)           # a complainant is not a handler
    case = do(world, "grid_worker", noise, "accept", T0)
    with pytest.raises(ValidationFailed):
        do(world, "residents_committee", case, "reply", T0 + HOUR)   # a reply needs its text
    assert do(world, "residents_committee", case, "reply", T0 + HOUR, note="已上门调解")["state"] == "replied"


def test_level_queues_are_the_shared_list_narrowed_by_queue_filter(world):
    from tests.factories import person

    garbage, noise = file(world, category="garbage"), file(world, category="noise")
    world.add("both_levels", person(world.community_id, "两级值班", "staff", ["dispatcher", "grid_worker"]))
    assert "list" not in vars(type(SERVICE))      # one list, the queue is the hook's business
    assert SERVICE.queue_filter(actor(world, "dispatcher"), None, []) == {"handler_role": "property"}
    assert SERVICE.queue_filter(actor(world, "owner"), None, []) is None

    def listed(who, state=None) -> list[str]:
        return [c["_id"] for c in SERVICE.list(world.services, actor(world, who), state=state).items]

    assert listed("dispatcher") == [garbage["_id"]]
    assert listed("grid_worker") == [noise["_id"]]
    assert listed("street_office") == []
    assert set(listed("both_levels")) == {garbage["_id"], noise["_id"]}
    assert listed("both_levels", state="accepted") == []
    assert set(listed("owner")) == {garbage["_id"], noise["_id"]}
    assert listed("neighbour") == []


def test_system_events_cannot_be_fired_by_people(world):
    case = file(world)
    for who, event in (("manager", "escalate"), ("owner", "escalate"), ("street_office", "remind")):
        with pytest.raises(Forbidden):
            do(world, who, case, event, T0)
    assert stored(world, case)["escalation_level"] == 0


def test_another_community_cannot_see_or_touch_a_complaint(world):
    case = file(world)
    with pytest.raises(NotFound):
        SERVICE.get(world.services, actor(world, "outsider_dispatcher"), case["_id"])
    with pytest.raises(NotFound):
        do(world, "outsider_dispatcher", case, "accept", T0)
    with pytest.raises(NotFound):
        SERVICE.get(world.services, actor(world, "neighbour"), case["_id"])   # a neighbour's complaint
    with pytest.raises(NotFound):
        SERVICE.get(world.services, actor(world, "plumber"), case["_id"])     # technicians do not handle these


# ---- escalation (吹哨报到) ------------------------------------------------------------------------

def test_unaccepted_complaint_climbs_property_committee_street_office_and_each_is_told(world):
    case = file(world)
    assert sweep_until_quiet(world, T0 + 24 * HOUR - timedelta(seconds=1)) == []
    assert sweep_until_quiet(world, T0 + 24 * HOUR) == ["escalate"]
    case = stored(world, case)
    assert (case["state"], case["handler_role"], case["escalation_level"]) == ("escalated", "residents_committee", 1)
    relay_all(world.services)
    assert any("转交居委会" in t for t in titles(world, "owner"))
    assert any("升级至您处" in t for t in titles(world, "residents_committee"))
    assert any("升级至您处" in t for t in titles(world, "grid_worker"))
    assert any("因逾期已升级" in t for t in titles(world, "dispatcher"))
    assert titles(world, "street_office") == []
    with pytest.raises(Forbidden):
        do(world, "dispatcher", case, "accept", T0 + 25 * HOUR)     # no longer property's

    # the committee's own 24 h clock started at the escalation
    assert sweep_until_quiet(world, T0 + 48 * HOUR - timedelta(seconds=1)) == []
    assert sweep_until_quiet(world, T0 + 48 * HOUR) == ["escalate"]
    case = stored(world, case)
    assert (case["handler_role"], case["escalation_level"]) == ("street_office", 2)
    assert [(e["from"], e["to"]) for e in case["escalations"]] == [("property", "residents_committee"),
                                                                  ("residents_committee", "street_office")]
    relay_all(world.services)
    assert any("转交街道办" in t for t in titles(world, "owner"))
    assert any("升级至您处" in t for t in titles(world, "street_office"))

    # the top rung cannot climb further: it is reminded every 24 h until it acts
    assert sweep_until_quiet(world, T0 + 72 * HOUR) == ["remind"]
    assert sweep_until_quiet(world, T0 + 96 * HOUR) == ["remind"]
    case = stored(world, case)
    assert case["escalation_level"] == 2 and case["state"] == "escalated"
    relay_all(world.services)
    assert sum("已逾期" in t for t in titles(world, "street_office")) == 2
    case = do(world, "street_office", case, "accept", T0 + 97 * HOUR)
    assert do(world, "street_office", case, "reply", T0 + 98 * HOUR, note="已协调处理")["state"] == "replied"


def test_accepted_but_unanswered_escalates_when_the_reply_deadline_passes(world):
    case = file(world)
    do(world, "dispatcher", case, "accept", T0 + 2 * HOUR)
    assert sweep_until_quiet(world, T0 + 74 * HOUR - timedelta(seconds=1)) == []
    assert sweep_until_quiet(world, T0 + 74 * HOUR) == ["escalate"]
    case = stored(world, case)
    assert case["handler_role"] == "residents_committee" and case["assignee_id"] is None
    assert case["escalations"][0]["state"] == "accepted"
    relay_all(world.services)
    assert any("因逾期已升级" in t for t in titles(world, "dispatcher"))


def test_a_committee_complaint_escalates_straight_to_the_street_office(world):
    case = file(world, category="noise")
    assert sweep_until_quiet(world, T0 + 24 * HOUR) == ["escalate"]
    case = stored(world, case)
    assert (case["handler_role"], case["escalation_level"]) == ("street_office", 1)


def test_each_level_brings_its_own_sla(world):
    world.services.store.collection("settings").insert({
        "_id": f"complaint:{world.community_id}",
        "sla": {"property": {"accept_hours": 4}, "residents_committee": {"accept_hours": 48}}})
    case = file(world)
    assert sweep_until_quiet(world, T0 + 4 * HOUR) == ["escalate"]
    assert sweep_until_quiet(world, T0 + 4 * HOUR + 48 * HOUR - timedelta(seconds=1)) == []
    assert sweep_until_quiet(world, T0 + 52 * HOUR) == ["escalate"]
    assert stored(world, case)["handler_role"] == "street_office"


def test_reopened_complaint_is_chased_again_by_the_deadline(world):
    case = file(world)
    do(world, "dispatcher", case, "accept", T0)
    do(world, "dispatcher", case, "reply", T0 + HOUR, note="已处理")
    do(world, "owner", case, "reopen", T0 + 2 * HOUR)
    assert sweep_until_quiet(world, T0 + 26 * HOUR) == ["escalate"]
    assert stored(world, case)["handler_role"] == "residents_committee"


def test_people_who_joined_the_level_after_filing_are_notified_of_the_escalation(world):
    from tests.factories import person
    case = file(world)
    world.add("new_worker", person(world.community_id, "新社工", "staff", ["residents_committee"]))
    sweep_until_quiet(world, T0 + 24 * HOUR)
    relay_all(world.services)
    assert any(case["number"] in t for t in titles(world, "new_worker"))
    assert world.id("new_worker") in stored(world, case)["roster"]["residents_committee"]
