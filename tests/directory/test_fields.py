"""Value checks shared by forms and CSV imports (no store needed)."""
from __future__ import annotations

import pytest

from core.directory import fields
from core.directory.fields import FieldError


@pytest.mark.parametrize("raw, clean", [("3", "3"), (" 3号楼 ", "3"), ("12栋", "12"), ("2单元", "2"),
                                        ("501室", "501"), ("a座", "A"), ("0501", "0501")])
def test_code_accepts_what_people_write(raw, clean):
    assert fields.code(raw) == clean


@pytest.mark.parametrize("raw", ["", "3-2", "３号楼; drop", "x" * 13, "楼"])
def test_code_refuses_garbage(raw):
    with pytest.raises(FieldError):
        fields.code(raw)


@pytest.mark.parametrize("raw, clean", [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"),
                                        ("0086 13800138000", "13800138000")])
def test_phone_normalises_mainland_mobiles(raw, clean):
    assert fields.phone(raw) == clean


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "010-12345678", "abc"])
def test_phone_refuses_non_mobiles(raw):
    with pytest.raises(FieldError) as caught:
        fields.phone(raw)
    assert caught.value.problem == "invalid"


def test_mask_phone_keeps_prefix_and_last_four():
    assert fields.mask_phone("13800138000") == "138****8000"
    assert fields.mask_phone("12345") == "***45"
    assert fields.mask_phone(None) is None


@pytest.mark.parametrize("raw, clean", [("owner", "owner"), ("业主", "owner"), ("共有人", "co_owner"),
                                        ("Co-Owner", "co_owner"), ("租客", "tenant"), ("家属", "family")])
def test_relation_accepts_english_and_chinese(raw, clean):
    assert fields.relation(raw) == clean


def test_area_bounds_and_rounding():
    assert fields.area("89.555") == 89.56
    for bad in ("0", "-3", "nan", "inf", "1e9", "大"):
        with pytest.raises(FieldError):
            fields.area(bad)


def test_care_labels_from_chinese_words():
    assert fields.care_labels("老人、独居") == ["elderly", "lives_alone"]
    assert fields.care_labels("elderly;elderly") == ["elderly"]
    with pytest.raises(FieldError):
        fields.care_labels("vip")
