"""The OpenAPI document says what the views really accept and answer (core.openapi)."""
from __future__ import annotations

import pytest


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def params(operation: dict) -> dict[str, dict]:
    return {p["name"]: p for p in operation["parameters"] if "name" in p}


def test_every_api_route_is_documented_with_its_methods(app, document):
    routes = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path.replace("{", "<").replace("}", ">"), method)
                  for path, operations in document["paths"].items() for method in operations}
    assert documented == routes


def test_query_parameters_carry_their_fields_types_and_bounds(document):
    houses = params(document["paths"]["/api/v1/admin/houses"]["get"])
    assert houses["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}
    assert houses["community_id"]["schema"] == {"type": "string", "minLength": 1, "maxLength": 64}
    assert houses["building"]["description"] == "only this building, in unit/room order"
    assert houses["cursor"]["schema"] == {"type": "string", "maxLength": 1000, "pattern": "^[A-Za-z0-9_-]*$"}
    assert params(document["paths"]["/api/v1/inbox"]["get"])["unread"]["schema"]["type"] == "boolean"
    scope = params(document["paths"]["/api/v1/repairs"]["get"])["scope"]
    assert scope["schema"] == {"type": "string", "enum": ["mine", "pool", "all"]} and not scope["required"]
    states = params(document["paths"]["/api/v1/repairs"]["get"])["state"]
    assert states["schema"]["pattern"] == "^[a-z_, ]*$" and "comma-separated" in states["description"]
    state = params(document["paths"]["/api/v1/admin/bindings"]["get"])["state"]["schema"]
    assert state["pattern"] == "^(requested|approved|rejected|revoked)$"


def test_every_operation_takes_the_global_lang_parameter(document):
    assert document["components"]["parameters"]["lang"]["in"] == "query"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"$ref": "#/components/parameters/lang"} in operation["parameters"], (method, path)


def test_views_that_read_their_own_body_declare_its_media_types(document):
    imports = document["paths"]["/api/v1/admin/import/houses"]["post"]["requestBody"]["content"]
    assert {"text/csv", "application/json", "multipart/form-data"} <= set(imports)
    assert imports["application/json"]["schema"] == {"$ref": "#/components/schemas/ImportIn"}
    assert imports["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    upload = document["paths"]["/api/v1/uploads"]["post"]["requestBody"]
    assert upload["required"] and list(upload["content"]) == ["multipart/form-data"]
    assert upload["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    download = document["paths"]["/api/v1/uploads/{upload_id}"]["get"]["responses"]
    assert list(download["200"]["content"]) == ["image/*"] and "content" not in download["304"]


def test_a_body_is_optional_exactly_when_its_model_takes_an_empty_object(document):
    paths = document["paths"]
    assert paths["/api/v1/repairs"]["post"]["requestBody"]["required"] is True
    assert paths["/api/v1/repairs/{case_id}/{action}"]["post"]["requestBody"]["required"] is False
    assert paths["/api/v1/auth/logout"]["post"]["requestBody"]["required"] is False


def test_every_status_a_view_answers_is_declared(document):
    paths = document["paths"]
    for create in ("/api/v1/repairs", "/api/v1/complaints", "/api/v1/me/bindings"):
        responses = paths[create]["post"]["responses"]
        assert {"200", "201", "4XX"} <= set(responses), create
        assert "Idempotent-Replayed" in responses["201"]["headers"]
    login = paths["/api/v1/auth/wx-login"]["post"]["responses"]["502"]
    assert login["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_error_envelope_requires_code_message_and_details(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]


def test_a_case_action_is_one_a_person_may_fire(document):
    action = params(document["paths"]["/api/v1/repairs/{case_id}/{action}"]["post"])["action"]["schema"]
    assert {"accept", "cancel", "confirm", "rate", "reopen", "urge"} <= set(action["enum"])
    assert not {"join", "warn", "auto_close"} & set(action["enum"])      # the service's and the timers'
    complaint = params(document["paths"]["/api/v1/complaints/{case_id}/{action}"]["post"])["action"]["schema"]
    assert "reply" in complaint["enum"] and "resolve" not in complaint["enum"]
