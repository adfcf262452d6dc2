"""Normalisation: width, Traditional, numerals, fillers, homophones, and the way back to the
original text."""

from __future__ import annotations

import pytest

from nlu.normalise import normalise_text
from nlu.numerals import to_arabic


@pytest.mark.parametrize(
    "run, digits",
    [("三", "3"), ("十", "10"), ("十二", "12"), ("二十", "20"), ("二十一", "21"), ("三百零二", "302"),
     ("三百二", "320"), ("一千零一", "1001"), ("幺零五", "105"), ("一零二", "102"), ("两", "2"), ("零五", "05"),
     # a positional floor, then the door digit by digit (十 is the lowest multiplier)
     ("十一零二", "1102"), ("二十三零一", "2301"), ("十零一", "1001"), ("十一二", "12")],
)
def test_chinese_numerals_to_digits(run, digits):
    assert to_arabic(run) == digits


@pytest.mark.parametrize(
    "text, expected",
    [
        ("三号楼二单元五零一", "3号楼2单元501"),
        ("十二栋", "12栋"),
        ("三栋一单元幺零五", "3栋1单元105"),
        ("一零二室", "102室"),
        ("两单元", "2单元"),
        ("五楼", "5楼"),
        ("后天下午三点", "后天下午3点"),
        ("中午一点", "中午1点"),
        ("二十一号楼三百零二", "21号楼302"),
        # words that only contain a numeral character stay as they are
        ("我想问一下", "我想问一下"),
        ("一直没人来", "一直没人来"),
        ("十分感谢", "十分感谢"),
        ("快一点", "快一点"),
        ("三四天没见", "三四天没见"),
        ("万一着火", "万一着火"),
        ("下周三", "下周三"),
    ],
)
def test_numerals_only_where_they_are_numbers(text, expected):
    assert normalise_text(text).text == expected


def test_full_width_and_punctuation():
    assert normalise_text("ＡＢＣ１２３，ｕｎｉｔ　１！！！").text == "abc123,unit 1!"


def test_traditional_to_simplified():
    assert normalise_text("電梯壞了，樓下著火了").text == "电梯坏了,楼下著火了"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("嗯，那个，电梯坏了", "电梯坏了"),
        ("嗯那个就是我家水管漏了", "我家水管漏了"),
        ("那个那个我家水管漏了", "我家水管漏了"),
        ("我想问一下,那个,电费多少", "我想问一下,电费多少"),
        # a filler that is the whole answer is the answer
        ("嗯", "嗯"),
        ("嗯嗯", "嗯嗯"),
        ("就是这样", "就是这样"),
        ("就是这个", "就是这个"),
    ],
)
def test_fillers(text, expected):
    assert normalise_text(text).text == expected


def test_spaces_between_chinese_characters_are_dropped():
    assert normalise_text("电 梯 坏 了").text == "电梯坏了"


@pytest.mark.parametrize(
    "text, expected",
    [("点梯坏了", "电梯坏了"), ("我家水笼头坏了", "我家水龙头坏了"), ("就命啊", "救命啊")],
)
def test_homophones_of_domain_words_are_repaired(norm, text, expected):
    assert norm(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "3号楼电梯坏了",  # 楼电 sounds like 漏电 but straddles 号楼|电梯
        "电梯停了",  # 电梯停 sounds like 电梯厅, but 电梯 is already right
        "家里没气了",  # 没 is grammatical: "no gas", not 煤气
        "店里有人吗",  # 店里 ~ 电力 by sound, no character in common
    ],
)
def test_real_words_are_not_repaired(norm, text):
    assert norm(text).text == normalise_text(text).text


@pytest.mark.parametrize(
    "text, piece, original",
    [
        ("嗯，三栋一单元幺零五", "105", "幺零五"),
        ("嗯，三栋一单元幺零五", "3", "三"),
        ("那个十二号楼", "12", "十二"),
        ("電梯壞了", "电梯", "電梯"),
        ("ＵＮＩＴ　１", "unit 1", "ＵＮＩＴ　１"),
    ],
)
def test_offsets_lead_back_to_the_original(text, piece, original):
    n = normalise_text(text)
    start = n.text.index(piece)
    o_start, o_end = n.original_span(start, start + len(piece))
    assert text[o_start:o_end] == original
