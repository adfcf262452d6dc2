"""The WeCom (企业微信) application callback at ``/wechat/work``: staff type commands in chat.

Same signature and AES scheme as the official account, always encrypted: GET verifies the
URL by decrypting ``echostr``; POST carries a message whose answer goes back encrypted.
The sender is the staff member with that WeCom userid (:func:`resolve`); the answer comes
from :mod:`bot.staff_commands`. WeCom, like WeChat, retries a message it got no answer
to within five seconds, so the same deferred path applies, with an application message
as the late answer.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.replies import TextReply

from core.api import services
from core.directory.people import find_staff_by_wecom_userid
from core.wechat import wecom_client

from .. import staff_commands
from ..messages import InboundMessage
from . import callback, deferred, wechat_text
from .wechat_inbound import text_field, to_inbound

CHANNEL = "wecom"

bp = Blueprint("wechat_work", __name__)


def _crypto(config) -> WeChatCrypto:
    return WeChatCrypto(config.wecom_token, config.wecom_encoding_aes_key, config.wecom_corpid)


@bp.get("/wechat/work")
def verify():
    """WeCom checks the callback URL: answer the decrypted ``echostr``."""
    callback.check_fresh(callback.arg("timestamp"))
    echo = callback.decrypt_echo(_crypto(services().config))
    return Response(echo, mimetype="text/plain")


@bp.post("/wechat/work")
def receive():
    svc = services()
    config = svc.config
    callback.check_fresh(callback.arg("timestamp"))
    xml = callback.decrypt(_crypto(config), callback.read_body())
    message = callback.parse(parse_message, xml)
    inbound = to_inbound(message, CHANNEL)
    replies = callback.answer(svc, inbound)
    if not replies:
        return callback.success()
    content = wechat_text.render(svc, CHANNEL, inbound.user_key, replies, menu_links=False)
    agent = text_field(message, "AgentID", 20)
    reply = TextReply(source=text_field(message, "ToUserName"), target=inbound.user_key,
                      agent=int(agent) if agent.isascii() and agent.isdigit() else config.wecom_agentid,
                      content=content).render()
    encrypted = _crypto(config).encrypt_message(reply, callback.arg("nonce"), callback.arg("timestamp"))
    return Response(encrypted, mimetype="application/xml")


def resolve(svc, inbound: InboundMessage) -> InboundMessage:
    """The active staff member with this WeCom userid (None when unknown or ambiguous)."""
    person = find_staff_by_wecom_userid(svc.store, None, inbound.user_key)
    if person is None:
        return inbound
    return replace(inbound, person_id=person["_id"], community_id=person.get("community_id"),
                   locale=person.get("locale") or inbound.locale)


def send_late(svc, inbound: InboundMessage, replies) -> None:
    text = wechat_text.render(svc, CHANNEL, inbound.user_key, replies, menu_links=False)
    if text:
        wecom_client(svc).message.send_text(svc.config.wecom_agentid, inbound.user_key, text)


deferred.register_channel(CHANNEL, deferred.ChannelHooks(send_late=send_late, respond=staff_commands.respond,
                                                         resolve=resolve))
