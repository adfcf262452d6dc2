"""The boundary of every JSON endpoint: authentication, role check, schema validation and
idempotency, declared once per view with :func:`endpoint` (which also feeds the OpenAPI
document, :mod:`core.openapi`).

Views stay thin: they receive a validated ``body``/``query`` (pydantic models) and the
calling :class:`~core.roles.Actor` (:func:`current_actor`, the request's :func:`locale`),
call a service function, and return a dict (or a ``(dict, status)`` pair) — or a Flask
``Response`` (a file download), which is passed on unchanged. Anything malformed becomes a
localised 4xx here, before the view runs.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable

from flask import Blueprint, current_app, g, jsonify, request
from pydantic import BaseModel, StringConstraints, ValidationError
from werkzeug.wrappers import Response

from . import auth, i18n
from .errors import BadRequest, Conflict, Forbidden, ValidationFailed

API_PREFIX = "/api/v1"
# query parameters every request may carry, read before any view (core.app negotiates the
# locale from ``?lang=``): never a view's own field, so never "extra" to its query model
GLOBAL_QUERY_PARAMS = frozenset({"lang"})


@dataclass
class EndpointSpec:
    rule: str
    methods: tuple[str, ...]
    summary: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    roles: frozenset[str] | None
    public: bool
    idempotent: bool
    status: int = 200
    produces: str = "application/json"
    accepts: dict = field(default_factory=dict)
    other_statuses: dict = field(default_factory=dict)
    path_params: dict = field(default_factory=dict)


REGISTRY: list[EndpointSpec] = []

# the page cursor every list hands out (core.store's encode_cursor: base64url without padding);
# a query model's ``cursor: Cursor | None = None`` refuses anything else as a 422
Cursor = Annotated[str, StringConstraints(max_length=1000, pattern=r"^[A-Za-z0-9_-]*$")]


def services():
    return current_app.extensions["linli"]


def current_actor():
    return g.actor


def locale() -> str:
    """The locale negotiated for this request (``?lang=``, else ``Accept-Language``)."""
    return getattr(g, "locale", i18n.DEFAULT)


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in err["loc"]), "problem": err["type"],
                     "message": err["msg"]} for err in exc.errors(include_url=False, include_context=False,
                                                                  include_input=False)]
        raise ValidationFailed("error.validation_failed", details={"fields": problems})


def parse_json(data: bytes) -> Any:
    """A request body as JSON; anything else is a 400 — including JSON nested deeper than
    the parser's recursion limit (``[[[[…`` a few thousand deep), which raises RecursionError."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):   # UnicodeDecodeError is a ValueError
        raise BadRequest("error.json_malformed")


def _read_json() -> Any:
    if not request.data:
        return {}
    if not request.is_json:
        raise BadRequest("error.json_required")
    return parse_json(request.get_data(as_text=False))


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def endpoint(bp: Blueprint, rule: str, methods=("GET",), *, summary: str, body=None, query=None,
             response=None, roles=None, public=False, idempotent=False, status=200,
             produces: str = "application/json", accepts: dict | None = None,
             other_statuses: dict[int, str] | None = None, path_params: dict[str, dict] | None = None
             ) -> Callable:
    """Declare a JSON endpoint on ``bp`` (its ``url_prefix`` is joined to ``rule``).

    ``roles``: the caller needs at least one of them (``None``: any authenticated person).
    ``idempotent``: honour an ``Idempotency-Key`` header — the first response is stored in
    Redis for 24 h and replayed for the same key and caller instead of creating twice.
    For the OpenAPI document (:mod:`core.openapi`), which the views must not contradict:
    ``produces``: the media type of a view that returns a ``Response`` of its own (a file);
    ``accepts``: media type -> pydantic model or JSON schema, for a view that reads the
    request body itself (a CSV, a multipart upload) instead of taking ``body=``;
    ``other_statuses``: status -> description, for what a view may answer besides
    ``status`` (a 200 when a create merged into an existing record, a 502 from WeChat);
    ``path_params``: name -> JSON schema of a path segment the view accepts fewer values of
    than any string (the actions of a case), whatever else arrives being its 4xx.
    """
    spec = EndpointSpec(rule=(bp.url_prefix or "") + rule, methods=tuple(methods), summary=summary,
                        tag=bp.name, body=body, query=query, response=response,
                        roles=frozenset(roles) if roles else None, public=public, idempotent=idempotent,
                        status=status, produces=produces, accepts=dict(accepts or {}),
                        other_statuses=dict(other_statuses or {}), path_params=dict(path_params or {}))
    REGISTRY.append(spec)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**path_args):
            if not public:
                g.actor = auth.authenticate(services(), _bearer())
                if spec.roles is not None and not g.actor.has(*spec.roles):
                    raise Forbidden("error.role_required")
            kwargs = dict(path_args)
            if body is not None:
                kwargs["body"] = _validate(body, _read_json())
            if query is not None:
                kwargs["query"] = _validate(query, {name: value for name, value in request.args.items()
                                                    if name not in GLOBAL_QUERY_PARAMS})
            if idempotent and request.headers.get("Idempotency-Key"):
                return _idempotent(view, kwargs, status)
            return _respond(view(**kwargs), status)

        bp.add_url_rule(rule, view.__name__, wrapper, methods=list(methods))
        return wrapper

    return decorate


def _respond(result, default_status: int):
    if isinstance(result, Response):   # a file or a redirect the view built itself
        return result, result.status_code
    if isinstance(result, tuple):
        payload, code = result
    else:
        payload, code = result, default_status
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    return jsonify(payload), code


def _idempotent(view: Callable, kwargs: dict, default_status: int):
    svc = services()
    key_text = request.headers["Idempotency-Key"].strip()
    if not 1 <= len(key_text) <= 200:
        raise BadRequest("error.idempotency_key_invalid")
    actor_id = g.actor.id if getattr(g, "actor", None) else "anon"
    fingerprint = hashlib.sha256(request.get_data()).hexdigest()
    key = svc.key("idem", actor_id, request.path, hashlib.sha256(key_text.encode()).hexdigest())
    # claim the key first so two concurrent retries cannot both create
    if not svc.redis.set(key, json.dumps({"state": "pending"}), nx=True, ex=24 * 3600):
        stored = json.loads(svc.redis.get(key) or '{"state": "pending"}')
        if stored.get("state") == "pending":
            raise Conflict("error.idempotency_in_progress")
        if stored.get("fingerprint") != fingerprint:
            raise ValidationFailed("error.idempotency_key_reused")
        response = jsonify(stored["body"])
        response.headers["Idempotent-Replayed"] = "true"
        return response, stored["status"]
    try:
        # the view's declared status, as without the key: a retry must not change the answer
        response, code = _respond(view(**kwargs), default_status)
    except BaseException:
        svc.redis.delete(key)
        raise
    svc.redis.set(key, json.dumps({"state": "done", "status": code, "fingerprint": fingerprint,
                                   "body": response.get_json()}), ex=24 * 3600)
    return response, code


def page_response(page, render: Callable[[dict], dict]) -> dict:
    """The one list shape: ``{"items": [...], "next_cursor": str | null}``."""
    return {"items": [render(doc) for doc in page.items], "next_cursor": page.next_cursor}
