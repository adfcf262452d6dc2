"""Mini-program subscribe-message notifier (订阅消息) for residents with an openid.

A message goes out only when the person has an unused consent for the platform template
(:mod:`notifications.consent`); one consent is used per message sent.

Template mapping. Each mini-program picks templates from WeChat's library and gets its own
template ids with their own field names, so the mapping is deployment data: the JSON file
named by ``WECHAT_SUBSCRIBE_TEMPLATES`` (tests pass ``Config.extra["subscribe_templates"]``
instead; with neither, no subscribe message is sent)::

    {"repair.assigned": {"template_id": "Xb3...",
                         "page": "pages/case/detail?workflow={workflow}&id={case_id}",
                         "fields": {"character_string1": "number", "thing2": "title",
                                    "thing3": "body", "time4": "time", "phrase5": "=已派单"}}}

A field takes the message's ``title``, ``body`` or ``link``, ``time`` (now, Beijing time),
any key of the message data (``number``, ``case_id``, ``workflow``...), or a literal after
``=``. Values are cut to WeChat's limit for the field type (``thing`` 20 characters ...).
A Linli template with no entry is simply not sent on this channel.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta, timezone
from pathlib import Path

from core import clock
from core.wechat import WeChatApiError, wechat_client

from . import consent
from .base import Delivery, Message

BEIJING = timezone(timedelta(hours=8))   # China keeps no daylight saving time
REFUSED = 43101   # the user has no acceptance left for this template
# WeChat's value limits per field type (characters)
_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phrase": 5,
           "name": 10, "phone_number": 17, "car_number": 8, "amount": 16}
_FIELD_TYPE = re.compile(r"^([a-z_]+?)\d*$")


@dataclass(frozen=True)
class SubscribeTemplate:
    """How one Linli template becomes a platform subscribe message."""

    template_id: str
    fields: dict
    page: str = ""

    def data(self, message: Message) -> dict:
        sources = {**_texts(message.data), "title": message.title, "body": message.body, "link": message.link,
                   "time": clock.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")}
        out = {}
        for name, source in self.fields.items():
            value = source[1:] if source.startswith("=") else sources.get(source, "")
            out[name] = {"value": _fit(name, value)}
        return out

    def page_for(self, message: Message) -> str | None:
        if not self.page:
            return None
        try:
            return self.page.format(**_texts(message.data))
        except (KeyError, IndexError, ValueError):
            return self.page.split("?")[0]   # the page without the parameters it cannot fill


def _texts(data: dict) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def _fit(field: str, value: str) -> str:
    match = _FIELD_TYPE.match(field)
    limit = _LIMITS.get(match.group(1)) if match else None
    if limit and len(value) > limit:
        return value[:limit - 1] + "…"
    return value


def load_templates(config) -> dict[str, SubscribeTemplate]:
    """The Linli-template -> platform-template mapping (see the module docstring).

    A malformed mapping, or a configured file that is missing, raises ``ValueError`` at
    start-up rather than dropping messages later.
    """
    raw = config.extra.get("subscribe_templates")
    if raw is None:
        raw = _read_mapping(config.subscribe_templates_file) if config.subscribe_templates_file else {}
    if not isinstance(raw, dict):
        raise ValueError("the subscribe template mapping must be a JSON object")
    templates = {}
    for name, spec in raw.items():
        if not (isinstance(spec, dict) and spec.get("template_id") and isinstance(spec.get("fields"), dict)):
            raise ValueError(f"subscribe template {name!r} needs a template_id and a fields mapping")
        templates[name] = SubscribeTemplate(str(spec["template_id"]), {str(k): str(v) for k, v in
                                                                       spec["fields"].items()},
                                            str(spec.get("page", "")))
    return templates


def _read_mapping(name: str):
    path = Path(name).expanduser()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"WECHAT_SUBSCRIBE_TEMPLATES: cannot read {path}: {exc.strerror}") from exc


def platform_template_ids(config) -> dict[str, str]:
    """Linli template -> platform template id: what the mini-program asks the user to accept."""
    return {name: spec.template_id for name, spec in load_templates(config).items()}


def record_acceptances(services, actor, template_ids: list[str]) -> dict:
    """The mini-program reports the templates the user accepted in wx.requestSubscribeMessage.

    Ids this deployment does not map are not stored, and are returned as ``ignored`` so a
    mismatched mini-program release shows up instead of failing the whole report.
    """
    known = set(platform_template_ids(services.config).values())
    person = services.store.collection("people").get(actor.id)
    remaining = consent.grant(services.store, person, [t for t in template_ids if t in known])
    return {"remaining": remaining, "ignored": sorted({t for t in template_ids if t not in known})}


class MiniappNotifier:
    channel = "miniapp"

    def __init__(self, services):
        self.services = services
        self.templates = load_templates(services.config)

    def can_reach(self, person: dict, message: Message) -> bool:
        return (bool(person.get("openid")) and person.get("active", True)
                and message.template in self.templates)

    def send(self, person: dict, message: Message) -> Delivery:
        """Skips without consent; raises :class:`~core.wechat.WeChatApiError` only when a
        retry may succeed. Consent is used after WeChat accepted the message, so a crash in
        between costs at most a second attempt that WeChat refuses, never a lost message."""
        spec = self.templates[message.template]
        store = self.services.store
        if consent.available(store, person["_id"], spec.template_id) < 1:
            return Delivery(self.channel, ok=False, skipped=True, detail="no consent")
        try:
            wechat_client(self.services).wxa.send_subscribe_message(
                person["openid"], spec.template_id, spec.data(message), page=spec.page_for(message))
        except WeChatApiError as exc:
            if exc.retryable:
                raise
            if exc.errcode == REFUSED:
                consent.revoke(store, person, spec.template_id)
            return Delivery(self.channel, ok=False, skipped=True, detail=str(exc.details))
        consent.consume(store, person, spec.template_id)
        return Delivery(self.channel, ok=True)
