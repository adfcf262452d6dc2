"""The OpenAPI 3.1 document, generated from the endpoints :func:`core.api.endpoint` declared.

It says what the views really accept and answer, so that a client generator or a fuzzer
(schemathesis) can rely on it: query parameters carry their pydantic field's JSON schema
(integers, booleans, enums, bounds), a body is optional when its model accepts ``{}``, views
that read the body themselves declare their media types (``accepts=``), files their own
(``produces=``), and every status a view may answer besides the usual one is listed
(``other_statuses=``). Every error answer is the envelope ``{"error": {code, message, details}}``.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from . import i18n
from .api import GLOBAL_QUERY_PARAMS, REGISTRY, EndpointSpec

SCHEMAS = "#/components/schemas/"
ERROR = {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {"error": {
    "type": "object", "required": ["code", "message", "details"], "properties": {
        "code": {"type": "string", "description": "stable and machine-readable, e.g. validation_failed"},
        "message": {"type": "string", "description": "localised for the caller"},
        "details": {"type": "object"}}}}}
# ?lang= is read by every request (core.app), before and whatever the view
LANG = {"name": "lang", "in": "query", "required": False,
        "schema": {"type": "string", "maxLength": 35, "examples": list(i18n.SUPPORTED)},
        "description": "language of the answer and its error messages (else Accept-Language); "
                       f"unknown ones fall back to {i18n.DEFAULT}"}
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                   "description": "a retry with the same key (same caller, same body) within 24 h replays "
                                 "the first answer instead of doing it twice"}
REPLAYED = {"Idempotent-Replayed": {"description": "present on a replayed answer",
                                    "schema": {"type": "string", "enum": ["true"]}}}


def multipart_file(description: str, required: tuple[str, ...] = ("file",)) -> dict:
    """The schema of a ``multipart/form-data`` body whose ``file`` part is a file (for ``accepts=``)."""
    return {"type": "object", "required": list(required),
            "properties": {"file": {"type": "string", "format": "binary", "description": description}}}


def openapi_document() -> dict:
    """The whole document: every declared endpoint, its schemas under ``components``."""
    components: dict[str, dict] = {"Error": ERROR}
    paths: dict[str, dict] = {}
    for spec in REGISTRY:
        path = openapi_path(spec.rule)
        for method in spec.methods:
            paths.setdefault(path, {})[method.lower()] = _operation(spec, path, components)
    return {"openapi": "3.1.0", "info": {"title": "Linli API", "version": "1"},
            "paths": dict(sorted(paths.items())),
            "components": {"schemas": components, "parameters": {"lang": LANG},
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}


def openapi_path(rule: str) -> str:
    """Flask's ``<converter:name>`` becomes OpenAPI's ``{name}``."""
    return "/".join("{" + p.strip("<>").split(":")[-1] + "}" if p.startswith("<") else p
                    for p in rule.split("/"))


def _operation(spec: EndpointSpec, path: str, components: dict) -> dict:
    error = {"description": "Client error",
             "content": {"application/json": {"schema": {"$ref": SCHEMAS + "Error"}}}}
    if spec.produces != "application/json":
        body_schema: dict = {"type": "string", "format": "binary"}
    else:
        body_schema = _ref(spec.response, components) if spec.response else {"type": "object"}
    answered = {"description": "OK", "content": {spec.produces: {"schema": body_schema}}}
    if spec.idempotent:
        answered["headers"] = REPLAYED
    responses: dict[str, dict] = {str(spec.status): answered}
    for status, description in sorted(spec.other_statuses.items()):
        if status >= 400:
            responses[str(status)] = {**error, "description": description}
        elif status in (204, 304):        # no body at all
            responses[str(status)] = {"description": description}
        else:
            responses[str(status)] = {**answered, "description": description}
    responses["4XX"] = error
    op: dict[str, Any] = {"summary": spec.summary, "tags": [spec.tag], "responses": responses,
                          "parameters": _parameters(spec, path)}
    if spec.accepts:
        op["requestBody"] = {"required": True, "content": {
            media: {"schema": _ref(schema, components) if _is_model(schema) else schema}
            for media, schema in spec.accepts.items()}}
    elif spec.body:
        op["requestBody"] = {"required": not _accepts_empty(spec.body),
                             "content": {"application/json": {"schema": _ref(spec.body, components)}}}
    if not spec.public:
        op["security"] = [{"bearer": []}]
    return op


def _parameters(spec: EndpointSpec, path: str) -> list[dict]:
    params = [{"name": p.strip("{}"), "in": "path", "required": True,
               "schema": spec.path_params.get(p.strip("{}"), {"type": "string"})}
              for p in path.split("/") if p.startswith("{")]
    if spec.query:
        params += _query_parameters(spec.query)
    if spec.idempotent:
        params.append(IDEMPOTENCY_KEY)
    params.append({"$ref": "#/components/parameters/lang"})
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    """One parameter per field of a query model, typed by the field's own JSON schema."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        if name in GLOBAL_QUERY_PARAMS:
            continue
        param = {"name": name, "in": "query", "required": name in required, "schema": _absent_not_null(prop)}
        if prop.get("description"):
            param["description"] = prop["description"]
        params.append(param)
    return params


def _absent_not_null(prop: dict) -> dict:
    """A query string has no null: an optional field is simply left out of it."""
    prop = {k: v for k, v in prop.items() if k not in ("title", "description")}
    if prop.get("default", ...) is None:
        del prop["default"]
    options = [o for o in prop.pop("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1:
        prop = {**options[0], **prop}
    elif options:
        prop["anyOf"] = options
    return prop


def _ref(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(ref_template=SCHEMAS + "{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": SCHEMAS + model.__name__}


def _is_model(schema) -> bool:
    return isinstance(schema, type) and issubclass(schema, BaseModel)


def _accepts_empty(model: type[BaseModel]) -> bool:
    """Does the model take ``{}`` (an empty body reaches it as ``{}``)? Then the body is optional."""
    try:
        model.model_validate({})
    except ValidationError:
        return False
    return True
