"""Render an outbox event into a :class:`Message` in the recipient's language.

Texts come from ``locales/*/notify.po`` keyed ``notify.<event type>.title`` and
``.body``; the event's data, the case number and summary fill the placeholders.
"""
from __future__ import annotations

from core import i18n

from .base import Message


def make_renderer(public_base_url: str):
    base = public_base_url.rstrip("/")

    def render(event: dict, person: dict) -> Message:
        locale = person.get("locale") or i18n.DEFAULT
        params = {"number": event.get("case_number") or "", **{k: v for k, v in event.get("data", {}).items()
                                                                 if isinstance(v, (str, int, float))}}
        key = f"notify.{event['type']}"
        title = i18n.translate(f"{key}.title", locale, **params)
        if title == f"{key}.title":  # no specific text: a generic "your case changed" message
            title = i18n.translate("notify.generic.title", locale, **params)
        body = i18n.translate(f"{key}.body", locale, **params)
        if body == f"{key}.body":
            body = i18n.translate("notify.generic.body", locale, **params)
        return Message(event_id=event["_id"], template=event["type"], title=title, body=body,
                       link=f"{base}/cases/{event.get('workflow')}/{event.get('case_id')}",
                       data={"case_id": event.get("case_id"), "number": event.get("case_number"),
                             "workflow": event.get("workflow")})

    return render
