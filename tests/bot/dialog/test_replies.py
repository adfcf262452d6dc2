"""One reply per turn: statements, then at most one question; elderly variants, speakable
text, at most three options in elderly mode; addresses read back with numbers apart."""
from __future__ import annotations

from bot.dialog.elderly import elderly_mode, house_words, location_words, spaced_numbers
from bot.dialog.replies import Reply

HOUSE = {"building": "3", "unit": "2", "room": "501"}


def test_statements_then_one_question_last():
    reply = Reply("zh_CN")
    reply.ask("bot.ask.repair.category")
    reply.say("bot.corrected", value="4号楼")
    reply.ask("bot.ask.repair.description")
    [message] = reply.render()
    assert message.text.splitlines()[0] == "好的，改成：4号楼。"
    assert message.text.splitlines()[-1].startswith("请简单说说")
    assert "什么坏了" not in message.text
    assert reply.question["key"] == "bot.ask.repair.description"


def test_every_reply_is_speakable():
    reply = Reply("zh_CN", elderly=True)
    reply.say("bot.emergency.raised")
    [message] = reply.render()
    assert message.speak and "120" in message.speak


def test_elderly_mode_prefers_short_variants():
    plain, short = Reply("zh_CN"), Reply("zh_CN", elderly=True)
    plain.ask("bot.ask.repair.category")
    short.ask("bot.ask.repair.category")
    assert len(short.render()[0].text) < len(plain.render()[0].text)


def test_elderly_mode_offers_at_most_three_options():
    reply = Reply("zh_CN", elderly=True)
    reply.ask("bot.ask.repair.which_house", [(f"{n}号楼", f"{n}号楼") for n in range(1, 6)])
    assert len(reply.render()[0].buttons) == 3


def test_button_titles_are_translated_and_payloads_kept():
    reply = Reply("en")
    reply.ask("bot.ask.offer_human", [("bot.button.human", "/human_agent")])
    [button] = reply.render()[0].buttons
    assert (button.title, button.payload) == ("Talk to staff", "/human_agent")


def test_nothing_said_renders_nothing():
    assert Reply("zh_CN").render() == []


def test_english_replies():
    reply = Reply("en")
    reply.say("bot.done.repair", number="BX000001")
    assert reply.render()[0].text == "Submitted: repair BX000001. You will hear when a technician takes it."


def test_addresses_read_back_with_numbers_apart_in_elderly_mode():
    assert house_words(HOUSE, "zh_CN", False) == "3号楼2单元501"
    assert house_words(HOUSE, "zh_CN", True) == "3 号楼 2 单元 501"
    assert location_words({"kind": "public", "place": "3号楼2单元"}, "zh_CN", True) == "3 号楼 2 单元"
    assert location_words({"kind": "home", **HOUSE}, "en", False) == "Building 3, Unit 2, Room 501"


def test_spaced_numbers():
    assert spaced_numbers("12号楼大堂") == "12 号楼大堂"
    assert spaced_numbers("北门") == "北门"


def test_who_gets_elderly_mode():
    assert elderly_mode({"care_labels": ["elderly", "lives_alone"]}, voice=False)
    assert elderly_mode({"care_labels": []}, voice=True)
    assert elderly_mode(None, voice=True)
    assert not elderly_mode({"care_labels": ["disabled"]}, voice=False)
