"""What WeChat and WeCom send: signed callback requests with real XML, plaintext or AES,
built the way the platforms build them (wechatpy's crypto, the documented field names)."""
from __future__ import annotations

import hashlib
import itertools
import time

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

OA_URL, WECOM_URL = "/wechat/oa", "/wechat/work"
ACCOUNT = "gh_linli_demo"
_msg_ids = itertools.count(7_000_000_000_000_000_001)


def next_msg_id() -> int:
    return next(_msg_ids)


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode()).hexdigest()


def xml_of(fields: dict) -> str:
    """``<xml>`` with every value in CDATA, as WeChat writes it (numbers bare)."""
    nodes = []
    for name, value in fields.items():
        if value is None:
            continue
        body = str(value) if isinstance(value, (int, float)) else f"<![CDATA[{value}]]>"
        nodes.append(f"<{name}>{body}</{name}>")
    return "<xml>" + "".join(nodes) + "</xml>"


def message(openid: str, msg_type: str, msg_id: int | None = None, created: int | None = None,
            **fields) -> str:
    """One official-account message (``MsgId`` added unless it is an event)."""
    base = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": created or int(time.time()),
            "MsgType": msg_type}
    if msg_type != "event":
        base["MsgId"] = msg_id if msg_id is not None else next_msg_id()
    return xml_of({**base, **fields})


def text(openid: str, content: str, **kw) -> str:
    return message(openid, "text", Content=content, **kw)


def voice(openid: str, recognition: str, **kw) -> str:
    return message(openid, "voice", MediaId="media-voice-1", Format="amr", Recognition=recognition, **kw)


def event(openid: str, name: str, key: str | None = None, **kw) -> str:
    return message(openid, "event", Event=name, EventKey=key, **kw)


class OfficialAccount:
    """Posts to ``/wechat/oa`` like WeChat's servers, and reads the answer back."""

    def __init__(self, client, config):
        self.client = client
        self.config = config
        self.crypto = WeChatCrypto(config.wechat_token, config.wechat_encoding_aes_key, config.wechat_appid)

    def query(self, timestamp: int | None = None, nonce: str = "nonce42", token: str | None = None) -> dict:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {"signature": sha1_signature(token or self.config.wechat_token, ts, nonce), "timestamp": ts,
                "nonce": nonce}

    def post(self, xml: str, safe: bool = False, **query_options):
        query = self.query(**query_options)
        body = xml
        if safe:
            body = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            query.update(encrypt_type="aes", msg_signature=xmltodict.parse(body)["xml"]["MsgSignature"])
        return self.client.post(OA_URL, query_string=query, data=body.encode(),
                                headers={"Content-Type": "text/xml"})

    def reply(self, response, safe: bool = False) -> str | None:
        """The text of a passive reply; None for ``success``."""
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
        body = response.get_data(as_text=True)
        if body == "success":
            return None
        if safe:
            envelope = xmltodict.parse(body)["xml"]
            body = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"],
                                               envelope["Nonce"])
        answer = xmltodict.parse(body)["xml"]
        assert answer["MsgType"] == "text" and answer["FromUserName"] == ACCOUNT
        return answer["Content"]

    def say(self, xml: str, safe: bool = False) -> str | None:
        return self.reply(self.post(xml, safe=safe), safe=safe)


class WeCom:
    """Posts to ``/wechat/work`` like WeCom's servers (always encrypted)."""

    def __init__(self, client, config):
        self.client = client
        self.config = config
        self.crypto = WeComCrypto(config.wecom_token, config.wecom_encoding_aes_key, config.wecom_corpid)

    def post(self, xml: str, timestamp: int | None = None, nonce: str = "wecom-nonce"):
        ts = str(int(time.time()) if timestamp is None else timestamp)
        body = self.crypto.encrypt_message(xml, nonce, ts)
        signature = xmltodict.parse(body)["xml"]["MsgSignature"]
        query = {"msg_signature": signature, "timestamp": ts, "nonce": nonce}
        return self.client.post(WECOM_URL, query_string=query, data=body.encode(),
                                headers={"Content-Type": "text/xml"})

    def say(self, userid: str, content: str) -> str | None:
        xml = xml_of({"ToUserName": self.config.wecom_corpid, "FromUserName": userid,
                      "CreateTime": int(time.time()), "MsgType": "text", "Content": content,
                      "MsgId": next_msg_id(), "AgentID": int(self.config.wecom_agentid)})
        response = self.post(xml)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
        body = response.get_data(as_text=True)
        if body == "success":
            return None
        envelope = xmltodict.parse(body)["xml"]
        plain = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"],
                                            envelope["Nonce"])
        return xmltodict.parse(plain)["xml"]["Content"]
