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
        # separators: slashes as well as dashes; a dash or 门 between unit and room after a building
        ("3/2/501 卫生间的灯不亮了", {"building": "3", "unit": "2", "room": "501"}),
        ("12/1/402需要有人帮忙", {"building": "12", "unit": "1", "room": "402"}),
        ("3栋2-501漏水", {"building": "3", "unit": "2", "room": "501"}),
        ("三号楼二门五零一的暖气不热", {"building": "3", "unit": "2", "room": "501"}),
        # punctuation glued to the number on its left is not a clock or a date
        ("报修：18栋1单元2002室，阳台门卡住了", {"building": "18", "unit": "1", "room": "2002"}),
        # a voice filler between the unit and the room
        ("9号楼2单元那个503门坏了", {"building": "9", "unit": "2", "room": "503"}),
        ("十栋三单元 嗯 六零二 帮我带点鸡蛋", {"building": "10", "unit": "3", "room": "602"}),
        # the room as a clause of its own after its building, unit or floor
        ("我住十号楼，三单元，三百零二，我家地漏堵了", {"building": "10", "unit": "3", "room": "302"}),
        ("我住二十六号楼，两单元，七零一，腿不好", {"building": "26", "unit": "2", "room": "701"}),
        ("我家在20号楼15楼，1503，暖气不热", {"building": "20", "room": "1503"}),
        ("5号楼,501,水管漏了", {"building": "5", "room": "501"}),
        # a person saying where they live; a household's own things (two rooms: test_two_rooms)
        ("我在1102等师傅", {"room": "1102"}),
        ("好像是1502家传出来的", {"room": "1502"}),
        # a room read out digit by digit needs no marker
        ("幺零三 上礼拜报的下水道 到现在都没人来", {"room": "103"}),
        ("二十号楼 幺五零三", {"building": "20", "room": "1503"}),
        # a message that is only a room number answers "which room?"
        ("幺零五", {"room": "105"}),
        ("603号", {"room": "603"}),
        ("1102", {"room": "1102"}),
        # a positional floor and a door read digit by digit: 十一零二 is 11-02
        ("二十一栋三单元十一零二", {"building": "21", "unit": "3", "room": "1102"}),
        # 搂 typed for 楼
        ("三号搂一单元门禁坏了", {"building": "3", "unit": "1"}),
        # English: a room number glued to Chinese text; a three- or four-digit "unit" is a flat
        ("16栋 room 2301 窗户玻璃裂了", {"building": "16", "room": "2301"}),
        ("unit 1203, the sink is blocked", {"room": "1203"}),
        ("Bldg 7, Apt. 1203", {"building": "7", "room": "1203"}),
    ],
)
def test_more_address_forms(parse, text, expected):
    assert addresses(parse(text)) == expected


@pytest.mark.parametrize(
    "text, rooms",
    [
        ("楼上六零二往我家渗水，我是五零二的", ["602", "502"]),
        ("隔壁六零四的阿姨好多天没见了 我是六零三的", ["604", "603"]),
        ("3号楼501和502都停水了", ["501", "502"]),
        ("楼上602、603都在装修", ["602", "603"]),
    ],
)
def test_two_rooms(parse, text, rooms):
    found = [e["value"] for e in parse(text)["entities"] if e["entity"] == "room"]
    assert found == rooms


@pytest.mark.parametrize(
    "text",
    [
        "两栋楼中间的路灯坏了",  # a count of buildings
        "这三栋楼都停电了",
        "3栋楼之间的草坪",
        "12月3号楼下有人吵架",  # a date, then 楼下
        "我的车位是地下二层236号，又被别人停了",  # a basement level and a parking space
        "负二层105号车位被占",
        "这栋楼有100户",  # a count of households
        "3/5号来修",  # a date with a slash
        "2024/3/5停水",
        "坐三零一路公交",  # a bus route read digit by digit
        "门禁密码是一二三四",  # a code
        "取件码五零二",
        "八零后的邻居",  # a generation
        "886",  # bye-bye
        "123",
        "120",  # the ambulance
        "收了我1200",
        "物业费涨到每平米3块了",
        "工单R1203进度怎么样",
        "12th floor corridor light is out",
    ],
)
def test_more_non_addresses(parse, text):
    assert addresses(parse(text)) == {}


def test_a_count_of_households_keeps_the_building(parse):
    assert addresses(parse("3号楼有200多户")) == {"building": "3"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我住十号楼，三单元，三百零二", {"building": "十", "unit": "三", "room": "三百零二"}),
        ("3/2/501", {"building": "3", "unit": "2", "room": "501"}),
        ("三号搂", {"building": "三"}),
        ("16栋 room 2301", {"building": "16", "room": "2301"}),
        ("十一零二", {"room": "十一零二"}),
    ],
)
def test_new_forms_point_into_the_original_text(parse, text, expected):
    assert {k: v for k, v in surfaces(parse(text)).items() if k in expected} == expected


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
    "text, facility",
    [
        ("the lift is broken", "elevator"),
        ("the elevators are out of order", "elevator"),
        ("water leaking from the ceiling", "roof_leak"),
        ("the roof is leaking", "roof_leak"),
        ("the tap won't stop dripping", "water_pipe"),
        ("no hot water since yesterday", "water_pipe"),
        ("the toilet is blocked", "drain"),
        ("power cut in my flat", "electricity"),
        ("the socket in the kitchen sparks", "electricity"),
        ("the street light outside is out", "lighting"),
        ("the gas stove won't start", "gas"),
        ("my key card doesn't open the unit door", "door_access"),
        ("the charging station is broken", "charging_pile"),
        ("the car park barrier won't lift", "parking_gate"),
        ("the radiators are cold", "heating"),
        ("my front door lock is broken", "window_door"),
        ("the intercom doesn't work", "intercom"),
        ("the smoke alarm keeps beeping", "smoke_detector"),
        ("the security camera is broken", "camera"),
        ("the bins are overflowing", "garbage_station"),
        ("the air conditioner drips on my window", "other"),
    ],
)
def test_english_facilities(parse, text, facility):
    assert facility in {e["value"] for e in parse(text)["entities"] if e["entity"] == "facility"}


@pytest.mark.parametrize("text", ["the other day I called", "heat stroke", "I tripped over"])
def test_english_words_that_are_not_facilities(parse, text):
    assert [e for e in parse(text)["entities"] if e["entity"] == "facility"] == []


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


@pytest.mark.parametrize(
    "text, value",
    [
        ("tomorrow morning", "day+1 morning"),
        ("next Wednesday afternoon", "week+1:wed afternoon"),
        ("can someone come tomorrow at 3pm", "day+1 15:00"),
        ("3pm tomorrow", "day+1 15:00"),  # the parts of a phrase in any order
        ("tonight at 8", "day+0 evening 20:00"),
        ("this Friday evening", "week+0:fri evening"),
        ("on Monday", "mon"),
        ("the day after tomorrow in the afternoon", "day+2 afternoon"),
        ("Monday 10:30am", "mon 10:30"),
        ("in half an hour", "in+30m"),
        ("in 2 hours", "in+2h"),
        ("yesterday", "day-1"),
    ],
)
def test_english_times(parse, text, value):
    assert [e["value"] for e in parse(text)["entities"] if e["entity"] == "time"] == [value]


@pytest.mark.parametrize("text", ["good morning", "good night", "the lift at building 3", "12th floor"])
def test_english_without_a_time(parse, text):
    assert [e for e in parse(text)["entities"] if e["entity"] == "time"] == []


def test_english_time_offsets(parse):
    result = parse("Please come Tomorrow Morning, thanks")
    assert surfaces(result)["time"] == "Tomorrow Morning"


def test_time_values_resolve_against_a_clock():
    now = dt.datetime(2025, 3, 5, 10, 0)  # a Wednesday
    assert resolve("day+2 afternoon 15:00", now) == dt.datetime(2025, 3, 7, 15, 0)
    assert resolve("week+1:wed", now).date() == dt.date(2025, 3, 12)
    assert resolve("day+1 morning", now) == dt.datetime(2025, 3, 6, 9, 0)
    assert resolve("in+30m", now) == dt.datetime(2025, 3, 5, 10, 30)
