"""WeChat and WeCom API clients: wechatpy, pointed at the configured base URLs, sharing
one access token per app through Redis.

wechatpy 1.8.18 spreads its URLs over the client (``API_BASE_URL`` ``…/cgi-bin/``), some API
classes (``WeChatWxa`` uses the bare host) and hard-coded token URLs. The clients here rewrite
every URL that starts with the official prefix to ``WECHAT_API_BASE_URL`` /
``WECOM_API_BASE_URL``, so a test (or a proxy) sees every call.

Token handling differs from wechatpy's ``auto_retry`` on purpose: wechatpy retries a token
error without limit (a server that keeps answering 40001 recurses until the stack overflows)
and always fetches a new token, even when another process already has. Here a token error
refreshes at most once per call, and only if the token in Redis is still the one that failed.

Every failure surfaces as :class:`WeChatApiError` (an :class:`~core.errors.UpstreamError`)
carrying the upstream ``errcode``/``errmsg``; ``retryable`` tells a notifier whether the relay
should try again.
"""
from __future__ import annotations

import hashlib
import threading
import weakref

import requests
from wechatpy.client import WeChatClient as _WeChatClient
from wechatpy.enterprise.client import WeChatClient as _WeComClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from .errors import UpstreamError

OFFICIAL_WECHAT_BASE = "https://api.weixin.qq.com/"
OFFICIAL_WECOM_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
TIMEOUT_SECONDS = 10

# 40001 invalid credential, 40014 invalid access_token, 42001 access_token expired
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# -1 system busy, 45009 daily API quota, 45011 per-minute quota: worth trying again later
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45011}) | TOKEN_ERRCODES


class WeChatApiError(UpstreamError):
    """WeChat or WeCom refused or could not be reached. ``errcode`` is None for network and
    HTTP-level failures (which are always worth retrying)."""

    def __init__(self, errcode: int | None, errmsg: str, api: str = ""):
        super().__init__("error.upstream_error", details={"errcode": errcode, "errmsg": errmsg, "api": api})
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def retryable(self) -> bool:
        return self.errcode is None or self.errcode in RETRYABLE_ERRCODES


class _ConfiguredClient:
    """Mixin over a wechatpy client: rebase URLs, refresh a failed token once, map errors."""

    OFFICIAL_BASE = ""

    def _configure(self, base_url: str) -> None:
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"

    def _rebase(self, url: str) -> str:
        if url.startswith(self.OFFICIAL_BASE):
            return self._base_url + url[len(self.OFFICIAL_BASE):]
        return url

    def _api_name(self, url: str) -> str:
        return url[len(self._base_url):] if url.startswith(self._base_url) else url

    def _request(self, method, url_or_endpoint, **kwargs):
        base = kwargs.pop("api_base_url", self.API_BASE_URL)
        absolute = url_or_endpoint.startswith(("http://", "https://"))
        url = url_or_endpoint if absolute else base + url_or_endpoint
        url = self._rebase(url)
        params = kwargs.pop("params", None)
        params = dict(params) if isinstance(params, dict) else ({} if params is None else params)
        token_from_caller = isinstance(params, dict) and "access_token" in params
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        try:
            try:
                # wechatpy writes the token it used into ``params``; that is what we compare
                return super()._request(method, url, params=params, **kwargs)
            except WeChatClientException as exc:
                if token_from_caller or exc.errcode not in TOKEN_ERRCODES:
                    raise
                self._refresh_token(failed=params.pop("access_token", None))
                return super()._request(method, url, params=params, **kwargs)
        except WeChatClientException as exc:
            raise _api_error(exc, self._api_name(url)) from exc
        except requests.RequestException as exc:
            raise WeChatApiError(None, type(exc).__name__, self._api_name(url)) from exc

    def _refresh_token(self, failed: str | None) -> None:
        """Fetch a new token unless another process already replaced the one that failed."""
        stored = self.session.get(self.access_token_key)
        if stored and stored != failed:
            return
        self.fetch_access_token()

    def _fetch_access_token(self, url, params):
        try:
            return super()._fetch_access_token(self._rebase(url), params)
        except WeChatClientException as exc:
            raise _api_error(exc, self._api_name(self._rebase(url))) from exc
        except (requests.RequestException, ValueError) as exc:
            raise WeChatApiError(None, type(exc).__name__, self._api_name(self._rebase(url))) from exc


def _api_error(exc: WeChatClientException, api: str) -> WeChatApiError:
    if exc.errcode is None and exc.response is not None:
        return WeChatApiError(None, f"HTTP {exc.response.status_code}", api)
    return WeChatApiError(exc.errcode, str(exc.errmsg or ""), api)


class WeChatClient(_ConfiguredClient, _WeChatClient):
    """Official account / mini-program client (``client.wxa``, ``client.message`` ...)."""

    OFFICIAL_BASE = OFFICIAL_WECHAT_BASE

    def code_to_session(self, js_code: str) -> dict:
        """``sns/jscode2session``. It authenticates with appid + secret, so unlike wechatpy's
        ``wxa.code_to_session`` it does not fetch an access token first (a login must not
        fail because the token endpoint is throttled)."""
        url = self._base_url + "sns/jscode2session"
        params = {"appid": self.appid, "secret": self.secret, "js_code": js_code,
                  "grant_type": "authorization_code"}
        try:
            response = self._http.get(url, params=params, timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            result = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatApiError(None, type(exc).__name__, "sns/jscode2session") from exc
        if result.get("errcode"):
            raise WeChatApiError(int(result["errcode"]), str(result.get("errmsg", "")), "sns/jscode2session")
        return result


class WeComClient(_ConfiguredClient, _WeComClient):
    """WeCom (企业微信) application client (``client.oauth``, ``client.message`` ...)."""

    OFFICIAL_BASE = OFFICIAL_WECOM_BASE

    @property
    def access_token_key(self):
        # wechatpy puts the first ten characters of the secret into the key; a digest names
        # the same app without writing any of the secret to Redis
        digest = hashlib.sha256(self.secret.encode()).hexdigest()[:16]
        return f"{self.corp_id}_{digest}_access_token"


_clients: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_clients_lock = threading.Lock()


def _cached(services, name: str, build):
    with _clients_lock:
        per_services = _clients.setdefault(services, {})
        if name not in per_services:
            per_services[name] = build()
        return per_services[name]


def token_storage(services) -> RedisStorage:
    """The wechatpy session every process shares: access tokens live in Redis."""
    return RedisStorage(services.redis, prefix=services.key("wechat"))


def _client(services, name: str, cls, app_id: str, secret: str, base_url: str):
    def build():
        client = cls(app_id, secret, session=token_storage(services), timeout=TIMEOUT_SECONDS,
                     auto_retry=False)
        client._configure(base_url)
        return client

    return _cached(services, name, build)


def wechat_client(services) -> WeChatClient:
    """The mini-program / official-account client for this process (one per Services)."""
    config = services.config
    return _client(services, "wechat", WeChatClient, config.wechat_appid, config.wechat_secret,
                   config.wechat_api_base_url)


def wecom_client(services) -> WeComClient:
    """The WeCom application client for this process (one per Services)."""
    config = services.config
    return _client(services, "wecom", WeComClient, config.wecom_corpid, config.wecom_secret,
                   config.wecom_api_base_url)
