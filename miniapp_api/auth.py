"""Login and logout: ``/api/v1/auth/*`` (the rules live in :mod:`core.identity`)."""
from __future__ import annotations

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, Field

from core import auth, identity
from core.api import current_actor, endpoint, locale, services

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")
# a login asks WeChat / WeCom: when it fails or cannot be reached, the caller gets its errcode
UPSTREAM = {502: "WeChat or WeCom failed or could not be reached (upstream_error, with its errcode)"}


class WxLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=128, description="the code from wx.login()")
    community_id: str | None = Field(default=None, min_length=1, max_length=64,
                                     description="community the mini-program was opened for (QR code)")


class WeComLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=128, description="the code from WeCom OAuth")
    community_id: str | None = Field(default=None, min_length=1, max_length=64,
                                     description="needed when the member is staff of several communities")


class Logout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    everywhere: bool = Field(default=False, description="revoke all of this person's tokens")


@endpoint(bp, "/wx-login", ("POST",), summary="Resident login with a wx.login code", body=WxLogin,
          public=True, other_statuses=UPSTREAM)
def wx_login(body: WxLogin):
    identity.throttle_login(services(), request.remote_addr)
    return identity.wx_login(services(), body.code, body.community_id, locale())


@endpoint(bp, "/wecom-login", ("POST",), summary="Staff login with a WeCom OAuth code", body=WeComLogin,
          public=True, other_statuses=UPSTREAM)
def wecom_login(body: WeComLogin):
    identity.throttle_login(services(), request.remote_addr)
    return identity.wecom_login(services(), body.code, body.community_id)


@endpoint(bp, "/logout", ("POST",), summary="Revoke this token (or all of the caller's tokens)", body=Logout)
def logout(body: Logout):
    if body.everywhere:
        return {"revoked": auth.revoke_all(services(), current_actor().id)}
    auth.revoke_token(services(), request.authorization.token)
    return {"revoked": 1}
