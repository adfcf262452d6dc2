"""WeCom (企业微信) notifier: staff get their work as an app text card (title, body, a button
that opens the case at ``LINLI_PUBLIC_URL``), sent by the WeCom application ``WECOM_AGENTID``."""
from __future__ import annotations

import html

from core import i18n
from core.wechat import WeChatApiError, wecom_client

from .base import Delivery, Message


class WeComNotifier:
    channel = "wecom"

    def __init__(self, services):
        self.services = services

    def can_reach(self, person: dict, message: Message) -> bool:
        return (person.get("kind") == "staff" and bool(person.get("wecom_userid"))
                and person.get("active", True))

    def send(self, person: dict, message: Message) -> Delivery:
        """Raises :class:`~core.wechat.WeChatApiError` only when a retry may succeed."""
        config = self.services.config
        button = i18n.translate("identity.wecom_card_button", person.get("locale"))
        try:
            # the card description is HTML: a resident's text must not become markup
            answer = wecom_client(self.services).message.send_text_card(
                int(config.wecom_agentid), person["wecom_userid"], message.title, html.escape(message.body),
                message.link or config.public_base_url, btntxt=button)
        except WeChatApiError as exc:
            if exc.retryable:
                raise
            return Delivery(self.channel, ok=False, skipped=True, detail=str(exc.details))
        if answer.get("invaliduser"):  # not in the app's visible range, or left the company
            return Delivery(self.channel, ok=False, skipped=True,
                            detail=f"invaliduser {answer['invaliduser']}")
        return Delivery(self.channel, ok=True, detail=str(answer.get("msgid", "")))
