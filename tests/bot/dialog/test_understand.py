"""The small readings forms need beyond the NLU: choices, yes/no, times, complaint kinds."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.dialog import understand

MONDAY_9AM_BEIJING = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def parse(intent=None, confidence=0.9, text="", **entities):
    return {"text": text, "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": k, "value": v} for k, v in entities.items()]}


@pytest.mark.parametrize("text,count,expected", [
    ("1", 3, 0), ("2", 3, 1), ("第二个", 3, 1), ("第三套", 3, 2), ("二", 2, 1),
    ("the first one", 2, 0), ("4", 3, None), ("501", 3, None), ("明天上午", 3, None), ("", 3, None),
])
def test_choice_reads_numbers_ordinals_and_nothing_else(text, count, expected):
    assert understand.choice(text, count) == expected


@pytest.mark.parametrize("text,intent,expected", [
    ("对", None, True), ("好的", None, True), ("嗯", None, True), ("确认", None, True),
    ("yes", None, True), ("不", None, False), ("不用", None, False), ("no", None, False),
    ("没错就是这样", "affirm", True), ("不太对吧", "deny", False),
    ("明天上午", "out_of_scope", None),
])
def test_yes_no(text, intent, expected):
    assert understand.yes_no(parse(intent), text) is expected


@pytest.mark.parametrize("text,expected", [
    ("要", True), ("匿名吧", True), ("不用匿名", False), ("实名就行", False), ("不用了", False),
    ("明天", None),
])
def test_anonymity_answers(text, expected):
    assert understand.anonymity(parse(), text) is expected


def test_anonymity_named_only_when_the_word_is_there():
    assert understand.anonymity_named("我要匿名投诉") is True
    assert understand.anonymity_named("楼上很吵") is None


@pytest.mark.parametrize("text", ["没听清", "啊？", "啊", "再说一遍", "你说啥", "嗯？", "pardon",
                                  "say that again"])
def test_wants_repeat(text):
    assert understand.wants_repeat(text)


@pytest.mark.parametrize("text", ["嗯", "对", "啊水管漏了", "我没听清楚楼上在吵什么但是每天都吵"])
def test_not_a_repeat(text):
    assert not understand.wants_repeat(text)


@pytest.mark.parametrize("text,expected", [
    ("楼上每天装修太吵", "noise"), ("有人往楼下扔垃圾", "objects_from_height"), ("车停在消防通道", "parking"),
    ("垃圾好几天没人收", "garbage"), ("遛狗不拴绳", "pets"), ("保安态度很差", "staff_attitude"),
    ("物业费乱收", "fees"), ("说不清楚的事", None),
])
def test_complaint_category(text, expected):
    assert understand.complaint_category(text) == expected


def test_visit_window_is_a_local_part_of_day():
    window = understand.visit_window("day+1 morning", MONDAY_9AM_BEIJING)
    assert (window["start"].isoformat(), window["end"].isoformat()) == (
        "2026-11-24T08:00:00+08:00", "2026-11-24T12:00:00+08:00")


def test_visit_window_with_a_clock_time_spans_two_hours():
    window = understand.visit_window("day+0 afternoon 15:00", MONDAY_9AM_BEIJING)
    assert window["start"].hour == 15 and window["end"].hour == 17


def test_visit_window_starts_now_when_the_part_of_day_has_begun():
    window = understand.visit_window("day+0 morning", MONDAY_9AM_BEIJING)
    assert window["start"] == MONDAY_9AM_BEIJING and window["end"].hour == 12


def test_visit_window_in_the_past_is_refused():
    assert understand.visit_window("day-1", MONDAY_9AM_BEIJING) is None
    assert understand.visit_window("day+0 dawn", MONDAY_9AM_BEIJING) is None


def test_visit_window_for_an_impossible_date_is_refused():
    assert understand.visit_window("02-31", MONDAY_9AM_BEIJING) is None


def test_emergency_by_safety_net_whatever_the_classifier_says():
    result = parse("complaint", 0.9, text="煤气味很浓")
    result["safety_net"] = {"triggered": True, "rule": "gas_smell"}
    assert understand.is_emergency(result)


def test_an_address_the_classifier_is_unsure_about_is_not_an_emergency():
    # regression: "3号楼2单元501" as an answer came back as emergency with 0.26
    answer = parse("emergency", 0.26, text="3号楼2单元501", building="3", room="501")
    assert not understand.is_emergency(answer)


def test_an_unsure_emergency_without_slot_answers_is_acted_on():
    assert understand.is_emergency(parse("emergency", 0.3, text="我老伴不说话了怎么办"))
    assert understand.is_emergency(parse("emergency", 0.8, text="3号楼", building="3"))
