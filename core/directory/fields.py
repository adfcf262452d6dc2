"""Normalising and checking the values people type into the directory.

Each checker returns the clean value or raises :class:`FieldError` with a problem code;
the service functions turn that into a 422 and the CSV importer into a per-row error,
so a form and a spreadsheet reject a value with the same words.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

RELATIONS = ("owner", "co_owner", "family", "tenant")
OWNER_RELATIONS = frozenset({"owner", "co_owner"})
CARE_LABELS = ("elderly", "lives_alone", "disabled", "chronic_illness")
PLACE_KINDS = ("parking", "gate", "lobby", "garden", "square", "clubhouse", "other")

# what staff write in Chinese spreadsheets, mapped to the stored value
_RELATION_WORDS = {
    "业主": "owner", "产权人": "owner", "共有人": "co_owner", "共同业主": "co_owner", "共有产权人": "co_owner",
    "家属": "family", "家庭成员": "family", "亲属": "family", "租户": "tenant", "租客": "tenant", "承租人": "tenant",
}
_CARE_WORDS = {"老人": "elderly", "高龄": "elderly", "独居": "lives_alone", "空巢": "lives_alone",
               "残疾": "disabled", "残障": "disabled", "慢性病": "chronic_illness"}
_CODE = re.compile(r"^[0-9A-Za-z]{1,8}$")
# 3号楼 / 3栋 / 2单元 / 501室: people write the unit of the number along with it
_CODE_SUFFIX = re.compile(r"(号楼|号|栋|幢|座|单元|室|房)$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_WECOM_USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FieldError(ValueError):
    """A value failed a check; ``problem`` is the stable code (``required``, ``invalid`` ...)."""

    def __init__(self, problem: str, **params):
        super().__init__(problem)
        self.problem = problem
        self.params = params


def text(value, max_len: int = 40, required: bool = True) -> str:
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise FieldError("required")
        return ""
    if len(value) > max_len or _CONTROL.search(value):
        raise FieldError("invalid")
    return value


def code(value) -> str:
    """A building, unit or room number: ``"3号楼"`` -> ``"3"``, ``"0501"`` stays ``"0501"``."""
    value = text(value, max_len=12)
    value = _CODE_SUFFIX.sub("", value).strip().upper()
    if not _CODE.match(value):
        raise FieldError("invalid")
    return value


def phone(value, required: bool = True) -> str:
    """A mainland mobile number, digits only: ``+86 138-0013-8000`` -> ``13800138000``."""
    raw = text(value, max_len=24, required=required)
    if not raw:
        return ""
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.match(digits):
        raise FieldError("invalid")
    return digits


def integer(value, low: int, high: int, required: bool = True) -> int | None:
    raw = text(value, max_len=8, required=required)
    if not raw:
        return None
    try:
        number = int(raw)
    except ValueError:
        raise FieldError("invalid")
    if not low <= number <= high:
        raise FieldError("out_of_range", low=low, high=high)
    return number


def area(value) -> float:
    """Exclusive-part area in m², kept to two decimals (what the property certificate says)."""
    raw = text(value, max_len=12)
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise FieldError("invalid")
    if not number.is_finite() or not Decimal("1") <= number <= Decimal("5000"):
        raise FieldError("out_of_range", low=1, high=5000)
    return float(round(number, 2))


def choice(value, options) -> str:
    raw = text(value, max_len=40)
    if raw not in options:
        raise FieldError("invalid")
    return raw


def relation(value) -> str:
    raw = text(value, max_len=12).lower().replace("-", "_").replace(" ", "_")
    found = raw if raw in RELATIONS else _RELATION_WORDS.get(raw)
    if not found:
        raise FieldError("invalid")
    return found


def care_labels(value) -> list[str]:
    """``"elderly;lives_alone"`` or ``"老人、独居"`` -> ``["elderly", "lives_alone"]``."""
    raw = text(value, max_len=80, required=False)
    labels = []
    for part in re.split(r"[;,，、；|/\s]+", raw):
        if not part:
            continue
        label = part.lower() if part.lower() in CARE_LABELS else _CARE_WORDS.get(part)
        if not label:
            raise FieldError("invalid")
        if label not in labels:
            labels.append(label)
    return labels


def openid(value, required: bool = False) -> str:
    raw = text(value, max_len=64, required=required)
    if raw and not _OPENID.match(raw):
        raise FieldError("invalid")
    return raw


def wecom_userid(value, required: bool = False) -> str:
    raw = text(value, max_len=64, required=required)
    if raw and not _WECOM_USERID.match(raw):
        raise FieldError("invalid")
    return raw


def mask_phone(number: str | None) -> str | None:
    """``13800138000`` -> ``138****8000``; anything shorter keeps only its last two digits."""
    if not number:
        return number
    if len(number) >= 11:
        return number[:3] + "****" + number[-4:]
    return "*" * max(len(number) - 2, 0) + number[-2:]


def checked(field: str, check, value, *args, **kwargs):
    """Run one checker for a service call: a bad value becomes a localised 422 naming ``field``."""
    from core.errors import ValidationFailed

    try:
        return check(value, *args, **kwargs)
    except FieldError as exc:
        raise ValidationFailed(f"directory.field.{exc.problem}", field=field,
                               details={"fields": [{"field": field, "problem": exc.problem, **exc.params}]},
                               **exc.params)
