"""Sparse string features of a normalised message, for the intent classifier.

Three views of the same text, so that each covers the others' blind spots:

* character 1-3-grams: robust to segmentation errors, typos and unseen words;
* jieba words and word bigrams (community dictionary loaded): whole-word meaning (电梯, 困人);
* toneless pinyin syllables and syllable bigrams: the same features for 点梯 and 电梯, 在吗 and
  再吗, so ASR homophones look like the words they stand for *by construction*; plus the same
  with accent-merged ("fuzzy") syllables (zh/z, n/l, in/ing ...) for regional speech.

Measured on nlu.yml with 5-fold cross-validation, replacing two characters of every test
message by homophones: 88.8% accuracy with the pinyin views, 80.4% without (clean: 92.4%
both); with two accent-confusable substitutions, 88.7% with the fuzzy view, 85.9% without.

Digits are collapsed to ``0`` (building 3 and building 12 say the same about the intent),
punctuation is dropped (voice transcripts have none) except for a question-mark flag, and a
coarse length bucket tells fragments (好, 嗯嗯) from sentences.
"""

from __future__ import annotations

import re

from nlu.phonetics import fuzzy, is_han

_DIGITS = re.compile(r"\d+")
_DROP = re.compile(r"[^\w?]+")  # keeps letters, digits, Han and '?'
_QUESTION = re.compile(r"[?吗呢么嘛]$|吗|没有?$|不$")


def _length_bucket(n: int) -> str:
    if n <= 2:
        return "len:1-2"
    if n <= 4:
        return "len:3-4"
    if n <= 10:
        return "len:5-10"
    return "len:11+"


def _ngrams(seq: list[str], n: int, prefix: str, sep: str = "") -> list[str]:
    return [prefix + sep.join(seq[i:i + n]) for i in range(len(seq) - n + 1)]


def featurize(text: str, words: list[str], sounds: list[str]) -> list[str]:
    """Feature strings for one message.

    ``text`` is the normalised text, ``words`` its jieba segmentation and ``sounds`` its
    per-character toneless pinyin (both computed by the caller, which caches them).
    """
    clean = _DIGITS.sub("0", _DROP.sub("", text.replace("?", "")))
    chars = ["^", *clean, "$"]
    feats = [_length_bucket(len(clean))]
    if _QUESTION.search(text.rstrip()):
        feats.append("q:?")
    feats += _ngrams(chars[1:-1], 1, "c:")
    feats += _ngrams(chars, 2, "b:")
    feats += _ngrams(chars, 3, "t:")

    tokens = [_DIGITS.sub("0", w) for w in words if _DROP.sub("", w)]
    feats += _ngrams(tokens, 1, "w:")
    feats += _ngrams(["^", *tokens, "$"], 2, "wb:", "|")

    syllables = [s for c, s in zip(text, sounds) if is_han(c)]
    feats += _ngrams(syllables, 1, "p:")
    feats += _ngrams(["^", *syllables, "$"], 2, "pb:", "_")

    merged = [fuzzy(s) for s in syllables]
    feats += _ngrams(merged, 1, "fp:")
    feats += _ngrams(["^", *merged, "$"], 2, "fpb:", "_")
    return feats
