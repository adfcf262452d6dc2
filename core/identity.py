"""Logging in: a mini-program ``wx.login`` code or a WeCom OAuth code becomes a bearer token.

Residents (``wx_login``): ``jscode2session`` gives the openid (and the unionid when the
mini-program is bound to an open-platform account). The person is found by openid, else by
unionid (someone the official-account bot already knows), else created.

Which community: the mini-program is opened for a community (its QR code, or a community
picker) and passes ``community_id`` at login. A new person then joins it as ``resident`` —
self-declared, enough to report a repair or ask for a house binding; ``owner`` (votes) and
house-bound data need a binding that staff approve (:mod:`core.directory.bindings`). Without
``community_id`` the person is *pending*: ``community_id`` None and no roles, so every
community-scoped query returns nothing and every role check refuses; a later login with a
``community_id`` makes them join. A person who already belongs to a community stays in it
(moving is a staff action), whatever the login names.

Staff (``wecom_login``): WeCom's ``user/getuserinfo`` gives the member's userid; the active
staff person with that ``wecom_userid`` logs in. One WeCom member employed in two
communities has two person documents: the caller then names the community.

There is no development login over HTTP in any environment: ``linli dev-token`` (refused in
production) is the only shortcut. Login attempts are rate-limited per client address.
"""
from __future__ import annotations

import logging

from . import clock
from .auth import issue_token
from .directory.people import find_person_by_openid, new_person
from .directory.scope import natural_id, update
from .errors import Forbidden, NotFound, RateLimited, Unauthorized, ValidationFailed
from .roles import RESIDENT
from .store import DuplicateKey
from .wechat import WeChatApiError, wechat_client, wecom_client

log = logging.getLogger("linli.identity")

# 40029 invalid code, 40163 code already used, 40226 high-risk user blocked by WeChat
BAD_CODE_ERRCODES = frozenset({40029, 40163, 40226})
LOGIN_ATTEMPTS_PER_MINUTE = 30
WECOM_MATCH_LIMIT = 20


def throttle_login(services, client_address: str) -> None:
    """Count one login attempt from ``client_address``; 429 past the per-minute limit.

    A fixed one-minute window in Redis, so every web process counts against one limit.
    """
    limit = int(services.config.extra.get("login_attempts_per_minute", LOGIN_ATTEMPTS_PER_MINUTE))
    window = int(clock.now().timestamp() // 60)
    key = services.key("ratelimit", "login", client_address or "unknown", str(window))
    pipe = services.redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, 60)
    attempts = pipe.execute()[0]
    if attempts > limit:
        retry_after = 60 - int(clock.now().timestamp()) % 60
        raise RateLimited("identity.too_many_logins", details={"retry_after": retry_after})


def _upstream_login(call, code: str) -> dict:
    """Run a login call; a code WeChat rejects is the caller's 401, anything else a 502/429."""
    try:
        return call(code)
    except WeChatApiError as exc:
        if exc.errcode in BAD_CODE_ERRCODES:
            raise Unauthorized("identity.login_code_invalid", details={"errcode": exc.errcode})
        if exc.errcode == 45011:
            raise RateLimited("identity.too_many_logins", details={"errcode": exc.errcode})
        raise


def _session(person: dict, token: dict, created: bool) -> dict:
    return {**token, "created": created, "person": {
        "id": person["_id"], "name": person.get("name", ""), "kind": person.get("kind"),
        "roles": person.get("roles", []), "community_id": person.get("community_id"),
        "locale": person.get("locale"), "pending": not person.get("community_id")}}


def _ensure_active(person: dict) -> None:
    if not person.get("active", True):
        raise Forbidden("identity.account_disabled")


def wx_login(services, code: str, community_id: str | None = None, locale: str | None = None) -> dict:
    """Exchange a ``wx.login`` code for a bearer token, creating a pending person if new."""
    store = services.store
    # checked before the code is spent: WeChat accepts each code once
    if community_id and store.collection("communities").get(community_id) is None:
        raise NotFound("identity.community_not_found")
    result = _upstream_login(wechat_client(services).code_to_session, code)
    openid, unionid = result.get("openid"), result.get("unionid")
    if not openid:
        raise WeChatApiError(None, "no openid in jscode2session answer", "sns/jscode2session")
    person = find_person_by_openid(store, openid) or _find_by_unionid(store, unionid)
    created = False
    if person is None:
        person, created = _create_resident(services, openid, unionid, community_id, locale)
    if _needs_update(person, openid, unionid, community_id):
        person = update(store, "people", person["_id"], lambda doc: _link(doc, openid, unionid, community_id))
    _ensure_active(person)
    token = issue_token(services, person["_id"], via="wx-login")
    return _session(person, token, created)


def _find_by_unionid(store, unionid: str | None) -> dict | None:
    if not unionid:
        return None
    found = store.collection("people").find({"unionid": unionid}, limit=1).items
    return found[0] if found else None


def _needs_update(person: dict, openid: str, unionid: str | None, community_id: str | None) -> bool:
    return (not person.get("openid") or bool(unionid and not person.get("unionid"))
            or bool(community_id and not person.get("community_id")))


def _link(doc: dict, openid: str, unionid: str | None, community_id: str | None) -> None:
    """Fill in what this login taught us; never overwrite (a stored openid may be another app's)."""
    if not doc.get("openid"):
        doc["openid"] = openid
    if unionid and not doc.get("unionid"):
        doc["unionid"] = unionid
    if community_id and not doc.get("community_id"):   # a pending person joins
        doc["community_id"] = community_id
        doc["roles"] = sorted(set(doc.get("roles", [])) | {RESIDENT})
    doc["updated_at"] = clock.now_iso()


def _create_resident(services, openid: str, unionid: str | None, community_id: str | None,
                     locale: str | None) -> tuple[dict, bool]:
    """Insert the new person; the id derives from the openid, so two concurrent first logins
    of one user collide on ``_id`` instead of creating two people."""
    people = services.store.collection("people")
    person_id = natural_id("p", "wx", services.config.wechat_appid, openid)
    extra = {"openid": openid, "unionid": unionid} if unionid else {"openid": openid}
    doc = new_person(community_id, "resident", "", [RESIDENT] if community_id else [], person_id=person_id,
                     **extra)
    doc["locale"] = locale or doc["locale"]
    try:
        return people.insert(doc), True
    except DuplicateKey:
        return people.get(person_id), False


def wecom_login(services, code: str, community_id: str | None = None) -> dict:
    """Exchange a WeCom OAuth code for a staff member's bearer token."""
    info = _upstream_login(wecom_client(services).oauth.get_user_info, code)
    userid = info.get("UserId") or info.get("userid")
    if not userid:  # an OpenId instead: someone outside the company's WeCom directory
        raise Forbidden("identity.wecom_not_member")
    staff = _staff_with_userid(services.store, userid, community_id)
    if not staff:
        log.info("WeCom member %s is not staff%s", userid, f" of {community_id}" if community_id else "")
        raise Forbidden("identity.wecom_unknown_staff", userid=userid)
    if len(staff) > 1:
        raise ValidationFailed("identity.community_choice_required",
                               details={"community_ids": sorted(p["community_id"] for p in staff)})
    person = staff[0]
    token = issue_token(services, person["_id"], via="wecom-login")
    return _session(person, token, created=False)


def _staff_with_userid(store, userid: str, community_id: str | None) -> list[dict]:
    """Active staff documents for a WeCom userid (one per community that employs them)."""
    filter = {"wecom_userid": userid}
    if community_id:
        filter["community_id"] = community_id
    found = store.collection("people").find(filter, limit=WECOM_MATCH_LIMIT).items
    return [p for p in found if p.get("kind") == "staff" and p.get("active", True)]
