"""core.wechat: every call reaches the configured base URL, the access token lives in Redis
and is shared by every process, a token error refreshes once, errors carry errcode."""
from __future__ import annotations

import pytest

from core.wechat import WeChatApiError, wechat_client, wecom_client
from tests.fakes.wechat_server import another_process

SUBSCRIBE = "cgi-bin/message/subscribe/send"


def send(client, openid="o-owner"):
    return client.wxa.send_subscribe_message(openid, "tmpl-1", {"thing1": {"value": "x"}})


def test_wxa_and_token_calls_go_to_the_configured_base(services, wechat_fake):
    send(wechat_client(services))
    assert [(c.api, c.path) for c in wechat_fake.calls()] == [("wechat", "cgi-bin/token"),
                                                              ("wechat", SUBSCRIBE)]


def test_wecom_calls_go_to_the_configured_base(services, wechat_fake):
    wechat_fake.add_wecom_member("u1")
    wecom_client(services).message.send_text_card(1000002, "u1", "title", "body", "http://x/")
    assert [(c.api, c.path) for c in wechat_fake.calls()] == [("wecom", "gettoken"),
                                                              ("wecom", "message/send")]


def test_access_token_is_shared_through_redis_by_two_processes(services, wechat_fake):
    with another_process(services) as other:
        send(wechat_client(services))
        send(wechat_client(other))
    assert len(wechat_fake.calls("cgi-bin/token")) == 1
    tokens = {c.query["access_token"] for c in wechat_fake.calls(SUBSCRIBE)}
    assert len(tokens) == 1


def test_expired_token_is_refreshed_once_and_the_call_retried(services, wechat_fake):
    client = wechat_client(services)
    send(client)
    wechat_fake.expire_tokens()
    send(client, "o-second")
    assert len(wechat_fake.calls("cgi-bin/token")) == 2
    assert [b["touser"] for b in wechat_fake.delivered(SUBSCRIBE)] == ["o-owner", "o-second"]


def test_a_token_error_that_persists_refreshes_only_once(services, wechat_fake):
    client = wechat_client(services)
    wechat_fake.fail("wechat", SUBSCRIBE, times=5, errcode=40001)
    with pytest.raises(WeChatApiError) as raised:
        send(client)
    assert raised.value.errcode == 40001
    assert len(wechat_fake.calls(SUBSCRIBE)) == 2
    assert len(wechat_fake.calls("cgi-bin/token")) == 2


def test_no_refresh_when_another_process_already_refreshed(services, wechat_fake):
    client = wechat_client(services)
    with another_process(services) as other:
        send(client)
        # while our call is in flight, another process finds the token expired and refreshes it
        wechat_fake.fail("wechat", SUBSCRIBE, errcode=42001,
                         before=lambda: wechat_client(other).fetch_access_token())
        send(client, "o-second")
    assert len(wechat_fake.calls("cgi-bin/token")) == 2      # ours at first, the other process's
    assert wechat_fake.delivered(SUBSCRIBE)[-1]["touser"] == "o-second"


@pytest.mark.parametrize("errcode, retryable", [(-1, True), (45009, True), (43101, False), (40003, False)])
def test_upstream_errors_carry_errcode_and_say_whether_to_retry(services, wechat_fake, errcode, retryable):
    wechat_fake.fail("wechat", SUBSCRIBE, errcode=errcode)
    with pytest.raises(WeChatApiError) as raised:
        send(wechat_client(services))
    assert raised.value.errcode == errcode
    assert raised.value.retryable is retryable
    assert raised.value.details == {"errcode": errcode, "errmsg": "injected failure", "api": SUBSCRIBE}


def test_http_5xx_is_a_retryable_upstream_error(services, wechat_fake):
    wechat_fake.fail("wechat", SUBSCRIBE, http_status=503)
    with pytest.raises(WeChatApiError) as raised:
        send(wechat_client(services))
    assert raised.value.errcode is None and raised.value.retryable
    assert raised.value.errmsg == "HTTP 503"


def test_unreachable_server_is_a_retryable_upstream_error(services):
    with another_process(services, wechat_api_base_url="http://127.0.0.1:9/") as down, \
            pytest.raises(WeChatApiError) as raised:
        send(wechat_client(down))
    assert raised.value.errcode is None and raised.value.retryable


def test_wrong_app_secret_is_reported_with_its_errcode(services, wechat_fake):
    with another_process(services, wechat_secret="not-the-secret") as wrong, \
            pytest.raises(WeChatApiError) as raised:
        send(wechat_client(wrong))
    assert raised.value.errcode == 40125
    assert raised.value.details["api"] == "cgi-bin/token"


def test_wecom_token_key_in_redis_holds_no_part_of_the_secret(services, wechat_fake):
    wechat_fake.add_wecom_member("u1")
    wecom_client(services).message.send_text(1000002, "u1", "hi")
    keys = list(services.redis.scan_iter(match=services.key("wechat") + "*"))
    assert keys and not any(services.config.wecom_secret[:10] in k for k in keys)
