"""LINLI_NOTIFIERS chooses the providers; the inbox is always first."""
from __future__ import annotations

from core.config import Config
from notifications.router import build_router
from tests.fakes.wechat_server import another_process


def channels(services, names: tuple[str, ...]) -> list[str]:
    with another_process(services, notifiers=names) as configured:
        return [n.channel for n in build_router(configured).notifiers]


def test_default_is_the_inbox_only(services):
    assert channels(services, Config().notifiers) == ["inbox"]


def test_wecom_and_miniapp_are_registered_providers(services):
    assert channels(services, ("wecom", "miniapp")) == ["inbox", "wecom", "miniapp"]
