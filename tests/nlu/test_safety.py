"""The emergency safety net: what must fire, and what must not (negation, past, resolved,
hypothetical, hearsay, habitual, hyperbole). Add a phrase here before changing a rule."""

from __future__ import annotations

import pytest

from nlu.normalise import normalise_text
from nlu.safety import check

MUST_FIRE = {
    "我妈摔倒了起不来了": "fall_cannot_get_up",
    "我爸昨天摔了一跤到现在还起不来": "fall_cannot_get_up",
    "my mother fell and she can't get up": "fall_cannot_get_up",
    "我老伴胸口疼得厉害": "chest_pain",
    "喘不上气了": "cannot_breathe",
    "他没气了": "cannot_breathe",
    "我爸晕倒了 叫不醒": "unconscious",
    "奶奶一边手脚没力气 说话含糊 是不是中风了": "stroke_signs",
    "切到手了 血止不住": "heavy_bleeding",
    "电梯困人了": "trapped_in_lift",
    "电梯又困人了": "trapped_in_lift",
    "我被困在电梯里了": "trapped_in_lift",
    "点梯关人了 快来": "trapped_in_lift",
    "電梯困人了": "trapped_in_lift",
    "stuck in the lift": "trapped_in_lift",
    "困电梯": "trapped_in_lift",
    "有人困咗喺电梯": "trapped_in_lift",
    "楼上著火了": "fire",
    "fire in building 3": "fire",
    "楼下冒浓烟了": "smoke",
    "家里好大的煤气味": "gas_smell",
    "i smell gas in the hallway": "gas_smell",
    "救命": "call_for_help",
    "快来人啊": "call_for_help",
    "就命啊 我老伴摔倒了": "call_for_help",
    "help": "call_for_help",
    "对门老人好几天没出门了 门口有股臭味": "neighbour_unseen_smell",
    "有人要跳楼": "other_danger",
}

MUST_NOT_FIRE = [
    "摔了一跤现在没事了",
    "前两天摔了一跤 现在没事了 能帮我买点菜吗",
    "我爸去年中风了 现在恢复得还行 想找人陪他去做康复",
    "昨天电梯困人的事处理了吗",
    "上次着火的事",
    "没有煤气味",
    "没有闻到煤气味了",
    "燃气灶打不着火",
    "如果着火了怎么逃生",
    "飞线充电容易起火",
    "听说隔壁小区着火了",
    "电梯老是困人 你们管不管",
    "差点晕倒",
    "热死了救命",
    "有人在电梯里抽烟 烟很大",
    "电梯卡住了 里面没人",
    "电梯门开一半卡住了 没人在里面",
    "门禁刷卡没反应",
    "家里没气了",
    "煤气中毒的症状有哪些",
    "could someone help me carry groceries upstairs",
    "someone keeps parking in the fire lane",
    "阳台推拉门滑不动了",
    "电梯坏了",
]


@pytest.mark.parametrize("text, rule", MUST_FIRE.items())
def test_fires(norm, text, rule):
    verdict = check(norm(text).text)
    assert verdict.triggered, verdict.suppressed
    assert verdict.rule == rule


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_does_not_fire(norm, text):
    assert not check(norm(text).text).triggered


@pytest.mark.parametrize(
    "text, guard",
    [
        ("没有煤气味", "negated"),
        ("我妈刚才晕倒了 现在醒过来了", "resolved"),
        ("昨天电梯困人的事处理了吗", "reference"),
        ("上次着火的事", "reference"),
        ("如果着火了怎么逃生", "hypothetical"),
        ("听说隔壁小区着火了", "hearsay"),
        ("电梯老是困人", "habitual"),
        ("差点晕倒", "almost"),
        ("热死了救命", "context"),
    ],
)
def test_suppressed_matches_say_why(text, guard):
    verdict = check(normalise_text(text).text)
    assert not verdict.triggered
    assert guard in {g for _, g in verdict.suppressed}


@pytest.mark.parametrize("text", ["救命 我爸摔倒了起不来", "樓上著火了 快報警", "电梯里有人出不来"])
def test_parse_forces_emergency_first(parse, text):
    result = parse(text)
    assert result["intent"]["name"] == "emergency"
    assert result["intent_ranking"][0] == result["intent"]
    assert result["intent"]["confidence"] >= 0.95
    assert result["safety_net"]["triggered"] is True
    assert result["safety_net"]["rule"]
    assert sum(r["confidence"] for r in result["intent_ranking"]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("前两天摔了一跤 现在没事了 就是腿脚不方便 能不能帮我买点菜", "help_request"),
        ("昨天电梯困人的事处理了吗", "ticket_status"),
        ("燃气灶打不着火", "repair_request"),
        ("电梯坏了", "repair_request"),
    ],
)
def test_near_misses_are_not_emergencies(parse, text, intent):
    result = parse(text)
    assert result["intent"]["name"] == intent
    assert result["safety_net"]["triggered"] is False
