"""The WeChat official account (公众号) server at ``/wechat/oa``.

GET verifies the server (``signature``, ``timestamp``, ``nonce``, ``echostr``). POST carries
a message, in plaintext or in AES "safe mode" (``encrypt_type=aes``, ``msg_signature``); the
answer goes back in the same mode. Requests signed more than five minutes away from now are
refused (403), as are bad signatures; a body that is not a WeChat message is a 400.

Who is writing: the ``people`` document with this openid, else with the unionid WeChat
reports for it (looked up once and cached); an unknown openid gets ``person_id=None``
and the dialog explains how to bind a house.

Menu clicks arrive as ``kind=event, event="click"`` with ``event_key`` set to the intent the
menu item stands for (:data:`MENU_INTENTS`; a key that is already an intent name passes as
it is), so the menu needs no words to be understood.
"""
from __future__ import annotations

import logging
from dataclasses import replace

from flask import Blueprint, Response
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from core.api import services
from core.directory.people import find_person_by_openid
from core.wechat import WeChatApiError, wechat_client

from ..messages import EVENT, TEXT, InboundMessage
from ..turn_log import pseudonym
from . import callback, deferred, wechat_text
from .wechat_inbound import text_field, to_inbound

log = logging.getLogger("linli.bot.oa")

CHANNEL = "wechat_oa"
UNIONID_CACHE_SECONDS = 3600
# the official account's menu (set up in the WeChat admin console) -> intents of INTENTS.md
MENU_INTENTS = {
    "REPAIR": "repair_request", "COMPLAINT": "complaint", "SOS": "emergency", "HELP": "help_request",
    "MY_CASES": "ticket_status", "VOTE": "vote", "VOLUNTEER": "volunteer", "DEVICES": "device_status",
    "HUMAN": "human_agent",
}

bp = Blueprint("wechat_oa", __name__)


def _crypto(config) -> WeChatCrypto:
    return WeChatCrypto(config.wechat_token, config.wechat_encoding_aes_key, config.wechat_appid)


@bp.get("/wechat/oa")
def verify():
    """WeChat checks the server URL: echo ``echostr`` if the signature is ours."""
    callback.check_plain_signature(services().config.wechat_token)
    callback.check_fresh(callback.arg("timestamp"))
    return Response(callback.arg("echostr"), mimetype="text/plain")


@bp.post("/wechat/oa")
def receive():
    svc = services()
    config = svc.config
    callback.check_plain_signature(config.wechat_token)
    callback.check_fresh(callback.arg("timestamp"))
    body = callback.read_body()
    safe_mode = callback.arg("encrypt_type").lower() == "aes"
    xml = callback.decrypt(_crypto(config), body) if safe_mode else body
    message = callback.parse(parse_message, xml)
    inbound = _with_intent(svc, to_inbound(message, CHANNEL), message)
    replies = callback.answer(svc, inbound)
    if not replies:
        return callback.success()
    content = wechat_text.render(svc, CHANNEL, inbound.user_key, replies, locale=inbound.locale)
    reply = TextReply(source=text_field(message, "ToUserName"), target=inbound.user_key,
                      content=content).render()
    if safe_mode:
        reply = _crypto(config).encrypt_message(reply, callback.arg("nonce"), callback.arg("timestamp"))
    return Response(reply, mimetype="application/xml")


def _with_intent(svc, inbound: InboundMessage, message) -> InboundMessage:
    """Menu keys become intents; a tapped reply button becomes its payload."""
    if inbound.kind == EVENT and inbound.event == "click" and inbound.event_key:
        return replace(inbound, event_key=MENU_INTENTS.get(inbound.event_key.upper(), inbound.event_key))
    if inbound.kind == TEXT:
        payload = wechat_text.pressed(svc, CHANNEL, inbound.user_key, text_field(message, "bizmsgmenuid"))
        if payload:
            return replace(inbound, text=payload)
    return inbound


# ---- who is writing ------------------------------------------------------------------------

def resolve(svc, inbound: InboundMessage) -> InboundMessage:
    """Attach the person (and their community and language) to a message from an openid."""
    person = find_person_by_openid(svc.store, inbound.user_key) or _by_unionid(svc, inbound.user_key)
    if person is None or not person.get("active", True):
        return inbound
    return replace(inbound, person_id=person["_id"], community_id=person.get("community_id"),
                   locale=person.get("locale") or inbound.locale)


def _by_unionid(svc, openid: str) -> dict | None:
    """A resident known from the mini-program under another openid of the same unionid."""
    key = svc.key("bot", "oa_unionid", pseudonym(openid))
    unionid = svc.redis.get(key)
    if unionid is None:
        try:
            unionid = str(wechat_client(svc).user.get(openid).get("unionid") or "")
        except WeChatApiError as exc:
            log.info("no unionid for an official-account follower: %s", exc.details)
            unionid = ""
        svc.redis.set(key, unionid, ex=UNIONID_CACHE_SECONDS)
    if not unionid:
        return None
    found = svc.store.collection("people").find({"unionid": unionid}, limit=1).items
    return found[0] if found else None


# ---- answering after the five seconds -------------------------------------------------------

def send_late(svc, inbound: InboundMessage, replies) -> None:
    """A customer-service message (allowed for 48 h after the person's last message)."""
    text = wechat_text.render(svc, CHANNEL, inbound.user_key, replies, locale=inbound.locale)
    if text:
        wechat_client(svc).message.send_text(inbound.user_key, text)


deferred.register_channel(CHANNEL, deferred.ChannelHooks(send_late=send_late, resolve=resolve))
