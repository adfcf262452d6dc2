"""Hostile bodies at both WeChat callbacks (``/wechat/oa`` plaintext and AES, ``/wechat/work``):
entity expansion, external entities, oversized and deeply nested XML, bytes in the wrong
encoding, missing fields and ciphertext that is not WeChat's. Each is a 4xx in the error
envelope, answered at once (never a 500, never a hang), and nothing reaches the dialog."""
from __future__ import annotations

import base64
import struct
import time

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Response
from werkzeug.test import EnvironBuilder

from .conftest import dialog_calls
from .wechat_requests import OA_URL, WECOM_URL, sha1_signature, text

QUICK = 2.0      # seconds: a refusal costs no work; anything slower is a parser grinding

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY l0 "lol">'
                  + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
                  + ']><xml><ToUserName>gh</ToUserName><FromUserName>o-owner</FromUserName>'
                    '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&l9;</Content>'
                    '<MsgId>1</MsgId></xml>')
# one 20 kB entity referenced a thousand times: 20 MB out of a body under the size limit
QUADRATIC = ('<!DOCTYPE xml [<!ENTITY big "' + "x" * 20_000 + '">]><xml><FromUserName>o-owner</FromUserName>'
             '<MsgType>text</MsgType><Content>' + "&big;" * 1000 + "</Content><MsgId>2</MsgId></xml>")


def external(url: str) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY ext SYSTEM "{url}">]><xml>'
            "<FromUserName>o-owner</FromUserName><MsgType>text</MsgType><Content>&ext;</Content>"
            "<MsgId>3</MsgId></xml>")


PARAMETER_ENTITY = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">'
                    "%remote;]><xml><FromUserName>o-owner</FromUserName><MsgType>text</MsgType>"
                    "<Content>x</Content><MsgId>4</MsgId></xml>")
GBK = ('<?xml version="1.0" encoding="GBK"?><xml><FromUserName>o-owner</FromUserName><MsgType>text'
       '</MsgType><Content>厨房漏水</Content><MsgId>5</MsgId></xml>').encode("gbk")
UTF16 = text("o-owner", "厨房漏水").encode("utf-16")
LATIN1 = "<xml><FromUserName>o-owner</FromUserName><MsgType>text</MsgType><Content>café</Content></xml>" \
    .encode("latin-1")
DEEP = ("<xml><FromUserName>o-owner</FromUserName><MsgType>text</MsgType><Content>"
        + "<a>" * 5000 + "x" + "</a>" * 5000 + "</Content><MsgId>6</MsgId></xml>")

HOSTILE_PLAINTEXTS = {
    "billion laughs": BILLION_LAUGHS.encode(),
    "quadratic blowup": QUADRATIC.encode(),
    "external file entity": external("file:///etc/passwd").encode(),
    "external http entity": external("http://127.0.0.1:9/secret").encode(),
    "external parameter entity": PARAMETER_ENTITY.encode(),
    "GBK bytes": GBK,
    "UTF-16 bytes": UTF16,
    "Latin-1 bytes": LATIN1,
    "NUL bytes": b"<xml><FromUserName>o-owner\x00</FromUserName><MsgType>text</MsgType></xml>",
    "no MsgType": b"<xml><FromUserName>o-owner</FromUserName><Content>hi</Content></xml>",
    "no sender": b"<xml><MsgType>text</MsgType><Content>hi</Content><MsgId>7</MsgId></xml>",
    "MsgType as an element": b"<xml><FromUserName>o-owner</FromUserName><MsgType><t>text</t></MsgType></xml>",
    "no <xml> root": b"<message><FromUserName>o-owner</FromUserName><MsgType>text</MsgType></message>",
    "two roots": b"<xml><MsgType>text</MsgType></xml><xml><MsgType>text</MsgType></xml>",
    "processing instruction only": b'<?xml version="1.0"?>',
}
# XML that parses (deep nesting inside a field, an odd declared encoding) may be answered
# with empty fields instead: a 200 is fine, a 500 or a crash is not
PARSEABLE_ODDITIES = {
    "deeply nested field": DEEP.encode(),
    "UTF-8 bytes declared UTF-16": ('<?xml version="1.0" encoding="UTF-16"?>'
                                    + text("o-owner", "厨房漏水")).encode(),
}


def assert_refused(response, started: float, statuses=(400, 403, 413)) -> None:
    elapsed = time.monotonic() - started
    assert elapsed < QUICK, f"took {elapsed:.1f}s"
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]


def raw_encrypt(aes_key: str, plaintext: bytes, pad: bool = True, last_byte: int | None = None) -> str:
    """WeChat's AES-CBC with the account's key (IV = its first 16 bytes), over any bytes: to
    build ciphertexts whose inner structure is wrong although the key and signature are right.
    ``pad``: PKCS#7 to 32 bytes as WeChat does; ``last_byte``: then overwrite the padding byte."""
    key = base64.b64decode(aes_key + "=")
    if pad:
        n = 32 - len(plaintext) % 32
        plaintext += bytes([n]) * n
    if last_byte is not None:
        plaintext = plaintext[:-1] + bytes([last_byte])
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode()


def framed(xml: bytes, app_id: str, length: int | None = None) -> bytes:
    """16 random bytes, the network-order length, the XML, the app id: WeChat's plaintext frame."""
    return b"r" * 16 + struct.pack(">I", len(xml) if length is None else length) + xml + app_id.encode()


def signed_envelope(token: str, encrypt: str, nonce: str = "n1") -> tuple[dict, bytes]:
    ts = str(int(time.time()))
    query = {"timestamp": ts, "nonce": nonce, "msg_signature": sha1_signature(token, ts, nonce, encrypt)}
    body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    return query, body.encode()


# ---- the official account, plaintext mode ---------------------------------------------------

def post_plain(oa, body: bytes):
    return oa.client.post(OA_URL, query_string=oa.query(), data=body, headers={"Content-Type": "text/xml"})


@pytest.mark.parametrize("body", list(HOSTILE_PLAINTEXTS.values()), ids=list(HOSTILE_PLAINTEXTS))
def test_hostile_plaintext_xml_is_refused_at_once(oa, services, body):
    started = time.monotonic()
    response = post_plain(oa, body)
    assert_refused(response, started, statuses=(400,))
    assert dialog_calls(services) == []


@pytest.mark.parametrize("body", list(PARSEABLE_ODDITIES.values()), ids=list(PARSEABLE_ODDITIES))
def test_odd_but_parseable_xml_is_answered_or_refused_never_a_500(oa, body):
    started = time.monotonic()
    response = post_plain(oa, body)
    assert time.monotonic() - started < QUICK
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    if response.status_code == 400:
        assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("size", [64 * 1024 + 1, 4 * 1024 * 1024])
def test_an_oversized_body_is_a_413_before_it_is_parsed(oa, services, size):
    body = b"<xml><Content>" + b"a" * size + b"</Content></xml>"
    started = time.monotonic()
    response = oa.client.post(OA_URL, query_string=oa.query(), data=body)
    assert_refused(response, started, statuses=(413,))
    assert dialog_calls(services) == []


def test_an_oversized_body_without_a_content_length_is_a_413(app, oa, services):
    """A chunked request announces no length (the WSGI server marks its input terminated):
    the size is checked on what was read."""
    environ = EnvironBuilder(path=OA_URL, method="POST", query_string=oa.query(),
                             data=b"<xml>" + b"x" * 80_000 + b"</xml>").get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    started = time.monotonic()
    response = Response.from_app(app, environ)
    assert_refused(response, started, statuses=(413,))
    assert dialog_calls(services) == []


# ---- the official account, AES safe mode --------------------------------------------------

def post_oa_safe(oa, encrypt: str):
    query, body = signed_envelope(oa.config.wechat_token, encrypt)
    query["encrypt_type"] = "aes"
    query["signature"] = sha1_signature(oa.config.wechat_token, query["timestamp"], query["nonce"])
    return oa.client.post(OA_URL, query_string=query, data=body, headers={"Content-Type": "text/xml"})


def bad_ciphertexts(aes_key: str, app_id: str) -> dict[str, str]:
    hello = text("o-owner", "你好").encode()
    return {
        "not base64": "%%% not base64 %%%",
        "empty": "",
        "not a whole block": base64.b64encode(b"x" * 15).decode(),
        "another key": raw_encrypt(base64.b64encode(b"k" * 32).decode()[:43], framed(hello, app_id)),
        "padding byte zero": raw_encrypt(aes_key, framed(hello, app_id), last_byte=0),
        "padding past the frame": raw_encrypt(aes_key, b"r" * 31 + b"\xff", pad=False),
        "length past the end": raw_encrypt(aes_key, framed(hello, app_id, length=2**31)),
        "frame too short": raw_encrypt(aes_key, b"r" * 18),
        "invalid UTF-8 inside": raw_encrypt(aes_key, framed(b"<xml>\xff\xfe</xml>", app_id)),
        "billion laughs inside": raw_encrypt(aes_key, framed(BILLION_LAUGHS.encode(), app_id)),
        "external entity inside": raw_encrypt(aes_key,
                                              framed(HOSTILE_PLAINTEXTS["external file entity"], app_id)),
        "no sender inside": raw_encrypt(aes_key, framed(HOSTILE_PLAINTEXTS["no sender"], app_id)),
    }


@pytest.mark.parametrize("envelope", [
    b"",
    b"<xml><ToUserName>gh</ToUserName></xml>",                                  # no Encrypt
    b"<xml><Encrypt><a>1</a><a>2</a></Encrypt></xml>",                           # Encrypt is no text
    BILLION_LAUGHS.encode(),
    external("file:///etc/passwd").encode(),
    b"\xff\xfe<\x00x\x00",
])
def test_a_hostile_aes_envelope_is_refused(oa, services, envelope):
    query = {**oa.query(), "encrypt_type": "aes", "msg_signature": "0" * 40}
    started = time.monotonic()
    response = oa.client.post(OA_URL, query_string=query, data=envelope, headers={"Content-Type": "text/xml"})
    assert_refused(response, started, statuses=(400, 403))
    assert dialog_calls(services) == []


# ---- WeCom (always AES) --------------------------------------------------------------------

def post_wecom(wecom, encrypt: str):
    query, body = signed_envelope(wecom.config.wecom_token, encrypt)
    return wecom.client.post(WECOM_URL, query_string=query, data=body, headers={"Content-Type": "text/xml"})


def safe_mode(channel: str, oa, wecom):
    """(AES key, app id, post(encrypt)) of one callback in AES mode."""
    if channel == "oa":
        return oa.config.wechat_encoding_aes_key, oa.config.wechat_appid, lambda e: post_oa_safe(oa, e)
    return wecom.config.wecom_encoding_aes_key, wecom.config.wecom_corpid, lambda e: post_wecom(wecom, e)


@pytest.mark.parametrize("channel", ["oa", "wecom"])
@pytest.mark.parametrize("case", list(bad_ciphertexts("A" * 43, "any")))
def test_bad_aes_with_a_valid_signature_is_refused(oa, wecom, services, channel, case):
    aes_key, app_id, post = safe_mode(channel, oa, wecom)
    started = time.monotonic()
    assert_refused(post(bad_ciphertexts(aes_key, app_id)[case]), started, statuses=(400, 403))
    assert dialog_calls(services) == []


@pytest.mark.parametrize("channel", ["oa", "wecom"])
@pytest.mark.parametrize("body", list(HOSTILE_PLAINTEXTS.values()), ids=list(HOSTILE_PLAINTEXTS))
def test_hostile_xml_correctly_encrypted_is_refused(oa, wecom, services, channel, body):
    aes_key, app_id, post = safe_mode(channel, oa, wecom)
    started = time.monotonic()
    assert_refused(post(raw_encrypt(aes_key, framed(body, app_id))), started, statuses=(400,))
    assert dialog_calls(services) == []


def test_an_oversized_wecom_body_is_a_413(wecom, services):
    query, _ = signed_envelope(wecom.config.wecom_token, "x")
    started = time.monotonic()
    response = wecom.client.post(WECOM_URL, query_string=query, data=b"<xml>" + b"A" * 70_000 + b"</xml>")
    assert_refused(response, started, statuses=(413,))
    assert dialog_calls(services) == []


@pytest.mark.parametrize("echostr", ["", "%%%", base64.b64encode(b"x" * 15).decode(), "A" * 3000])
def test_a_hostile_wecom_echostr_is_refused(client, wecom, echostr):
    ts, nonce = str(int(time.time())), "n"
    query = {"timestamp": ts, "nonce": nonce, "echostr": echostr,
             "msg_signature": sha1_signature(wecom.config.wecom_token, ts, nonce, echostr)}
    started = time.monotonic()
    assert_refused(client.get(WECOM_URL, query_string=query), started, statuses=(400, 403))
