"""Identity tests talk to the local WeChat/WeCom fake over real HTTP."""
from __future__ import annotations

import pytest

from tests.fakes.wechat_server import wechat_fake, wechat_fake_server  # noqa: F401 (fixtures)


@pytest.fixture
def config_overrides(config_overrides, wechat_fake):  # noqa: F811
    return wechat_fake.configure(config_overrides)
