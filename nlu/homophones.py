"""Repair of ASR homophones and typos of domain words, decided by sound.

Voice input writes 点梯 for 电梯, 煤汽 for 煤气, 就命 for 救命. Instead of a list of known
misspellings, every window of the message whose toneless pinyin equals the pinyin of a domain
word (facility synonyms, places, safety words) is replaced by that word when

* the window shares at least half of its characters with the word (so 店里 never becomes 电力:
  same sound, no character in common), and
* the window is not itself a real word: not a domain word and not in jieba's dictionary
  (点梯 is not a word and becomes 电梯), and
* no character that would change is a grammatical one (没, 不, 有, 是, 了 ...): recognisers
  mis-hear content words, and 没气了 ("he is not breathing" / "the gas is out") must not
  become 煤气了, and
* the window does not cut through a real word of the sentence (in 3号楼电梯 the window 楼电
  sounds like 漏电 but straddles 号楼|电梯) and does not hold a real word that the repair
  would leave as it is (电梯停 sounds like 电梯厅, but 电梯 is already right and 停 is a word).

The replacement has the same length, so offsets into the original text survive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from nlu.phonetics import is_han, text_pinyin

_GRAMMATICAL = set("没不有是在了的得地我你他她它这那都也还又很太要会能把被给让和与跟吗呢吧啊呀么个")


class HomophoneRepair:
    """Replaces sound-alike misspellings of a fixed vocabulary; see the module docstring."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        is_real_word: Callable[[str], bool] = lambda w: False,
        segment: Callable[[str], list[str]] = list,
    ):
        """``is_real_word`` says whether a string is a dictionary word; ``segment`` splits a
        sentence into words (jieba in production; only called when a repair is possible)."""
        self._words = {w for w in vocabulary if len(w) >= 2 and all(is_han(c) for c in w)}
        self._index: dict[tuple[str, ...], list[str]] = {}
        for word in sorted(self._words):
            self._index.setdefault(tuple(text_pinyin(word)), []).append(word)
        self._lengths = sorted({len(k) for k in self._index}, reverse=True)
        self._is_real_word = is_real_word
        self._segment = segment

    def _candidate(self, window: str, sound: tuple[str, ...]) -> str | None:
        best, best_shared = None, (len(window) + 1) // 2 - 1
        for word in self._index.get(sound, ()):
            if any(a != b and a in _GRAMMATICAL for a, b in zip(window, word)):
                continue
            shared = sum(a == b for a, b in zip(window, word))
            if shared > best_shared:
                best, best_shared = word, shared
        return best

    def _real_word_spans(self, text: str) -> list[tuple[int, int]]:
        spans, pos = [], 0
        for token in self._segment(text):
            if len(token) >= 2 and self._is_real_word(token):
                spans.append((pos, pos + len(token)))
            pos += len(token)
        return spans

    @staticmethod
    def _conflicts(word_spans: list[tuple[int, int]], i: int, window: str, word: str) -> bool:
        """True when the repair would cut through, or only extend, a real word of the text."""
        end = i + len(window)
        for s, e in word_spans:
            if s < i < e or s < end < e:
                return True
            if i <= s and e <= end and window[s - i:e - i] == word[s - i:e - i]:
                return True
        return False

    def edits(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, replacement) for every repaired window, left to right, longest first."""
        if not self._index:
            return []
        sounds = text_pinyin(text)
        edits: list[tuple[int, int, str]] = []
        word_spans: list[tuple[int, int]] | None = None
        i = 0
        while i < len(text):
            step = 1
            for length in self._lengths:
                window = text[i:i + length]
                if len(window) < length or not is_han(window[0]):
                    continue
                if window in self._words:
                    step = length  # already right; do not let a shorter word re-read it
                    break
                word = self._candidate(window, tuple(sounds[i:i + length]))
                if word and not self._is_real_word(window):
                    if word_spans is None:
                        word_spans = self._real_word_spans(text)
                    if self._conflicts(word_spans, i, window, word):
                        continue
                    edits.append((i, i + length, word))
                    step = length
                    break
            i += step
        return edits
