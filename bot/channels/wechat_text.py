"""Replies as WeChat text: buttons become tappable menu links, links become anchors, a
mini-program page (``meta["miniprogram"]``) becomes a mini-program link.

A WeChat text message may carry ``<a href="weixin://bizmsgmenu?msgmenucontent=…&msgmenuid=…">``
links: tapping one sends ``msgmenucontent`` as the person's message, together with
``bizmsgmenuid``. The title is what the person sees themself "say"; the id maps back (for
two days, the customer-service window) to the button's payload, which is what the dialog
receives (:func:`pressed`). Every button is numbered too, so typing "1" works where links
do not (WeCom, old clients).
"""
from __future__ import annotations

import hashlib
from html import escape
from urllib.parse import quote

from core import i18n

from ..messages import OutboundMessage
from ..turn_log import pseudonym

MAX_TEXT_BYTES = 2000            # WeChat cuts text replies at 2,048 bytes
BUTTON_TTL_SECONDS = 48 * 3600


def render(services, channel: str, user_key: str, replies: list[OutboundMessage], menu_links: bool = True,
           locale: str | None = None) -> str:
    """One text for all ``replies`` (a passive reply carries one message). ``menu_links``:
    the official account's tappable buttons and mini-program links (WeCom has neither)."""
    return _cut("\n\n".join(render_one(services, channel, user_key, r, menu_links, locale) for r in replies
                             if r.text or r.buttons))


def render_one(services, channel: str, user_key: str, reply: OutboundMessage, menu_links: bool = True,
               locale: str | None = None) -> str:
    parts = [reply.text] if reply.text else []
    if reply.link:
        parts.append(f'<a href="{escape(reply.link, quote=True)}">{escape(reply.link)}</a>')
    page = (reply.meta or {}).get("miniprogram")
    if menu_links and isinstance(page, dict) and page.get("pagepath"):
        # WeChat opens the mini-program page; older clients follow href
        parts.append(f'<a data-miniprogram-appid="{escape(str(page.get("appid") or ""), quote=True)}" '
                     f'data-miniprogram-path="{escape(page["pagepath"], quote=True)}" '
                     f'href="{escape(services.config.public_base_url, quote=True)}">'
                     f'{escape(i18n.translate("channels.open_miniprogram", locale))}</a>')
    if reply.buttons:
        ids = _remember(services, channel, user_key, [b.payload for b in reply.buttons]) if menu_links else []
        options = []
        for number, button in enumerate(reply.buttons, start=1):
            label = f"{number}. {button.title}"
            if menu_links:
                href = (f"weixin://bizmsgmenu?msgmenucontent={quote(button.title)}"
                        f"&msgmenuid={ids[number - 1]}")
                label = f'<a href="{href}">{escape(label)}</a>'
            options.append(label)
        parts.append("\n".join(options))
    return _cut("\n".join(parts))


def pressed(services, channel: str, user_key: str, menu_id: str | None) -> str | None:
    """The payload of the button a ``bizmsgmenuid`` names, if we still remember it."""
    if not menu_id:
        return None
    return services.redis.hget(_key(services, channel, user_key), str(menu_id)[:20])


def _remember(services, channel: str, user_key: str, payloads: list[str]) -> list[str]:
    """Menu ids for ``payloads``: a digest of the payload, so that rendering the same answer
    again (a retry) gives the same text, and the map stays as small as the set of payloads."""
    ids = [hashlib.sha256(p.encode()).hexdigest()[:10] for p in payloads]
    key = _key(services, channel, user_key)
    pipe = services.redis.pipeline()
    pipe.hset(key, mapping=dict(zip(ids, payloads)))
    pipe.expire(key, BUTTON_TTL_SECONDS)
    pipe.execute()
    return ids


def _key(services, channel: str, user_key: str) -> str:
    return services.key("bot", "buttons", channel, pseudonym(user_key))


def _cut(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= MAX_TEXT_BYTES:
        return text
    return data[:MAX_TEXT_BYTES - 3].decode("utf-8", errors="ignore") + "…"
