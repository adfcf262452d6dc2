"""The pipeline's guards: the per-person rate limit (never for an emergency), the length limit
(cut for the NLU, whole for the case), and the turn log (masked in the log, whole in the store,
purged after the retention period)."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine

from bot import pipeline
from bot.codec import inbound_from_dict
from bot.messages import TEXT, InboundMessage
from bot.turn_log import COLLECTION, mask, purge_expired
from core import clock

from .conftest import dialog_calls
from .wechat_requests import text

LIMIT = 3


@pytest.fixture
def config_overrides(config_overrides):
    return {**config_overrides, "bot_messages_per_minute": LIMIT}


def say(services, words: str, user: str = "p-json-1", locale: str = "zh_CN"):
    message = InboundMessage(channel="json", user_key=user, kind=TEXT, text=words, person_id=user,
                             locale=locale)
    return pipeline.handle(services, message)


def test_over_the_limit_one_friendly_word_then_quiet_until_the_next_minute(services):
    with time_machine.travel(clock.now().replace(second=5), tick=False):
        answers = [say(services, f"第{n}条") for n in range(LIMIT + 3)]
        assert all(a[0].text.startswith("echo") for a in answers[:LIMIT])
        assert "一分钟后" in answers[LIMIT][0].text
        assert answers[LIMIT + 1:] == [[], []]
        assert say(services, "别人的消息", user="p-json-2")[0].text.startswith("echo")   # per person
    with time_machine.travel(clock.now().replace(second=5) + timedelta(minutes=1), tick=False):
        assert say(services, "下一分钟")[0].text.startswith("echo")
    assert len(dialog_calls(services)) == LIMIT + 2


def test_the_limit_is_localised(services):
    with time_machine.travel(clock.now().replace(second=5), tick=False):
        for _ in range(LIMIT):
            say(services, "hi", locale="en")
        assert say(services, "hi", locale="en")[0].text.startswith("You are sending messages a little fast")


def test_an_emergency_is_never_rate_limited(services):
    with time_machine.travel(clock.now().replace(second=5), tick=False):
        for _ in range(LIMIT + 2):
            say(services, "你好")
        assert say(services, "救命，我摔倒了起不来")[0].text == "echo text: 救命，我摔倒了起不来"
        assert say(services, "我奶奶晕倒了叫不醒")[0].text.startswith("echo")
        assert say(services, "第3条") == [] and say(services, "还是你好") == []    # odd text is not urgent


def test_the_limit_holds_across_channels_of_the_official_account(oa, services, world):
    with time_machine.travel(clock.now().replace(second=5), tick=True):
        replies = [oa.say(text("o-owner", f"第{n}条")) for n in range(LIMIT + 2)]
    assert "一分钟后" in replies[LIMIT] and replies[LIMIT + 1] is None


def test_long_text_is_cut_for_the_nlu_and_kept_whole_for_the_case(services):
    long_text = "楼上漏水" + "，情况是这样的" * 200
    say(services, long_text)
    seen = inbound_from_dict(dialog_calls(services)[0])
    assert seen.text == long_text[:pipeline.NLU_MAX_CHARS]
    assert pipeline.full_text(services, seen) == long_text
    say(services, "短消息")
    short = inbound_from_dict(dialog_calls(services)[1])
    assert pipeline.full_text(services, short) == "短消息"


def test_text_beyond_the_hard_cap_is_dropped_everywhere(services):
    say(services, "长" * (pipeline.MAX_CHARS + 500))
    seen = inbound_from_dict(dialog_calls(services)[0])
    assert len(pipeline.full_text(services, seen)) == pipeline.MAX_CHARS


def test_each_turn_is_logged_masked_and_stored_whole(oa, services, world, caplog):
    words = "我住3号楼2单元301室，电话13812345678，厨房漏水"
    with caplog.at_level(logging.INFO, logger="linli.bot.turns"):
        oa.say(text("o-owner", words, msg_id=8080))
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "linli.bot.turns")
    assert "13812345678" not in logged and "301" not in logged and "o-owner" not in logged
    assert "138****5678" in logged and "intent=repair_request" in logged
    stored = services.store.collection(COLLECTION).find(
        {"community_id": world.community_id, "person_id": world.id("owner")}, limit=10).items
    assert len(stored) == 1
    turn = stored[0]
    assert turn["text"] == words and turn["msg_id"] == "8080" and turn["channel"] == "wechat_oa"
    assert turn["parse"]["intent"]["name"] == "repair_request" and turn["replies"][0].startswith("echo")
    retention = clock.parse_iso(turn["expires_at"]) - clock.parse_iso(turn["created_at"])
    assert retention == timedelta(days=services.config.bot_turn_retention_days)


def test_turns_past_their_retention_are_purged(services):
    say(services, "old")
    with time_machine.travel(clock.now() + timedelta(days=45), tick=False):
        say(services, "newer")
    collection = services.store.collection(COLLECTION)
    assert collection.count({"expires_at": {"$gte": "0"}}) == 2
    assert purge_expired(services, now=clock.now() + timedelta(days=100)) == 1
    assert [t["text"] for t in collection.find({"expires_at": {"$gte": "0"}}).items] == ["newer"]


@pytest.mark.parametrize("raw, masked", [
    ("2-1-301 漏水", "*-*-*** 漏水"), ("三号楼二单元五零一", "*号楼*单元***"), ("room 302", "room ***"),
    ("身份证 110101199001011234", "身份证 ******************"), ("电梯坏了", "电梯坏了"),
    ("138 1234 5678", "138****5678"), ("明天3号下午来", "明天3号下午来"),
])
def test_masking(raw, masked):
    assert mask(raw) == masked
