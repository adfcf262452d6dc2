"""The production path end to end: official-account XML -> pipeline -> the real NLU and dialog
manager -> a repair filed through the workflow service, an emergency raised, and the answers
back as passive replies within the production budget."""
from __future__ import annotations

import pytest

import nlu

from .wechat_requests import event, text, voice


@pytest.fixture(scope="module", autouse=True)
def warm_nlu():
    nlu.warm_up()     # as a web process does before taking messages; a cold load alone takes seconds


@pytest.fixture
def config_overrides(config_overrides):
    test_seams = ("dialog_factory", "bot_reply_budget")
    extra = {k: v for k, v in config_overrides["extra"].items() if k not in test_seams}
    return {**config_overrides, "extra": extra}


def test_a_resident_reports_a_leak_over_the_official_account(oa, services, world):
    answers = [oa.say(text("o-owner", words)) for words in ("我家厨房水管漏水了", "尽快", "确认")]
    assert all(answers), answers                       # every turn answered in the HTTP reply
    repairs = services.store.collection("repairs").find({"community_id": world.community_id}, limit=5).items
    assert len(repairs) == 1
    case = repairs[0]
    assert case["reporter_id"] == world.id("owner") and case["category"] == "water_pipe"
    assert case["number"] in answers[-1]
    assert "厨房水管漏水" in case["description"]


def test_an_elderly_residents_spoken_emergency_is_acted_on(oa, services, world):
    answer = oa.say(voice("o-elderly", "我摔倒了起不来"))
    assert "120" in answer
    assert services.store.collection("handoffs").find(
        {"channel": "wechat_oa", "user_key": "o-elderly", "state": "open"}, limit=1).items


def test_the_sos_menu_item_raises_an_emergency_without_words(oa, services, world):
    assert "120" in oa.say(event("o-owner", "CLICK", key="SOS"))


def test_a_stranger_is_told_how_to_bind(oa, services):
    assert "绑定" in oa.say(text("o-stranger", "电梯坏了"))
