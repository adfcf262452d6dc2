"""A string that remembers where each of its characters came from.

Every normalisation step (width, Traditional -> Simplified, fillers, numerals, homophones)
rewrites the text, but entity offsets must point into what the resident actually typed.
:class:`Rewriter` applies substitutions while carrying, for every output character, the span
of the original text it was produced from; :class:`Normalised` is the frozen result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class Normalised:
    """The normalised text plus, for each of its characters, a span of the original text."""

    original: str
    text: str
    spans: tuple[Span, ...]

    def original_span(self, start: int, end: int) -> Span:
        """Map the half-open range [start, end) of ``text`` to a range of ``original``."""
        if not self.text:
            return 0, 0
        if end <= start:
            # an empty range still needs a position; use the character it sits before
            at = self.spans[min(start, len(self.spans) - 1)][0]
            return at, at
        return self.spans[start][0], self.spans[end - 1][1]


class Rewriter:
    """Mutable text with per-character provenance; see the module docstring."""

    def __init__(self, text: str):
        self.original = text
        self.chars = list(text)
        self.spans: list[Span] = [(i, i + 1) for i in range(len(text))]

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def translate(self, table: dict[int, str]) -> None:
        """Replace characters one for one (``str.translate`` table with 1-char values)."""
        self.chars = [table.get(ord(c), c) for c in self.chars]

    def replace_all(self, text: str) -> None:
        """Take a whole new text of the same length (a character-for-character conversion)."""
        if len(text) != len(self.chars):
            raise ValueError("replace_all needs a text of the same length")
        self.chars = list(text)

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]) -> None:
        """Substitute every match of ``pattern`` by ``repl(match)``; ``None`` keeps the match.

        A replacement of the same length keeps per-character provenance (幺零五 -> 105 maps each
        digit to its own character); otherwise every new character maps to the whole match
        (十二 -> 12 maps both digits to both characters), and a deletion leaves no trace.
        """
        self.edit([(m.start(), m.end(), repl(m)) for m in pattern.finditer(self.text)])

    def edit(self, edits: list[tuple[int, int, str | None]]) -> None:
        """Apply sorted, non-overlapping (start, end, replacement) edits in one pass."""
        if not any(r is not None for _, _, r in edits):
            return
        chars: list[str] = []
        spans: list[Span] = []
        pos = 0
        for start, end, replacement in edits:
            if replacement is None or start == end:
                continue
            chars.extend(self.chars[pos:start])
            spans.extend(self.spans[pos:start])
            if len(replacement) == end - start:
                spans.extend(self.spans[start:end])
            elif replacement:
                whole = (self.spans[start][0], self.spans[end - 1][1])
                spans.extend([whole] * len(replacement))
            chars.extend(replacement)
            pos = end
        chars.extend(self.chars[pos:])
        spans.extend(self.spans[pos:])
        self.chars, self.spans = chars, spans

    def freeze(self) -> Normalised:
        """The immutable result."""
        return Normalised(self.original, self.text, tuple(self.spans))
