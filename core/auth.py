"""Bearer tokens: opaque random strings whose SHA-256 is the Redis key.

Tokens expire (``LINLI_TOKEN_TTL``) and can be revoked one by one or all of a person's at
once. Roles are not frozen into the token: every request re-reads the person, so a
revoked role or a deactivated account takes effect on the next request.
"""
from __future__ import annotations

import hashlib
import json
import secrets

from .clock import now_iso
from .errors import Unauthorized
from .roles import Actor


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(services, person_id: str, ttl: int | None = None, via: str = "") -> dict:
    token = secrets.token_urlsafe(32)
    ttl = ttl or services.config.token_ttl_seconds
    key = services.key("token", _digest(token))
    record = {"person_id": person_id, "issued_at": now_iso(), "via": via}
    pipe = services.redis.pipeline()
    pipe.set(key, json.dumps(record), ex=ttl)
    pipe.sadd(services.key("person_tokens", person_id), _digest(token))
    pipe.expire(services.key("person_tokens", person_id), ttl)
    pipe.execute()
    return {"token": token, "token_type": "Bearer", "expires_in": ttl}


def revoke_token(services, token: str) -> None:
    raw = services.redis.get(services.key("token", _digest(token)))
    services.redis.delete(services.key("token", _digest(token)))
    if raw:
        services.redis.srem(services.key("person_tokens", json.loads(raw)["person_id"]), _digest(token))


def revoke_all(services, person_id: str) -> int:
    digests = services.redis.smembers(services.key("person_tokens", person_id))
    if digests:
        services.redis.delete(*[services.key("token", d) for d in digests])
    services.redis.delete(services.key("person_tokens", person_id))
    return len(digests)


def authenticate(services, token: str | None) -> Actor:
    """Resolve a bearer token to an :class:`Actor`, or raise :class:`Unauthorized`."""
    if not token:
        raise Unauthorized("error.token_missing")
    raw = services.redis.get(services.key("token", _digest(token)))
    if not raw:
        raise Unauthorized("error.token_invalid")
    person = services.store.collection("people").get(json.loads(raw)["person_id"])
    if not person or not person.get("active", True):
        raise Unauthorized("error.token_invalid")
    return Actor.from_person(person)
