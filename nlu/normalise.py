"""Text normalisation for typed text, voice transcripts and Traditional input.

``normalise(text)`` returns a :class:`~nlu.rewriter.Normalised` whose ``text`` is what the
classifier, the entity extractors and the safety net read, and whose ``spans`` lead back to
the original characters. Steps, in order:

1. full-width -> half-width, Chinese punctuation -> ASCII, runs of punctuation collapsed,
   ASCII lower-cased, spaces between Chinese characters dropped (ASR inserts them);
2. Traditional -> Simplified (OpenCC ``t2s``, loaded on first use);
3. voice fillers (嗯, 呃, 那个, 就是, 然后 ...) at the start of a clause, and reduplicated
   fillers anywhere, are removed unless nothing else is left ("嗯" alone is a "yes");
4. Chinese numerals that are numbers in context become Arabic digits (三号楼, 十二栋, 幺零五,
   一零二室, 两单元, 下午三点) while words that merely contain a numeral character stay
   (一下, 一直, 万一, 十分感谢, 三四天).

Homophone repair needs the domain vocabulary and is applied by the pipeline afterwards
(:mod:`nlu.homophones`). No step here loads jieba.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlu import numerals
from nlu.lazy import once
from nlu.rewriter import Normalised, Rewriter

_PUNCTUATION = {
    "，": ",", "、": ",", "。": ".", "．": ".", "？": "?", "！": "!", "；": ";", "：": ":",
    "“": '"', "”": '"', "‘": "'", "’": "'", "（": "(", "）": ")", "【": "[", "】": "]",
    "《": "<", "》": ">", "〈": "<", "〉": ">", "「": '"', "」": '"', "『": '"', "』": '"',
    "～": "~", "〜": "~", "—": "-", "–": "-", "－": "-", "…": ".", "·": " ", "・": " ",
    "\u3000": " ", "\t": " ", "\n": " ", "\r": " ",
}


def _width_table() -> dict[int, str]:
    table = {code: chr(code - 0xFEE0).lower() for code in range(0xFF01, 0xFF5F)}
    table.update({ord(k): v for k, v in _PUNCTUATION.items()})
    table.update({code: chr(code + 32) for code in range(ord("A"), ord("Z") + 1)})
    return table


_WIDTH_TABLE = _width_table()

_HAN = r"\u4e00-\u9fff"
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{_HAN}])\s+(?=[{_HAN}\d])|(?<=[{_HAN}\d])\s+(?=[{_HAN}])")
_REPEATED_PUNCT = re.compile(r"([,.!?;:~\-\s])\1+")
_EDGE_SPACE = re.compile(r"^\s+|\s+$")

# (唔 is not here: in Cantonese it is "not", 唔系 = "no")
_FILLER = r"(?:嗯+|呃+|额+|哦+|噢+|哎呀|哎|唉|诶|欸|啊+|那个|这个|就是说|就是|然后呢?|那啥|怎么说呢)"
# a run of fillers at the start of the text or of a clause, with the commas around them
_LEADING_FILLERS = re.compile(rf"(?:(?<=^)|(?<=[,.!?;:\s]))(?:{_FILLER}[,\s]*)+")
# "那个那个", "就是就是": a stuttered filler is a filler wherever it stands
_STUTTER = re.compile(r"(那个|这个|就是|然后)(?:[,\s]*\1)+[,\s]*")
# "就是这样" / "就是它" is an answer ("that's it"), not a filler
_ANSWER_AFTER_JIUSHI = re.compile(r"(?:这样|这个|那个|它|他|她|了|的|啊|呀|嘛|吧)?[,.!?\s]*$")

_NUMERAL_RUN = re.compile(f"[{numerals.NUMERAL_CHARS}][{numerals.NUMERAL_CHARS}洞拐]*")
_ADDRESS_SUFFIX = r"号楼|号|栋|幢|座|单元|室|房|户|楼|层"
_COUNT_SUFFIX = (
    r"点|月|日|天|周|年|岁|个|位|次|小时|分钟|钟头|块|元|度|期|区|排|门|人|辆|台|部|只|米|斤|公斤|趟|遍|回|家|户"
)
_ADDRESS_AFTER = re.compile(rf"\s*(?:{_ADDRESS_SUFFIX})")
_COUNT_AFTER = re.compile(rf"\s*(?:{_COUNT_SUFFIX})")
# 一点 is "a little" unless it is a clock time (一点钟, 一点半, 一点多, 一点十分)
_CLOCK_AFTER_YIDIAN = re.compile(r"点(?:钟|半|多|整|过|左右|\d|[零一二三四五六七八九十两]+分)")
_PART_OF_DAY_BEFORE = ("凌晨", "早上", "上午", "中午", "下午", "晚上", "夜里", "半夜", "今晚", "明晚")
_WEEKDAY_BEFORE = ("周", "星期", "礼拜")

def _load_t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


_t2s = once(_load_t2s)  # OpenCC reads its dictionaries on first use only


def _to_simplified(rw: Rewriter) -> None:
    text = rw.text
    if text.isascii():
        return
    converter = _t2s()
    converted = converter.convert(text)
    if converted == text:
        return
    if len(converted) != len(text):
        # a phrase rule changed the length; fall back to character-wise conversion so that
        # every character keeps its own provenance
        converted = "".join(_one_char(converter.convert(c), c) for c in text)
    rw.replace_all(converted)


def _one_char(converted: str, original: str) -> str:
    return converted if len(converted) == 1 else original


def _only_answer_left(rest: str, run: str) -> bool:
    """True when removing the filler run would leave nothing but an answer particle."""
    stripped = rest.strip(" ,.!?;:")
    if not stripped:
        return True
    return run.rstrip(", ").endswith("就是") and _ANSWER_AFTER_JIUSHI.fullmatch(rest) is not None


def _remove_fillers(rw: Rewriter) -> None:
    rw.sub(_STUTTER, lambda m: "" if m.end() < len(m.string) else None)
    text = rw.text
    edits = []
    for m in _LEADING_FILLERS.finditer(text):
        if m.start() == m.end():
            continue
        if _only_answer_left(text[m.end():], m.group()):
            continue
        edits.append((m.start(), m.end(), ""))
    rw.edit(edits)


def _numeral_replacement(m: re.Match[str]) -> str | None:
    run, text, start, end = m.group(), m.string, m.start(), m.end()
    after = text[end:]
    if start and any(text[:start].endswith(w) for w in _WEEKDAY_BEFORE) and len(run) == 1:
        return None  # 周三 / 星期三 is a weekday; the time extractor reads it
    if _ADDRESS_AFTER.match(after):
        return numerals.to_arabic(run)
    if run == "一" and after.startswith("点"):
        is_clock = _CLOCK_AFTER_YIDIAN.match(after) or text[:start].endswith(_PART_OF_DAY_BEFORE)
        return numerals.to_arabic(run) if is_clock else None
    has_zero = any(c in "零〇幺洞" for c in run)
    positional = numerals.is_positional(run)
    if len(run) == 2 and not has_zero and not positional:
        a, b = (numerals.DIGITS[c] for c in run)
        if abs(a - b) == 1:
            return None  # 三四天, 五六个: an approximate count, not 34 or 56
    if _COUNT_AFTER.match(after):
        if run == "十" and after.startswith("分") and not text[:start].endswith("点"):
            return None
        return numerals.to_arabic(run)
    if (has_zero and len(run) >= 2) or (positional and len(run) >= 2) or len(run) >= 3:
        return numerals.to_arabic(run)
    if text[:start].endswith("点") and after.startswith("分"):
        return numerals.to_arabic(run)  # 三点十分
    return None


def normalise_text(text: str, repair: Callable[[str], list[tuple[int, int, str]]] | None = None) -> Normalised:
    """Normalise one message; see the module docstring for the steps.

    ``repair`` (optional) proposes same-length (start, end, word) edits on the normalised text;
    the pipeline passes :meth:`nlu.homophones.HomophoneRepair.edits`.
    """
    rw = Rewriter(text)
    rw.translate(_WIDTH_TABLE)
    _to_simplified(rw)
    rw.sub(_REPEATED_PUNCT, lambda m: m.group(1))
    rw.sub(_SPACE_BETWEEN_HAN, lambda m: "")
    rw.sub(_EDGE_SPACE, lambda m: "")
    _remove_fillers(rw)
    rw.sub(_NUMERAL_RUN, _numeral_replacement)
    if repair is not None:
        rw.edit(repair(rw.text))
    return rw.freeze()
