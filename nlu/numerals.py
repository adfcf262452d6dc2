"""Chinese numerals -> Arabic digits.

Two spoken styles exist and residents use both:

* positional numbers with 十/百/千: 十二 -> 12, 二十一 -> 21, 三百零二 -> 302, 三百二 -> 320;
* digit-by-digit reading, typical for room and phone numbers: 幺零五 -> 105, 一零二 -> 102.

Which runs of numeral characters in a sentence are numbers at all (一下, 一直, 万一 are not)
is decided by :mod:`nlu.normalise`; this module only converts a run it is handed.
"""

from __future__ import annotations

DIGITS = {
    "零": 0, "〇": 0, "洞": 0,
    "幺": 1, "一": 1, "壹": 1,
    "二": 2, "两": 2, "贰": 2,
    "三": 3, "叁": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6,
    "七": 7, "柒": 7, "拐": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
MULTIPLIERS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}

# 洞 (0) and 拐 (7) are radio-style readings; they are only numerals inside a run that already
# looks like a digit string, so they are not part of the characters that can start a run.
NUMERAL_CHARS = "".join(c for c in DIGITS if c not in "洞拐") + "".join(MULTIPLIERS)


def is_positional(run: str) -> bool:
    """True when the run uses 十/百/千 and must be read positionally."""
    return any(c in MULTIPLIERS for c in run)


def read_digits(run: str) -> str:
    """Read a run digit by digit: 幺零五 -> "105". Leading zeros are kept."""
    return "".join(str(DIGITS[c]) if c in DIGITS else c for c in run)


def read_positional(run: str) -> int:
    """Read a positional run: 十二 -> 12, 三百零二 -> 302, 三百二 -> 320, 一千零一 -> 1001.

    A trailing digit right after 百/千 without 零 is the colloquial short form (三百二 = 320),
    so it is scaled by the next lower unit.
    """
    total = 0
    pending = None  # a digit waiting for its multiplier
    last_multiplier = None
    saw_zero = False
    for char in run:
        if char in MULTIPLIERS:
            multiplier = MULTIPLIERS[char]
            total += (pending if pending is not None else 1) * multiplier
            pending = None
            last_multiplier = multiplier
            saw_zero = False
        elif char in DIGITS:
            value = DIGITS[char]
            if value == 0:
                saw_zero = True
            pending = value
    if pending is not None:
        if last_multiplier and last_multiplier >= 100 and not saw_zero:
            pending *= last_multiplier // 10
        total += pending
    return total


def _split_after_ten(run: str) -> tuple[str, str] | None:
    """十一零二 -> ("十一", "零二"): a positional floor, then a door read digit by digit.

    十 is the lowest multiplier, so a 零 right after it, or after the digit that follows it,
    cannot be positional: 十一零二 is 11-02, 二十三零一 is 23-01, 十零一 is 10-01. Without a 零 the
    run stays positional (十一二 is "eleven or twelve", not 112).
    """
    last = max(i for i, c in enumerate(run) if c in MULTIPLIERS)
    if MULTIPLIERS[run[last]] != 10:
        return None
    tail = run[last + 1:]
    if len(tail) >= 2 and tail[0] in ("零", "〇", "幺", "洞"):
        return run[:last + 1], tail
    if len(tail) >= 3 and tail[1] in ("零", "〇", "幺", "洞"):
        return run[:last + 2], tail[1:]
    return None


def to_arabic(run: str) -> str:
    """Convert a run of Chinese numeral characters to an Arabic digit string."""
    if is_positional(run):
        split = _split_after_ten(run)
        if split:
            head, tail = split
            return str(read_positional(head)) + read_digits(tail)
        return str(read_positional(run))
    return read_digits(run)
