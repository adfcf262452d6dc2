"""Entities: building/unit/room in every written and spoken form (values and offsets into the
original text), what is not an address, facilities, places and times."""

from __future__ import annotations

import datetime as dt

import pytest

from nlu.entities.timex import resolve


def addresses(result: dict) -> dict[str, str]:
    return {e["entity"]: e["value"] for e in result["entities"] if e["entity"] in ("building", "unit", "room")}


def surfaces(result: dict) -> dict[str, str]:
    """entity -> the original text its offsets cover."""
    return {e["entity"]: result["text"][e["start"]:e["end"]] for e in result["entities"]}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3号楼2单元501漏水了", {"building": "3", "unit": "2", "room": "501"}),
        ("2-1-301", {"building": "2", "unit": "1", "room": "301"}),
        ("2栋1单元301室", {"building": "2", "unit": "1", "room": "301"}),
        ("三栋一单元幺零五", {"building": "3", "unit": "1", "room": "105"}),
        ("十二号楼电梯坏了", {"building": "12"}),
        ("一零二室的门锁坏了", {"room": "102"}),
        ("Building 3 Unit 1 room 302", {"building": "3", "unit": "1", "room": "302"}),
        ("Unit 1 room 302", {"unit": "1", "room": "302"}),
        ("两单元的灯不亮", {"unit": "2"}),
        ("3楼2单元", {"building": "3", "unit": "2"}),  # 楼 followed by a unit is a building
        ("12栋1102", {"building": "12", "room": "1102"}),
        ("5-1102", {"building": "5", "room": "1102"}),
        ("我是三幢二单元六零三的", {"building": "3", "unit": "2", "room": "603"}),
        ("楼上602天天吵", {"room": "602"}),
        ("住501", {"room": "501"}),
        ("5楼501", {"room": "501"}),  # the floor is dropped, the room kept
        ("房号不对 是502", {"room": "502"}),
        ("ＳＡＮ 三號樓二單元", {"building": "3", "unit": "2"}),
    ],
)
def test_address_forms(parse, text, expected):
    assert addresses(parse(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "5楼的灯坏了",  # floor
        "五层",  # floor
        "我家在5f",  # floor
        "3号充电桩坏了",  # a numbered charger
        "2号门打不开",  # a numbered gate
        "3月5号下午来",  # a date
        "明天下午3点来",  # a time
        "电话13812345678",  # a phone number
        "交了300块物业费",  # an amount
        "2024-05-01停水",  # a date with dashes
    ],
)
def test_not_addresses(parse, text):
    assert addresses(parse(text)) == {}


def test_charger_in_a_building_keeps_the_building(parse):
    assert addresses(parse("三号楼的三号充电桩坏了")) == {"building": "3"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("嗯，三栋一单元幺零五", {"building": "三", "unit": "一", "room": "幺零五"}),
        ("那个十二号楼", {"building": "十二"}),
        ("Building 3 Unit 1 room 302", {"building": "3", "unit": "1", "room": "302"}),
        ("３号楼２单元５０１", {"building": "３", "unit": "２", "room": "５０１"}),
    ],
)
def test_address_offsets_point_into_the_original_text(parse, text, expected):
    result = parse(text)
    assert {k: v for k, v in surfaces(result).items() if k in expected} == expected


def test_every_entity_names_its_extractor(parse):
    result = parse("明天上午3号楼大堂的电梯坏了")
    assert {e["entity"] for e in result["entities"]} >= {"building", "place", "facility", "time"}
    assert all(e["extractor"].startswith("Linli") for e in result["entities"])


@pytest.mark.parametrize(
    "text, facility",
    [
        ("电梯坏了", "elevator"),
        ("点梯坏了", "elevator"),  # homophone
        ("the lift is broken", "elevator"),
        ("水龙头一直滴水", "water_pipe"),
        ("马桶堵了", "drain"),
        ("家里跳闸了", "electricity"),
        ("楼道灯不亮", "lighting"),
        ("燃气灶打不着火", "gas"),
        ("门禁刷不开", "door_access"),
        ("3号充电桩坏了", "charging_pile"),
        ("车库道闸不抬杆", "parking_gate"),
        ("暖气不热", "heating"),
        ("天花板渗水", "roof_leak"),
        ("窗户玻璃碎了", "window_door"),
        ("可视对讲没声音", "intercom"),
        ("烟感器一直响", "smoke_detector"),
        ("摄像头坏了", "camera"),
        ("垃圾桶满了", "garbage_station"),
        ("健身器材坏了", "other"),
        ("電梯壞了", "elevator"),
    ],
)
def test_facilities(parse, text, facility):
    assert facility in {e["value"] for e in parse(text)["entities"] if e["entity"] == "facility"}


@pytest.mark.parametrize(
    "text, place",
    [("地下车库的灯坏了", "地下车库"), ("北门有人摔倒", "北门"), ("3号楼大堂很脏", "3号楼大堂"), ("小区门口堵车", "小区门口"),
     ("花园里有狗屎", "花园")],
)
def test_places(parse, text, place):
    assert place in {e["value"] for e in parse(text)["entities"] if e["entity"] == "place"}


@pytest.mark.parametrize(
    "text, value",
    [
        ("明天上午来修", "day+1 morning"),
        ("下周三可以吗", "week+1:wed"),
        ("今晚有空", "day+0 evening"),
        ("后天下午三点来", "day+2 afternoon 15:00"),
        ("3月5号", "03-05"),
        ("半小时后", "in+30m"),
        ("晚上八点半", "evening 20:30"),
    ],
)
def test_times(parse, text, value):
    assert value in {e["value"] for e in parse(text)["entities"] if e["entity"] == "time"}


def test_time_values_resolve_against_a_clock():
    now = dt.datetime(2025, 3, 5, 10, 0)  # a Wednesday
    assert resolve("day+2 afternoon 15:00", now) == dt.datetime(2025, 3, 7, 15, 0)
    assert resolve("week+1:wed", now).date() == dt.date(2025, 3, 12)
    assert resolve("day+1 morning", now) == dt.datetime(2025, 3, 6, 9, 0)
    assert resolve("in+30m", now) == dt.datetime(2025, 3, 5, 10, 30)
