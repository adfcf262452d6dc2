"""A local fake of the WeChat and WeCom HTTP APIs, served over real HTTP on 127.0.0.1.

It implements the subset Linli calls, with the platform's answers and error codes:

WeChat (``/``, i.e. ``WECHAT_API_BASE_URL``)      WeCom (``/wecom/cgi-bin/``, ``WECOM_API_BASE_URL``)
  GET  cgi-bin/token                                GET  gettoken
  GET  sns/jscode2session                           GET  user/getuserinfo, auth/getuserinfo
  POST cgi-bin/message/subscribe/send               POST message/send
  POST cgi-bin/message/custom/send
  GET  cgi-bin/media/get (the file itself, not JSON)

Every request is recorded (``fake.calls(path)``) so a test asserts what was delivered. A test
can expire the current tokens (the next call answers 42001 and the client must refresh),
make the next calls to a path fail with an errcode or an HTTP status, register login codes,
WeCom members, users who refused subscribe messages and the temporary media a chat photo
names (``add_media``; an unknown media id answers 40007 as WeChat does).

Use the ``wechat_fake`` fixture (import it into a conftest, with ``wechat_fake_server``);
``wechat_fake.configure(config_overrides)`` points a test's config at the fake.
"""
from __future__ import annotations

import itertools
import json
import threading
from contextlib import contextmanager
from dataclasses import replace
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest

WECOM_PREFIX = "/wecom/cgi-bin/"
APPID, SECRET = "wx-dev-appid", "wx-dev-secret"
CORPID, CORPSECRET = "ww-dev-corpid", "ww-dev-secret"


@dataclass(frozen=True)
class Call:
    """One request the fake received: ``api`` is ``wechat`` or ``wecom``, ``path`` is
    relative to that API's base URL (``cgi-bin/message/subscribe/send``, ``message/send``)."""

    api: str
    method: str
    path: str
    query: dict
    json: dict | None
    status: int
    answer: dict | None

    @property
    def ok(self) -> bool:
        return self.status == 200 and not (self.answer or {}).get("errcode")


@dataclass(frozen=True)
class Media:
    """A file the fake serves as it is (``cgi-bin/media/get``), not as JSON."""

    content: bytes
    content_type: str = "image/jpeg"


@dataclass
class Failure:
    times: int
    errcode: int | None = None
    http_status: int | None = None
    before: Callable[[], None] | None = None


@dataclass
class FakeState:
    calls: list[Call] = field(default_factory=list)
    tokens: dict = field(default_factory=lambda: {"wechat": set(), "wecom": set()})
    codes: dict = field(default_factory=dict)            # wx.login code -> session dict
    used_codes: set = field(default_factory=set)
    wecom_codes: dict = field(default_factory=dict)      # WeCom OAuth code -> userinfo dict
    wecom_members: set = field(default_factory=set)      # userids that can receive app messages
    refused: set = field(default_factory=set)            # openids whose subscribe quota is used up
    failures: dict = field(default_factory=dict)         # (api, path) -> Failure
    media: dict = field(default_factory=dict)            # media id -> Media


class WeChatFake:
    """The fake's state and controls; the HTTP server reads and writes it under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state = FakeState()
        self._serial = itertools.count(1)
        self.server: ThreadingHTTPServer | None = None

    # ---- lifecycle ------------------------------------------------------------------
    def start(self) -> "WeChatFake":
        fake = self

        class Handler(_Handler):
            owner = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="wechat-fake", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.state = FakeState()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def overrides(self) -> dict:
        """Config fields that point Linli at this fake."""
        return {"wechat_api_base_url": self.base_url, "wecom_api_base_url": self.base_url + WECOM_PREFIX[1:]}

    def configure(self, config_overrides: dict, extra: dict | None = None, **fields) -> dict:
        """``config_overrides`` pointed at the fake, with more fields and ``extra`` merged in."""
        merged_extra = {**config_overrides.get("extra", {}), **(extra or {})}
        return {**config_overrides, **self.overrides, **fields, "extra": merged_extra}

    # ---- test controls --------------------------------------------------------------
    def add_code(self, code: str, openid: str, unionid: str | None = None) -> None:
        """A ``wx.login`` code WeChat will accept once."""
        session = {"openid": openid, "session_key": f"sk-{openid}"}
        if unionid:
            session["unionid"] = unionid
        with self.lock:
            self.state.codes[code] = session

    def add_wecom_code(self, code: str, userid: str | None = None, openid: str | None = None) -> None:
        """A WeCom OAuth code; a member has a ``userid``, an outsider only an ``openid``."""
        with self.lock:
            info = {"UserId": userid} if userid else {"OpenId": openid or "o-outsider"}
            self.state.wecom_codes[code] = info

    def add_wecom_member(self, *userids: str) -> None:
        with self.lock:
            self.state.wecom_members.update(userids)

    def refuse_subscribe(self, openid: str) -> None:
        """This user has no subscribe-message quota left (WeChat answers 43101)."""
        with self.lock:
            self.state.refused.add(openid)

    def add_media(self, media_id: str, content: bytes, content_type: str = "image/jpeg") -> None:
        """Temporary media (a chat photo) that ``cgi-bin/media/get`` serves for three days."""
        with self.lock:
            self.state.media[media_id] = Media(content, content_type)

    def expire_tokens(self, api: str = "wechat") -> None:
        """Every token issued so far stops working: calls answer 42001 until a refresh."""
        with self.lock:
            self.state.tokens[api].clear()

    def fail(self, api: str, path: str, *, times: int = 1, errcode: int | None = -1,
             http_status: int | None = None,
             before: Callable[[], None] | None = None) -> None:
        """The next ``times`` calls to ``path`` answer ``errcode`` (or ``http_status`` with no
        JSON). ``before`` runs in the server first: a test's stand-in for another process."""
        with self.lock:
            self.state.failures[(api, path)] = Failure(times, errcode, http_status, before)

    def calls(self, path: str | None = None, api: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self.state.calls
                    if (path is None or c.path == path) and (api is None or c.api == api)]

    def delivered(self, path: str, api: str = "wechat") -> list[dict]:
        """JSON bodies of the successful calls to ``path`` (failed ones are not deliveries)."""
        return [c.json for c in self.calls(path, api) if c.ok]

    # ---- request handling (called by the server threads) --------------------------
    def handle(self, method: str, raw_path: str, body: bytes) -> tuple[int, dict | None]:
        parts = urlsplit(raw_path)
        api, path = ("wecom", parts.path[len(WECOM_PREFIX):]) if parts.path.startswith(WECOM_PREFIX) \
            else ("wechat", parts.path.lstrip("/"))
        query = dict(parse_qsl(parts.query))
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        status, answer = self._answer(api, method, path, query, payload)
        recorded = None if isinstance(answer, Media) else answer
        with self.lock:
            self.state.calls.append(Call(api, method, path, query, payload, status, recorded))
        return status, answer

    def _answer(self, api, method, path, query, payload) -> tuple[int, dict | None]:
        with self.lock:
            failure = self.state.failures.get((api, path))
            if failure is not None and failure.times > 0:
                failure.times -= 1
            else:
                failure = None
        if failure is None:
            return self._route(api, method, path, query, payload)
        if failure.before is not None:
            failure.before()
        if failure.http_status:
            return failure.http_status, None
        return 200, {"errcode": failure.errcode, "errmsg": "injected failure"}

    def _route(self, api, method, path, query, payload) -> tuple[int, dict]:
        handler = ROUTES.get((api, method, path))
        if handler is None:
            return 404, {"errcode": 404, "errmsg": f"fake has no {method} {api}:{path}"}
        if handler.__name__ not in TOKENLESS:
            with self.lock:
                if query.get("access_token") not in self.state.tokens[api]:
                    return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        return 200, handler(self, query, payload or {})

    def issue_token(self, api: str) -> str:
        token = f"{api}-token-{next(self._serial)}"
        with self.lock:
            self.state.tokens[api].add(token)
        return token


# ---- the API subset --------------------------------------------------------------------

def _wechat_token(fake: WeChatFake, query: dict, _body: dict) -> dict:
    if query.get("appid") != APPID or query.get("secret") != SECRET:
        return {"errcode": 40125, "errmsg": "invalid appsecret"}
    return {"access_token": fake.issue_token("wechat"), "expires_in": 7200}


def _jscode2session(fake: WeChatFake, query: dict, _body: dict) -> dict:
    if query.get("appid") != APPID or query.get("secret") != SECRET:
        return {"errcode": 40125, "errmsg": "invalid appsecret"}
    code = query.get("js_code", "")
    with fake.lock:
        if code in fake.state.used_codes:
            return {"errcode": 40163, "errmsg": "code been used"}
        session = fake.state.codes.pop(code, None)
        if session is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        fake.state.used_codes.add(code)
    return {**session, "errcode": 0, "errmsg": "ok"}


def _subscribe_send(fake: WeChatFake, _query: dict, body: dict) -> dict:
    if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
        return {"errcode": 47003, "errmsg": "argument invalid"}
    with fake.lock:
        if body["touser"] in fake.state.refused:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
    return {"errcode": 0, "errmsg": "ok", "msgid": next(fake._serial)}


def _custom_send(_fake: WeChatFake, _query: dict, body: dict) -> dict:
    if not body.get("touser") or not body.get("msgtype"):
        return {"errcode": 47003, "errmsg": "argument invalid"}
    return {"errcode": 0, "errmsg": "ok"}


def _media_get(fake: WeChatFake, query: dict, _body: dict) -> dict | Media:
    with fake.lock:
        media = fake.state.media.get(query.get("media_id", ""))
    return media or {"errcode": 40007, "errmsg": "invalid media_id"}


def _wecom_token(fake: WeChatFake, query: dict, _body: dict) -> dict:
    if query.get("corpid") != CORPID or query.get("corpsecret") != CORPSECRET:
        return {"errcode": 40001, "errmsg": "invalid credential"}
    return {"errcode": 0, "errmsg": "ok", "access_token": fake.issue_token("wecom"), "expires_in": 7200}


def _wecom_userinfo(fake: WeChatFake, query: dict, _body: dict) -> dict:
    with fake.lock:
        info = fake.state.wecom_codes.pop(query.get("code", ""), None)
    if info is None:
        return {"errcode": 40029, "errmsg": "invalid code"}
    return {"errcode": 0, "errmsg": "ok", **info}


def _wecom_auth_userinfo(fake: WeChatFake, query: dict, body: dict) -> dict:
    answer = _wecom_userinfo(fake, query, body)   # the newer API spells the field in lower case
    return {("userid" if k == "UserId" else "openid" if k == "OpenId" else k): v for k, v in answer.items()}


def _wecom_send(fake: WeChatFake, _query: dict, body: dict) -> dict:
    users = [u for u in str(body.get("touser", "")).split("|") if u]
    with fake.lock:
        invalid = [u for u in users if u not in fake.state.wecom_members]
    if users and len(invalid) == len(users):
        return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
    return {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": f"m{next(fake._serial)}"}


ROUTES = {
    ("wechat", "GET", "cgi-bin/token"): _wechat_token,
    ("wechat", "GET", "sns/jscode2session"): _jscode2session,
    ("wechat", "POST", "cgi-bin/message/subscribe/send"): _subscribe_send,
    ("wechat", "POST", "cgi-bin/message/custom/send"): _custom_send,
    ("wechat", "GET", "cgi-bin/media/get"): _media_get,
    ("wecom", "GET", "gettoken"): _wecom_token,
    ("wecom", "GET", "user/getuserinfo"): _wecom_userinfo,
    ("wecom", "GET", "auth/getuserinfo"): _wecom_auth_userinfo,
    ("wecom", "POST", "message/send"): _wecom_send,
}
TOKENLESS = {"_wechat_token", "_jscode2session", "_wecom_token"}


class _Handler(BaseHTTPRequestHandler):
    owner: WeChatFake
    protocol_version = "HTTP/1.1"

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.owner.handle(method, self.path, body)
        if isinstance(answer, Media):
            data, kind = answer.content, answer.content_type
        elif answer is not None:
            data, kind = json.dumps(answer, ensure_ascii=False).encode(), "application/json; charset=utf-8"
        else:
            data, kind = b"upstream trouble", "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def log_message(self, *args):  # keep pytest output clean
        pass


@contextmanager
def another_process(services, **config_changes):
    """A second :class:`~core.services.Services` on the same Redis (optionally with other
    config): as far as shared tokens and caches go, another process."""
    from core.services import Services

    other = Services(replace(services.config, **config_changes))
    try:
        yield other
    finally:
        other.close()


# ---- fixtures (import both into a conftest) ----------------------------------------------

@pytest.fixture(scope="session")
def wechat_fake_server():
    fake = WeChatFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def wechat_fake(wechat_fake_server) -> WeChatFake:
    """The fake, emptied for this test."""
    wechat_fake_server.reset()
    return wechat_fake_server
