"""wx-login, wecom-login and logout over real HTTP against the WeChat/WeCom fake."""
from __future__ import annotations

import base64
import secrets
import time
from datetime import datetime, timezone

import pytest
import time_machine

from core.auth import issue_token
from core.identity import LOGIN_ATTEMPTS_PER_MINUTE, throttle_login

WX_LOGIN = "/api/v1/auth/wx-login"
WECOM_LOGIN = "/api/v1/auth/wecom-login"


def inbox_status(client, token: str) -> int:
    return client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}"}).status_code


# ---- residents: wx-login ----------------------------------------------------------------

def test_first_wx_login_creates_a_pending_person_and_a_working_token(client, services, wechat_fake):
    wechat_fake.add_code("c1", "o-new", unionid="u-new")
    response = client.post(WX_LOGIN, json={"code": "c1"}, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["created"] is True and body["token_type"] == "Bearer"
    assert body["expires_in"] == services.config.token_ttl_seconds
    assert body["person"]["pending"] is True and body["person"]["roles"] == []
    person = services.store.collection("people").get(body["person"]["id"])
    assert (person["openid"], person["unionid"], person["community_id"]) == ("o-new", "u-new", None)
    assert person["locale"] == "en"
    assert inbox_status(client, body["token"]) == 200
    assert [c.query["js_code"] for c in wechat_fake.calls("sns/jscode2session")] == ["c1"]


def test_wx_login_does_not_fetch_an_access_token(client, wechat_fake):
    wechat_fake.add_code("c1", "o-new")
    assert client.post(WX_LOGIN, json={"code": "c1"}).status_code == 200
    assert wechat_fake.calls("cgi-bin/token") == []


def test_wx_login_finds_the_known_resident_by_openid(world, wechat_fake):
    wechat_fake.add_code("c1", "o-owner")
    body = world.call("POST", None, WX_LOGIN, json={"code": "c1"}).get_json()
    assert body["created"] is False
    assert body["person"]["id"] == world.id("owner")
    assert body["person"]["community_id"] == world.community_id and body["person"]["pending"] is False


def test_wx_login_links_a_person_known_only_by_unionid(world, services, wechat_fake):
    people = services.store.collection("people")
    tenant = people.get(world.id("tenant"))
    version = tenant["version"]
    tenant.pop("openid")
    tenant["unionid"] = "u-tenant"
    assert people.replace(tenant, version)
    wechat_fake.add_code("c1", "o-tenant-mini", unionid="u-tenant")
    body = world.call("POST", None, WX_LOGIN, json={"code": "c1"}).get_json()
    assert body["person"]["id"] == world.id("tenant")
    assert people.get(world.id("tenant"))["openid"] == "o-tenant-mini"


def test_two_first_logins_of_one_user_make_one_person(client, services, wechat_fake):
    wechat_fake.add_code("c1", "o-twice")
    wechat_fake.add_code("c2", "o-twice")
    first = client.post(WX_LOGIN, json={"code": "c1"}).get_json()
    second = client.post(WX_LOGIN, json={"code": "c2"}).get_json()
    assert first["person"]["id"] == second["person"]["id"]
    assert (first["created"], second["created"]) == (True, False)


def test_wx_login_for_a_community_joins_it_as_resident(world, services, wechat_fake):
    wechat_fake.add_code("c1", "o-new")
    payload = {"code": "c1", "community_id": world.community_id}
    body = world.call("POST", None, WX_LOGIN, json=payload).get_json()
    assert body["created"] is True and body["person"]["pending"] is False
    person = services.store.collection("people").get(body["person"]["id"])
    assert (person["community_id"], person["roles"]) == (world.community_id, ["resident"])


def test_a_pending_person_joins_a_community_at_a_later_login(world, services, wechat_fake):
    wechat_fake.add_code("c1", "o-new")
    wechat_fake.add_code("c2", "o-new")
    first = world.call("POST", None, WX_LOGIN, json={"code": "c1"}).get_json()
    payload = {"code": "c2", "community_id": world.community_id}
    second = world.call("POST", None, WX_LOGIN, json=payload).get_json()["person"]
    assert first["person"]["id"] == second["id"]
    assert (second["community_id"], second["roles"]) == (world.community_id, ["resident"])


def test_login_naming_another_community_does_not_move_a_resident(world, services, wechat_fake):
    wechat_fake.add_code("c1", "o-owner")
    payload = {"code": "c1", "community_id": world.other_community_id}
    body = world.call("POST", None, WX_LOGIN, json=payload).get_json()
    assert body["person"]["id"] == world.id("owner") and body["person"]["community_id"] == world.community_id
    assert services.store.collection("people").get(world.id("owner"))["roles"] == ["resident", "owner"]


def test_wx_login_for_an_unknown_community_is_404_and_keeps_the_code(client, wechat_fake):
    wechat_fake.add_code("c1", "o-new")
    response = client.post(WX_LOGIN, json={"code": "c1", "community_id": "c-nope"})
    assert response.status_code == 404
    assert wechat_fake.calls("sns/jscode2session") == []


@pytest.mark.parametrize("locale, text", [("zh-CN", "登录凭证无效"), ("en", "not valid or was already used")])
def test_bad_wx_code_is_401_with_a_localised_message(client, wechat_fake, locale, text):
    response = client.post(WX_LOGIN, json={"code": "forged"}, headers={"Accept-Language": locale})
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and text in error["message"]
    assert error["details"] == {"errcode": 40029}


def test_a_used_wx_code_is_401(client, wechat_fake):
    wechat_fake.add_code("c1", "o-new")
    assert client.post(WX_LOGIN, json={"code": "c1"}).status_code == 200
    response = client.post(WX_LOGIN, json={"code": "c1"})
    assert response.status_code == 401 and response.get_json()["error"]["details"] == {"errcode": 40163}


def test_wechat_trouble_during_login_is_502_with_the_errcode(client, wechat_fake):
    wechat_fake.fail("wechat", "sns/jscode2session", errcode=-1)
    response = client.post(WX_LOGIN, json={"code": "c1"})
    assert response.status_code == 502
    assert response.get_json()["error"]["details"]["errcode"] == -1


@pytest.mark.parametrize("payload", [{}, {"code": ""}, {"code": "x" * 129}, {"code": 5},
                                     {"code": "c", "extra": 1}])
def test_malformed_wx_login_is_422(client, wechat_fake, payload):
    response = client.post(WX_LOGIN, json=payload)
    assert response.status_code == 422
    assert wechat_fake.calls() == []


def test_a_disabled_account_cannot_log_in(world, services, wechat_fake):
    people = services.store.collection("people")
    owner = people.get(world.id("owner"))
    version = owner["version"]
    owner["active"] = False
    assert people.replace(owner, version)
    wechat_fake.add_code("c1", "o-owner")
    response = world.call("POST", None, WX_LOGIN, json={"code": "c1"})
    assert response.status_code == 403


# ---- staff: wecom-login -----------------------------------------------------------------

def test_wecom_login_gives_the_staff_member_a_token(world, wechat_fake):
    wechat_fake.add_wecom_code("w1", userid="wecom-dispatcher")
    response = world.call("POST", None, WECOM_LOGIN, json={"code": "w1"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["person"]["id"] == world.id("dispatcher") and body["person"]["roles"] == ["dispatcher"]
    assert inbox_status(world.client, body["token"]) == 200
    assert [c.path for c in wechat_fake.calls(api="wecom")] == ["gettoken", "user/getuserinfo"]


def test_wecom_login_of_an_unknown_member_is_403_with_a_clear_message(world, wechat_fake):
    wechat_fake.add_wecom_code("w1", userid="wecom-stranger")
    response = world.call("POST", None, WECOM_LOGIN, json={"code": "w1"}, headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "wecom-stranger is not registered as active staff" in response.get_json()["error"]["message"]


def test_wecom_login_of_a_resident_with_that_userid_is_refused(world, services, wechat_fake):
    people = services.store.collection("people")
    owner = people.get(world.id("owner"))
    version = owner["version"]
    owner["wecom_userid"] = "wecom-owner"
    assert people.replace(owner, version)
    wechat_fake.add_wecom_code("w1", userid="wecom-owner")
    assert world.call("POST", None, WECOM_LOGIN, json={"code": "w1"}).status_code == 403


def test_wecom_login_of_someone_outside_the_company_is_403(world, wechat_fake):
    wechat_fake.add_wecom_code("w1", openid="o-outside")
    response = world.call("POST", None, WECOM_LOGIN, json={"code": "w1"}, headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "not a member" in response.get_json()["error"]["message"]


def test_bad_wecom_code_is_401(world, wechat_fake):
    assert world.call("POST", None, WECOM_LOGIN, json={"code": "forged"}).status_code == 401


def test_staff_of_two_communities_choose_which_one(world, services, wechat_fake):
    from tests.factories import person

    world.add("dispatcher_elsewhere", person(world.other_community_id, "王调度", "staff", ["dispatcher"],
                                             wecom_userid="wecom-dispatcher"))
    wechat_fake.add_wecom_code("w1", userid="wecom-dispatcher")
    response = world.call("POST", None, WECOM_LOGIN, json={"code": "w1"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["community_ids"] == sorted(
        [world.community_id, world.other_community_id])
    wechat_fake.add_wecom_code("w2", userid="wecom-dispatcher")
    payload = {"code": "w2", "community_id": world.other_community_id}
    chosen = world.call("POST", None, WECOM_LOGIN, json=payload)
    assert chosen.get_json()["person"]["id"] == world.id("dispatcher_elsewhere")


# ---- tokens: logout, expiry, rate limit -------------------------------------------------

def test_logout_revokes_only_this_token(world, wechat_fake):
    wechat_fake.add_code("c1", "o-owner")
    token = world.call("POST", None, WX_LOGIN, json={"code": "c1"}).get_json()["token"]
    response = world.client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json() == {"revoked": 1}
    assert inbox_status(world.client, token) == 401
    assert inbox_status(world.client, world.tokens["owner"]) == 200


def test_logout_everywhere_revokes_every_token_of_the_person(world):
    response = world.call("POST", "owner", "/api/v1/auth/logout", json={"everywhere": True})
    assert response.status_code == 200 and response.get_json()["revoked"] >= 1
    assert inbox_status(world.client, world.tokens["owner"]) == 401


def test_logout_needs_a_token(client):
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_tokens_expire(world, services):
    token = issue_token(services, world.id("owner"), ttl=1)["token"]
    assert inbox_status(world.client, token) == 200
    time.sleep(1.1)
    assert inbox_status(world.client, token) == 401


def test_login_token_lives_as_long_as_configured(client, services, wechat_fake):
    wechat_fake.add_code("c1", "o-new")
    client.post(WX_LOGIN, json={"code": "c1"})
    ttls = [services.redis.ttl(k) for k in services.redis.scan_iter(match=services.key("token", "*"))]
    assert ttls and all(services.config.token_ttl_seconds - 5 < ttl <= services.config.token_ttl_seconds
                        for ttl in ttls)


def test_login_attempts_are_rate_limited_per_address(client, services, wechat_fake):
    # frozen mid-minute, so the one-minute window cannot roll over during the test
    with time_machine.travel(datetime(2026, 3, 1, 8, 0, 30, tzinfo=timezone.utc), tick=False):
        for _ in range(LOGIN_ATTEMPTS_PER_MINUTE):
            throttle_login(services, "127.0.0.1")
        response = client.post(WX_LOGIN, json={"code": "c1"})
        other = client.post(WX_LOGIN, json={"code": "c1"}, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 429
    assert response.get_json()["error"]["details"]["retry_after"] == 30
    assert len(wechat_fake.calls()) == 1
    assert other.status_code == 401   # another address still reaches WeChat (and its code is bad)


def test_behind_trusted_proxies_the_login_limit_counts_the_forwarded_client(config_overrides, wechat_fake,
                                                                            client, services, monkeypatch):
    from core.app import create_app
    from core.config import load_config

    proxied = create_app({**config_overrides, "trusted_proxies": 1})
    behind = proxied.test_client()

    def login(via, forwarded_for: str):
        return via.post(WX_LOGIN, json={"code": "bad"}, headers={"X-Forwarded-For": forwarded_for}).status_code

    try:
        with time_machine.travel(datetime(2026, 3, 1, 8, 0, 30, tzinfo=timezone.utc), tick=False):
            for _ in range(LOGIN_ATTEMPTS_PER_MINUTE):
                throttle_login(services, "203.0.113.5")
                throttle_login(services, "127.0.0.1")
            assert login(behind, "203.0.113.5") == 429
            assert login(behind, "198.51.100.9") == 401              # another client: on to WeChat
            assert login(behind, "203.0.113.5, 198.51.100.9") == 401  # the proxy's entry counts, not the first
            assert login(client, "198.51.100.9") == 429   # no trusted proxy: the header is ignored
    finally:
        proxied.extensions["linli"].close()
    monkeypatch.setenv("LINLI_TRUSTED_PROXIES", "2")
    assert load_config().trusted_proxies == 2
    monkeypatch.setenv("LINLI_TRUSTED_PROXIES", "-1")
    with pytest.raises(RuntimeError, match="LINLI_TRUSTED_PROXIES"):
        load_config()


def test_production_offers_no_development_login(config_overrides):
    from core.app import create_app

    def aes_key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")

    app = create_app({**config_overrides, "env": "production", "secret_key": secrets.token_hex(32),
                      "wechat_secret": "real-wx", "wecom_secret": "real-wecom",
                      "wechat_token": "real-oa-token", "wecom_token": "real-wecom-token",
                      "wechat_encoding_aes_key": aes_key(), "wecom_encoding_aes_key": aes_key()})
    try:
        rules = [rule.rule for rule in app.url_map.iter_rules()]
    finally:
        app.extensions["linli"].close()
    assert "/api/v1/auth/wx-login" in rules
    assert not [r for r in rules if "dev" in r.lower()]
