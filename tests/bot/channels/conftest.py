"""Channel tests: the app talks to the local WeChat/WeCom fake over real HTTP, and the dialog
manager is a scripted stand-in (the pipeline's ``dialog_factory`` seam) whose calls are
counted in Redis, so that "processed once" is checked across threads and app instances."""
from __future__ import annotations

import json
import time

import pytest

from bot.codec import inbound_to_dict
from bot.messages import Button, OutboundMessage
from tests.fakes.wechat_server import wechat_fake, wechat_fake_server  # noqa: F401 (fixtures)

from .wechat_requests import OfficialAccount, WeCom

BUDGET = 1.0   # seconds; production's 4 s would make the slow-path tests slow


class ScriptedDialog:
    """Echoes what it got, with two buttons and a parse result (and the binding page when the
    text mentions 绑定); ``slow(services, s)`` makes it take ``s`` seconds, ``fail(services)``
    makes it raise."""

    def __init__(self, services):
        self.services = services

    def handle(self, inbound):
        redis, key = self.services.redis, self.services.key
        redis.rpush(key("test", "dialog"), json.dumps(inbound_to_dict(inbound), ensure_ascii=False))
        delay = float(redis.get(key("test", "delay")) or 0)
        if delay:
            time.sleep(delay)
        if redis.get(key("test", "fail")):
            raise RuntimeError("the dialog broke")
        parse = {"text": inbound.text, "intent": {"name": "repair_request", "confidence": 0.93},
                 "entities": [{"entity": "room", "value": "301"}]}
        meta = {"parse": parse}
        if "绑定" in inbound.text:      # the dialog points at a mini-program page
            meta["miniprogram"] = {"appid": self.services.config.wechat_appid, "pagepath": "pages/house/bind"}
        return [OutboundMessage(text=f"echo {inbound.kind}: {inbound.text}",
                                buttons=(Button("确认", "/affirm"), Button("取消", "/cancel")), meta=meta)]


def slow(services, seconds: float) -> None:
    services.redis.set(services.key("test", "delay"), seconds)


def fail(services) -> None:
    services.redis.set(services.key("test", "fail"), 1)


def dialog_calls(services) -> list[dict]:
    return [json.loads(raw) for raw in services.redis.lrange(services.key("test", "dialog"), 0, -1)]


def wait_for(predicate, timeout: float = 8.0, interval: float = 0.05):
    """Poll until ``predicate()`` is truthy (the late path runs on a worker thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def custom_messages(fake) -> list[dict]:
    return fake.delivered("cgi-bin/message/custom/send")


@pytest.fixture
def config_overrides(config_overrides, wechat_fake):  # noqa: F811
    return wechat_fake.configure(config_overrides, extra={"dialog_factory": ScriptedDialog,
                                                          "bot_reply_budget": BUDGET})


@pytest.fixture
def oa(client, services) -> OfficialAccount:
    return OfficialAccount(client, services.config)


@pytest.fixture
def wecom(client, services) -> WeCom:
    return WeCom(client, services.config)
