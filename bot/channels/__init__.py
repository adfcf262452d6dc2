"""Channel adapters, one module each; :func:`register_channels` mounts their endpoints.

``oa`` (WeChat official account, ``/wechat/oa``), ``wecom`` (staff callback, ``/wechat/work``),
``json_api`` (``POST /api/v1/bot/messages``); ``terminal`` (``linli chat``) has no endpoint.
Importing this package also registers each WeChat channel's late sender with
:mod:`.deferred`, which the settle task relies on.
"""
from __future__ import annotations

from . import json_api, oa, wecom

BLUEPRINTS: list = [oa.bp, wecom.bp, json_api.bp]


def register_channels(app) -> None:
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
