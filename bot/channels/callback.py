"""The edge both WeChat callbacks share (official account and WeCom): signatures, the replay
window, reading and decrypting the body, and parsing it — every failure a clear 4xx.

Both platforms sign ``token, timestamp, nonce`` (plus the ciphertext in AES mode) with SHA-1
and encrypt with the same AES scheme; wechatpy implements both, and this module turns its
exceptions into Linli's: a bad signature or a foreign app id is a 403, a timestamp more than
five minutes away is a 403 (a replayed request), a body that does not decrypt or parse is a 400.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import Response, request
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from core.errors import BadRequest, Forbidden, TooLarge

from . import deferred

log = logging.getLogger("linli.bot.callback")

REPLAY_WINDOW_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024       # a WeChat message is a few KB; anything larger is not WeChat


def arg(name: str) -> str:
    return request.args.get(name, "") or ""


def check_fresh(timestamp: str) -> None:
    """Refuse a request signed more than five minutes away from now (a replay)."""
    try:
        skew = abs(time.time() - int(timestamp))
    except (TypeError, ValueError):
        raise Forbidden("channels.stale_timestamp")
    if skew > REPLAY_WINDOW_SECONDS:
        raise Forbidden("channels.stale_timestamp")


def check_plain_signature(token: str) -> None:
    """The official account's ``signature`` over token, timestamp and nonce."""
    try:
        check_signature(token, arg("signature"), arg("timestamp"), arg("nonce"))
    except InvalidSignatureException:
        raise Forbidden("channels.bad_signature")


def read_body() -> bytes:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise TooLarge("channels.body_too_large")
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge("channels.body_too_large")
    if not body.strip():
        raise BadRequest("channels.malformed_message")
    return body


def decrypt(crypto, body: bytes) -> str:
    """The plaintext XML of an AES ("safe mode") request, checking ``msg_signature``."""
    return _decrypting(lambda: crypto.decrypt_message(body, arg("msg_signature"), arg("timestamp"),
                                                      arg("nonce")))


def decrypt_echo(crypto) -> str:
    """WeCom's URL check: the decrypted ``echostr``, checking ``msg_signature``."""
    return _decrypting(lambda: crypto.check_signature(arg("msg_signature"), arg("timestamp"), arg("nonce"),
                                                      arg("echostr")))


def _decrypting(run: Callable[[], str]) -> str:
    try:
        return run()
    except (InvalidSignatureException, InvalidAppIdException, InvalidCorpIdException):
        # a bad signature, or a message encrypted for another account
        raise Forbidden("channels.bad_signature")
    except Exception as exc:
        # garbage raises anything from XML, base64, struct, unicode or the cipher: a 400, never a 500
        log.info("undecryptable callback body: %s", type(exc).__name__)
        raise BadRequest("channels.malformed_message")


def parse(parser: Callable, xml) -> object:
    """Parse with wechatpy; malformed XML or a message without a type is a 400."""
    try:
        message = parser(xml)
    except Exception as exc:   # expat, missing <xml>/<MsgType>, non-text: all malformed input
        log.info("unparseable callback body: %s", type(exc).__name__)
        raise BadRequest("channels.malformed_message")
    if message is None:
        raise BadRequest("channels.malformed_message")
    return message


def answer(svc, inbound) -> list | None:
    """The replies to send passively, or None for ``success`` (see :func:`.deferred.answer`).

    When Redis or the store is down the platform still gets ``success``: a retry would hit
    the same wall, and the failure is in the log, not in the person's chat.
    """
    try:
        return deferred.answer(svc, inbound)
    except Exception:
        log.exception("%s message could not be handled", inbound.channel)
        return None


def success() -> Response:
    """What stops WeChat's and WeCom's retries without showing anything to the person."""
    return Response("success", mimetype="text/plain")
