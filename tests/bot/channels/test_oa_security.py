"""The official account's edge: server verification, signatures, the replay window, AES safe
mode round trips, and hostile bodies — a 403 or a 400, never a 500, and nothing processed."""
from __future__ import annotations

import time

import pytest
import xmltodict

from core.config import DEV_WECHAT_AES_KEY, DEV_WECHAT_TOKEN, load_config

from .conftest import dialog_calls
from .wechat_requests import OA_URL, sha1_signature, text


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_get_verification_echoes_echostr_only_when_signed_by_us(client, oa):
    query = {**oa.query(), "echostr": "4711-hello"}
    good = client.get(OA_URL, query_string=query)
    assert good.status_code == 200 and good.get_data(as_text=True) == "4711-hello"
    bad = client.get(OA_URL, query_string={**oa.query(token="someone-else"), "echostr": "4711-hello"})
    assert bad.status_code == 403 and "4711" not in bad.get_data(as_text=True)
    assert client.get(OA_URL, query_string={"echostr": "x"}).status_code == 403


@pytest.mark.parametrize("skew", [-301, 301, 3600])
def test_stale_timestamps_are_refused_even_when_signed(oa, services, skew):
    response = oa.post(text("o-owner", "你好"), timestamp=int(time.time()) + skew)
    assert response.status_code == 403 and error_code(response) == "forbidden"
    assert dialog_calls(services) == []


def test_timestamps_inside_the_window_are_accepted(oa):
    response = oa.post(text("o-owner", "你好"), timestamp=int(time.time()) - 290)
    assert oa.reply(response).startswith("echo text: 你好")


def test_bad_signature_is_refused_and_nothing_is_processed(oa, services, client):
    query = {**oa.query(), "signature": "0" * 40}
    response = client.post(OA_URL, query_string=query, data=text("o-owner", "你好").encode())
    assert response.status_code == 403 and error_code(response) == "forbidden"
    response = client.post(OA_URL, query_string={"timestamp": str(int(time.time())), "nonce": "n"},
                           data=text("o-owner", "你好").encode())
    assert response.status_code == 403
    assert dialog_calls(services) == []


def test_a_non_numeric_timestamp_is_refused_not_a_crash(client, services):
    ts = "yesterday"
    signature = sha1_signature(services.config.wechat_token, ts, "n")
    query = {"signature": signature, "timestamp": ts, "nonce": "n"}
    assert client.post(OA_URL, query_string=query, data=text("o-owner", "x").encode()).status_code == 403


@pytest.mark.parametrize("body", [
    b"", b"   ", b"not xml at all", b"<xml><FromUserName>o-owner</FromUserName>",      # truncated
    b"<xml><ToUserName>gh</ToUserName></xml>",                                         # no MsgType
    b"<xml><MsgType>text</MsgType><Content>no sender</Content></xml>",                 # no FromUserName
    b"<notxml/>", b"\xff\xfe\x00garbage",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    b"<xml><MsgType>text</MsgType><FromUserName>o</FromUserName><Content>&b;</Content></xml>",
    b"<xml><MsgType>location</MsgType><FromUserName>o-owner</FromUserName><MsgId>1</MsgId>"
    b"<Location_X>north</Location_X><Location_Y>1</Location_Y></xml>",
])
def test_malformed_bodies_are_a_400(oa, services, body):
    query = oa.query()
    response = oa.client.post(OA_URL, query_string=query, data=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert error_code(response) == "bad_request" and response.get_json()["error"]["message"]
    assert dialog_calls(services) == []


@pytest.mark.parametrize("body", [
    "<xml><FromUserName>o-x</FromUserName><MsgType>text</MsgType><Content><a>b</a><a>c</a></Content>"
    "<MsgId>5</MsgId></xml>",
    "<xml><FromUserName>o-x</FromUserName><CreateTime><a>1</a></CreateTime><MsgType>text</MsgType>"
    "<Content>hi</Content><MsgId><b>5</b></MsgId></xml>",
    "<xml><FromUserName>o-x</FromUserName><MsgType>voice</MsgType><Recognition><r>x</r></Recognition>"
    "<MsgId>7</MsgId></xml>",
    "<xml><FromUserName>o-x</FromUserName><MsgType>image</MsgType><PicUrl><p/></PicUrl>"
    "<MediaId><m>1</m></MediaId><MsgId>8</MsgId></xml>",
    "<xml><ToUserName><t>1</t></ToUserName><FromUserName>o-x</FromUserName><MsgType>text</MsgType>"
    "<Content>hi</Content><MsgId>9</MsgId><bizmsgmenuid><z/></bizmsgmenuid></xml>",
    "<xml><FromUserName>o-x</FromUserName><MsgType>text</MsgType><Content></Content><MsgId>11</MsgId></xml>",
])
def test_odd_but_parseable_bodies_are_answered_as_empty_fields(oa, services, body):
    response = oa.post(body)
    assert response.status_code == 200
    reply = response.get_data(as_text=True)
    assert xmltodict.parse(reply)["xml"]["Content"].startswith(("echo", "抱歉，这条语音"))
    seen = dialog_calls(services)
    assert all(isinstance(c["text"], str) and not isinstance(c["media_id"], dict) for c in seen)


@pytest.mark.parametrize("x, y", [("nan", "1"), ("1", "inf"), ("91", "10"), ("10", "-181")])
def test_impossible_coordinates_are_a_400(oa, services, x, y):
    body = (f"<xml><FromUserName>o-x</FromUserName><MsgType>location</MsgType><Location_X>{x}</Location_X>"
            f"<Location_Y>{y}</Location_Y><MsgId>12</MsgId></xml>")
    assert oa.post(body).status_code == 400 and dialog_calls(services) == []


def test_an_oversized_body_is_a_413(oa):
    response = oa.client.post(OA_URL, query_string=oa.query(), data=text("o-owner", "长" * 40_000).encode())
    assert response.status_code == 413


def test_aes_round_trip_as_wechat_does_it(oa, services, world):
    answer = oa.say(text("o-owner", "厨房水管漏水"), safe=True)
    assert answer.startswith("echo text: 厨房水管漏水")
    assert dialog_calls(services)[0]["person_id"] == world.id("owner")


def test_aes_with_a_wrong_msg_signature_is_a_403(oa, services):
    query = oa.query()
    body = oa.crypto.encrypt_message(text("o-owner", "你好"), query["nonce"], query["timestamp"])
    query.update(encrypt_type="aes", msg_signature="f" * 40)
    response = oa.client.post(OA_URL, query_string=query, data=body.encode())
    assert response.status_code == 403
    assert dialog_calls(services) == []


def test_aes_for_another_account_is_a_403(oa, services):
    from wechatpy.crypto import WeChatCrypto

    config = services.config
    foreign = WeChatCrypto(config.wechat_token, config.wechat_encoding_aes_key, "wx-someone-else")
    query = oa.query()
    body = foreign.encrypt_message(text("o-owner", "你好"), query["nonce"], query["timestamp"])
    query.update(encrypt_type="aes", msg_signature=xmltodict.parse(body)["xml"]["MsgSignature"])
    assert oa.client.post(OA_URL, query_string=query, data=body.encode()).status_code == 403


def test_aes_garbage_ciphertext_with_a_valid_signature_is_a_400(oa, services):
    query = oa.query()
    encrypt = "bm90IHJlYWxseSBjaXBoZXJ0ZXh0IGF0IGFsbA=="
    signature = sha1_signature(services.config.wechat_token, query["timestamp"], query["nonce"], encrypt)
    query.update(encrypt_type="aes", msg_signature=signature)
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    assert oa.client.post(OA_URL, query_string=query, data=body.encode()).status_code == 400


def test_production_refuses_the_development_callback_credentials():
    base = {"env": "production", "secret_key": "s", "wechat_secret": "real", "wecom_secret": "real"}
    with pytest.raises(RuntimeError, match="WECHAT_TOKEN"):
        load_config(base)
    real = {"wechat_token": "t1", "wechat_encoding_aes_key": "A" * 43, "wecom_token": "t2",
            "wecom_encoding_aes_key": "B" * 43}
    config = load_config({**base, **real})
    assert config.wechat_token != DEV_WECHAT_TOKEN and config.wechat_encoding_aes_key != DEV_WECHAT_AES_KEY


@pytest.mark.parametrize("key", ["short", "A" * 44, "!" * 43])
def test_a_malformed_aes_key_stops_the_start(key):
    with pytest.raises(RuntimeError, match="WECHAT_ENCODING_AES_KEY"):
        load_config({"wechat_encoding_aes_key": key})
