"""The dialog manager with a scripted NLU: what the stories cannot reach — failures on the
way to storing an emergency, locks, hand-offs held by staff, events, languages."""
from __future__ import annotations

import re

import pytest

from bot import pipeline, staff_commands
from bot.actions import emergency as emergency_action
from bot.actions import handoff
from bot.dialog import policies
from bot.dialog import tracker as tracker_module
from bot.dialog.manager import DialogManager
from bot.dialog.tracker import TrackerStore
from bot.messages import EVENT, IMAGE, LOCATION, VOICE, InboundMessage, Location
from core import clock
from core.errors import ValidationFailed
from notifications.render import make_renderer
from tests.factories import person
from tests.helpers import relay_all
from workflows.repair import service as repair_service

CHANNEL = "json"


def said(intent, confidence=0.95, safety=None, **entities):
    return {"intent": intent, "confidence": confidence, "safety": safety, "entities": entities}


SCRIPT = {
    "你好": said("greet"),
    "救命我摔倒了": said("emergency", safety="fall_cannot_get_up"),
    "快来人": said("emergency", safety="call_for_help"),
    "厨房水管漏水了": said("repair_request", facility="water_pipe"),
    "电梯坏了": said("repair_request", facility="elevator"),
    "尽快": said("out_of_scope", 0.3),
    "对": said("affirm"),
    "转人工": said("human_agent"),
    "你什么时候来": said("out_of_scope", 0.9),
    "嗯嗯那个": said("complaint", 0.2),
}


def fake_parse(text: str, locale: str) -> dict:
    entry = SCRIPT.get(text, said("out_of_scope", 0.9))
    return {"text": text, "intent": {"name": entry["intent"], "confidence": entry["confidence"]},
            "intent_ranking": [], "safety_net": {"triggered": bool(entry["safety"]), "rule": entry["safety"]},
            "entities": [{"entity": name, "value": value, "text": value}
                         for name, value in entry["entities"].items()]}


@pytest.fixture
def talk(services, world):
    manager = DialogManager(services, parse=fake_parse)

    def send(who: str | None, text: str = "", **fields):
        person = world.people.get(who) if who else None
        inbound = InboundMessage(channel=CHANNEL, user_key=(person or {}).get("openid") or who or "stranger",
                                 person_id=(person or {}).get("_id"), text=text, msg_id=clock.new_id("m"),
                                 community_id=fields.pop("community_id", (person or {}).get("community_id")),
                                 **fields)
        return manager.handle(inbound)

    return send


def tracker_of(services, world, who: str):
    return TrackerStore(services).load(CHANNEL, world.people[who]["openid"])


def all_of(services, collection: str) -> list[dict]:
    return services.store.collection(collection).find({}, limit=1000).items


def outbox_of(services, type_: str) -> list[dict]:
    return [e for e in all_of(services, "outbox") if e["type"] == type_]


# ---- emergencies -----------------------------------------------------------------------------------

def test_an_emergency_is_stored_and_pages_the_duty_room_before_the_reply(services, world, talk):
    [reply] = talk("elderly", "救命我摔倒了")
    assert "120" in reply.text and "119" in reply.text
    [repair] = all_of(services, "repairs")
    [alert] = all_of(services, "handoffs")
    assert repair["description"] == "【紧急求助】救命我摔倒了"
    assert repair["reporter_ids"] == [world.id("elderly")]
    # a fall is no longer a normal repair waiting for a dispatcher: the duty room has it now
    assert (repair["category"], repair["priority"], repair["state"], repair["assignee_id"]) == (
        "other", "emergency", "assigned", world.id("security"))
    assert (alert["kind"], alert["summary"]["case_id"], alert["summary"]["danger"]) == (
        "emergency", repair["_id"], "fall_cannot_get_up")
    [page] = outbox_of(services, "handoff.emergency")
    duty = {world.id(k) for k in ("security", "dispatcher", "manager", "grid_worker")}
    assert set(page["recipients"]) == duty
    assert tracker_of(services, world, "elderly").handoff_id == alert["_id"]


def test_an_emergency_is_kept_even_when_no_repair_can_be_made(services, world, talk, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationFailed("error.repair.category_unknown")

    monkeypatch.setattr(repair_service.SERVICE, "raise_emergency", refuse)
    [reply] = talk("owner", "救命我摔倒了")
    assert "已经通知物业值班室" in reply.text
    [alert] = all_of(services, "handoffs")
    assert alert["summary"]["case_id"] is None and alert["text"] == "救命我摔倒了"
    assert outbox_of(services, "handoff.emergency")


def test_when_nothing_can_be_stored_the_person_is_still_told_to_call(services, world, talk, monkeypatch):
    def store_down(*args, **kwargs):
        raise ConnectionError("store unavailable")

    monkeypatch.setattr(handoff, "open_handoff", store_down)
    [reply] = talk("owner", "救命我摔倒了")
    assert "120" in reply.text and "无法通知" in reply.text


def test_a_second_cry_within_minutes_is_noted_on_the_same_repair(services, world, talk):
    talk("elderly", "救命我摔倒了")
    talk("elderly", "快来人")
    [repair] = all_of(services, "repairs")
    assert [h["event"] for h in repair["history"]][-1] == "note"
    assert len(all_of(services, "handoffs")) == 2


def test_what_follows_an_emergency_reaches_the_duty_room(services, world, talk):
    talk("elderly", "救命我摔倒了")
    [reply] = talk("elderly", "我在卫生间")
    assert "值班" in reply.text
    [update] = outbox_of(services, "handoff.update")
    [page] = outbox_of(services, "handoff.emergency")
    assert (update["data"]["text"], update["recipients"]) == ("我在卫生间", page["recipients"])


def test_an_emergency_from_nobody_known_is_kept_with_what_is_known(services, world, talk):
    [reply] = talk(None, "救命我摔倒了")
    [alert] = all_of(services, "handoffs")
    assert (alert["person_id"], alert["community_id"], alert["user_key"], alert["text"]) == (
        None, None, "stranger", "救命我摔倒了")
    assert "120" in reply.text and all_of(services, "repairs") == []


def platform_duty(world) -> str:
    """A street-office duty person (no community) and a former one who must not be paged."""
    world.add("retired_duty", person(None, "已调岗", "staff", ["platform_admin"], active=False))
    return world.add("platform_duty", person(None, "街道值班", "staff", ["platform_admin"],
                                             wecom_userid="wecom-street"))["_id"]


def test_an_emergency_from_nobody_known_pages_every_platform_duty_at_least_once(services, world, talk):
    duty = platform_duty(world)
    [reply] = talk(None, "救命我摔倒了")
    assert "已经通知值班人员" in reply.text and "120" in reply.text and "119" in reply.text
    [alert] = all_of(services, "handoffs")
    assert (alert["community_id"], alert["paged"]) == (None, [duty])
    [page] = outbox_of(services, "handoff.emergency_unplaced")
    assert (page["recipients"], page["community_id"]) == ([duty], None)
    relay_all(services)
    relay_all(services)   # at least once, and once per person
    notes = services.store.collection("notifications").find({"community_id": None, "person_id": duty},
                                                            limit=10).items
    assert [n["template"] for n in notes] == ["handoff.emergency_unplaced"]
    assert f"接待 {alert['_id'][-6:]}" in notes[0]["body"] and "救命我摔倒了" in notes[0]["body"]
    assert services.store.collection("outbox").get(page["_id"])["status"] == "done"
    staff_commands.respond(services, InboundMessage(channel="wecom", user_key="wecom-street", person_id=duty,
                                                    text=f"接待 {alert['_id'][-6:]}"))
    assert services.store.collection("handoffs").get(alert["_id"])["staff_id"] == duty


def test_a_community_with_nobody_on_duty_pages_the_platform_duty(services, world, talk):
    duty = platform_duty(world)
    people = services.store.collection("people")
    for key in ("security", "dispatcher", "manager"):
        doc = people.get(world.id(key))
        people.replace({**doc, "active": False}, doc["version"])
    [reply] = talk("owner", "救命我摔倒了")
    assert "已经通知物业值班室" in reply.text
    [page] = outbox_of(services, "handoff.emergency")
    assert (page["recipients"], page["community_id"]) == ([duty], world.community_id)


def test_an_emergency_nobody_can_be_paged_for_says_so_and_to_call_120(services, world, talk):
    [reply] = talk(None, "救命我摔倒了")
    assert "120" in reply.text and "119" in reply.text and "联系不上值班人员" in reply.text
    assert "已经通知" not in reply.text
    [follow_up] = talk(None, "我在3号楼")
    assert "120" in follow_up.text and "已经转告" not in follow_up.text
    assert all_of(services, "handoffs")[0]["paged"] == []


def test_an_unknown_person_on_a_community_channel_gets_a_repair_for_the_duty_room(services, world, talk):
    talk(None, "救命我摔倒了", community_id=world.community_id)
    [repair] = all_of(services, "repairs")
    assert repair["location"]["place"] == f"{CHANNEL}:stranger"
    assert repair["community_id"] == world.community_id


def test_danger_decides_the_repair_category():
    def net(rule):
        return {"safety_net": {"triggered": True, "rule": rule}}

    assert emergency_action.category_for(net("gas_smell"), "") == "gas"
    assert emergency_action.category_for(net("trapped_in_lift"), "") == "elevator"
    assert emergency_action.category_for({}, "着火了") == "smoke_detector"
    assert emergency_action.category_for(net("chest_pain"), "") == "other"


# ---- robustness ---------------------------------------------------------------------------------------

def test_a_bug_in_a_turn_gets_an_apology_and_the_tracker_is_still_saved(services, world, talk, monkeypatch):
    def broken(turn):
        raise RuntimeError("bug")

    monkeypatch.setitem(policies.SIMPLE, "greet", broken)
    [reply] = talk("owner", "你好")
    assert "系统出了点问题" in reply.text
    assert tracker_of(services, world, "owner").turns == 1


def test_a_held_lock_delays_the_answer_but_never_drops_it(services, world, talk, monkeypatch):
    monkeypatch.setattr(tracker_module, "LOCK_WAIT_SECONDS", 0.2)
    held = TrackerStore(services).lock(CHANNEL, "o-owner")
    assert held.acquire(blocking=False)
    [reply] = talk("owner", "你好")
    assert reply.text.startswith("您好")
    held.release()


def test_a_refused_submission_says_why_and_offers_a_person(services, world, talk, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationFailed("error.repair.house_not_yours")

    talk("owner", "厨房水管漏水了")
    talk("owner", "尽快")
    monkeypatch.setattr(repair_service.SERVICE, "create", refuse)
    [reply] = talk("owner", "对")
    assert "没能提交" in reply.text and [b.payload for b in reply.buttons][0] == "/human_agent"
    tracker = tracker_of(services, world, "owner")
    assert tracker.form == "repair" and tracker.pending["kind"] == "offer_human"


def test_long_messages_keep_every_word_in_the_description(services, world, talk, monkeypatch):
    whole = "厨房水管漏水了" + "，" * 400 + "楼下邻居家天花板也湿了"
    monkeypatch.setattr(pipeline, "full_text", lambda services, inbound: whole)
    talk("owner", "厨房水管漏水了")
    assert tracker_of(services, world, "owner").slots["description"] == whole


def test_replies_carry_the_parse_for_the_turn_log(world, talk):
    [reply] = talk("owner", "你好")
    assert reply.meta["parse"]["intent"]["name"] == "greet"


def test_an_unsure_parse_is_out_of_scope_with_the_menu(world, talk):
    [reply] = talk("owner", "嗯嗯那个")
    assert "帮不上忙" in reply.text and [b.payload for b in reply.buttons] == [
        "/repair_request", "/complaint", "/ticket_status"]


# ---- hand-off ------------------------------------------------------------------------------------------

def test_asking_for_a_person_tells_the_dispatchers_once(services, world, talk):
    talk("owner", "转人工")
    [reply] = talk("owner", "转人工")
    assert "已经通知过" in reply.text
    [page] = outbox_of(services, "handoff.human")
    assert page["recipients"] == [world.id("dispatcher")]
    assert page["data"]["name"] == "张业主"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_hand_off_notice_tells_staff_the_wecom_command_that_takes_it(services, world, talk, locale):
    talk("owner", "转人工")
    [doc] = all_of(services, "handoffs")
    [page] = outbox_of(services, "handoff.human")
    dispatcher = {**world.people["dispatcher"], "locale": locale}
    body = make_renderer(services.config.public_base_url)(page, dispatcher).body
    command = re.search(r"接待 \w+", body).group(0)
    assert command == f"接待 {doc['_id'][-6:]}"
    inbound = InboundMessage(channel="wecom", user_key="wecom-dispatcher", person_id=world.id("dispatcher"),
                             text=command, locale=locale)
    staff_commands.respond(services, inbound)
    assert services.store.collection("handoffs").get(doc["_id"])["staff_id"] == world.id("dispatcher")


def test_while_staff_hold_the_hand_off_what_the_person_writes_goes_to_them(services, world, talk):
    talk("owner", "转人工")
    [doc] = all_of(services, "handoffs")
    handoffs = services.store.collection("handoffs")
    handoffs.replace({**doc, "staff_id": world.id("dispatcher"), "staff_name": "王调度"}, doc["version"])
    [reply] = talk("owner", "你什么时候来")
    assert "王调度" in reply.text
    [message] = outbox_of(services, "handoff.message")
    assert (message["recipients"], message["data"]["text"]) == ([world.id("dispatcher")], "你什么时候来")
    taken = handoffs.get(doc["_id"])
    handoffs.replace({**taken, "state": "closed"}, taken["version"])
    [reply] = talk("owner", "你好")
    assert reply.text.startswith("您好") and tracker_of(services, world, "owner").handoff_id is None


def test_someone_unknown_on_a_community_channel_can_reach_a_person(services, world, talk):
    talk(None, "转人工", community_id=world.community_id)
    [doc] = all_of(services, "handoffs")
    assert (doc["community_id"], doc["person_id"]) == (world.community_id, None)


# ---- events, media, languages ---------------------------------------------------------------------------

def test_a_menu_click_names_the_intent(services, world, talk):
    [reply] = talk("owner", kind=EVENT, event="click", event_key="repair_request")
    assert tracker_of(services, world, "owner").form == "repair" and "什么坏了" in reply.text


def test_subscribe_welcomes_and_unsubscribe_forgets(services, world, talk):
    [reply] = talk("owner", kind=EVENT, event="subscribe")
    assert "欢迎" in reply.text and len(reply.buttons) == 3
    talk("owner", "厨房水管漏水了")
    assert talk("owner", kind=EVENT, event="unsubscribe") == []
    assert tracker_of(services, world, "owner").form is None


def test_a_shared_location_answers_where(services, world, talk):
    house = world.houses["2-2-101"]
    services.store.collection("bindings").insert({
        "_id": f"{world.id('owner')}:{house['_id']}", "community_id": world.community_id,
        "person_id": world.id("owner"), "house_id": house["_id"], "relation": "owner", "state": "approved",
        "created_at": clock.now_iso()})
    [question] = talk("owner", "厨房水管漏水了")
    assert [b.title for b in question.buttons] == ["1号楼1单元101", "2号楼2单元101"]
    talk("owner", kind=LOCATION, location=Location(43.8, 87.6, "小区西门"))
    assert tracker_of(services, world, "owner").slots["location"] == {"kind": "public", "place": "小区西门"}


def test_a_photo_from_someone_unknown_explains_binding(world, talk):
    [reply] = talk(None, kind=IMAGE, media_id="m1", image_url="https://example/p.jpg")
    assert "绑定" in reply.text


def test_english_speakers_are_answered_in_english(services, world, talk):
    person = services.store.collection("people").get(world.id("owner"))
    services.store.collection("people").replace({**person, "locale": "en"}, person["version"])
    [reply] = talk("owner", "厨房水管漏水了")
    assert reply.text.startswith("When can the technician come")
    assert [b.title for b in reply.buttons] == ["As soon as possible", "Tomorrow morning",
                                                "Tomorrow afternoon"]


def test_a_change_button_asks_that_slot_again(services, world, talk):
    talk("owner", "厨房水管漏水了")
    talk("owner", "尽快")
    talk("owner", "/deny")
    [reply] = talk("owner", "/change:preferred_time")
    tracker = tracker_of(services, world, "owner")
    assert tracker.pending == {"kind": "slot", "slot": "preferred_time"}
    assert "preferred_time" not in tracker.slots
    assert "什么时候" in reply.text


def test_voice_without_recognition_repeats_the_question(services, world, talk):
    talk("owner", "厨房水管漏水了")
    [reply] = talk("owner", kind=VOICE, voice=True, text="")
    assert "没听清" in reply.text and "什么时候" in reply.text
    assert tracker_of(services, world, "owner").pending == {"kind": "slot", "slot": "preferred_time"}


def test_an_empty_text_is_neither_parsed_nor_answered(services):
    calls = []
    def counted(text, locale):
        calls.append(text)
        return fake_parse(text, locale)

    manager = DialogManager(services, parse=counted)
    assert manager.handle(InboundMessage(channel=CHANNEL, user_key="u", text="   ")) == []
    assert calls == []
