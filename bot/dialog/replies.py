"""Composing one turn's answer: statements first, then at most one question.

Every text is a key in ``locales/<locale>/bot.po``. A key may have two variants:
``<key>.elderly`` — the short-sentence form used in elderly mode — and ``<key>.speak``
— what a voice-first device reads aloud. A missing variant falls back to the plain text,
so adding a variant never needs code.
"""
from __future__ import annotations

from core import i18n

from ..messages import Button, OutboundMessage

MAX_ELDERLY_BUTTONS = 3


def text(key: str, locale: str, elderly: bool = False, **params) -> str:
    """The localised text of ``key``, preferring the elderly variant in elderly mode."""
    if elderly and _has(f"{key}.elderly", locale):
        return i18n.translate(f"{key}.elderly", locale, **params)
    return i18n.translate(key, locale, **params)


def spoken(key: str, locale: str, elderly: bool = False, **params) -> str:
    if _has(f"{key}.speak", locale):
        return i18n.translate(f"{key}.speak", locale, **params)
    return text(key, locale, elderly, **params)


def _has(key: str, locale: str) -> bool:
    return key in i18n.catalogue(locale) or key in i18n.catalogue(i18n.DEFAULT)


class Reply:
    """Collects what the bot says this turn and renders it as one :class:`OutboundMessage`.

    ``question`` records the prompt so that "没听清" can repeat it and so the tracker
    knows which buttons a bare "1" refers to.
    """

    def __init__(self, locale: str, elderly: bool = False):
        self.locale = locale
        self.elderly = elderly
        self.parts: list[str] = []
        self.speak_parts: list[str] = []
        self.buttons: list[Button] = []
        self.link: str | None = None
        self.meta: dict = {}
        self.question: dict | None = None
        self.said: list[list] = []      # [key, params] of each statement, for "再说一遍"
        self._question_text: tuple[str, str] | None = None

    def say(self, key: str, **params) -> "Reply":
        self.said.append([key, params])
        self.parts.append(text(key, self.locale, self.elderly, **params))
        self.speak_parts.append(spoken(key, self.locale, self.elderly, **params))
        return self

    def ask(self, key: str, buttons: list[tuple[str, str]] = (), **params) -> "Reply":
        """Ask one question; it always ends the reply, and a second call replaces the first
        (one question at a time)."""
        self.question = {"key": key, "params": params, "buttons": [list(b) for b in buttons]}
        self._question_text = (text(key, self.locale, self.elderly, **params),
                               spoken(key, self.locale, self.elderly, **params))
        self.buttons = [Button(title=text(title, self.locale, self.elderly), payload=payload)
                        for title, payload in buttons]
        if self.elderly:
            self.buttons = self.buttons[:MAX_ELDERLY_BUTTONS]
        return self

    @property
    def empty(self) -> bool:
        return not self.parts and self.question is None

    def render(self) -> list[OutboundMessage]:
        """One message: the statements, then the question (empty list when nothing was said)."""
        parts, speak_parts = list(self.parts), list(self.speak_parts)
        if self._question_text is not None:
            parts.append(self._question_text[0])
            speak_parts.append(self._question_text[1])
        if not parts:
            return []
        glue = "" if self.locale.startswith("zh") else " "
        return [OutboundMessage(text="\n".join(parts), buttons=tuple(self.buttons),
                                speak=glue.join(speak_parts), link=self.link, meta=dict(self.meta))]
