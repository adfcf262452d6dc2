"""The API boundary (core.api): what reaches a view is validated, and whatever does not
validate is a localised 4xx in the error envelope — regressions found by fuzzing."""
from __future__ import annotations

import pytest

DEEP = 100_000      # far past the JSON parser's recursion limit, far under the body limit


def assert_envelope(response, status: int) -> dict:
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"], body
    return body["error"]


@pytest.mark.parametrize("body", ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP,
                                  '{"description": ' + "[" * DEEP + "]" * DEEP + "}"])
def test_json_nested_past_the_recursion_limit_is_a_400_not_a_500(world, body):
    response = world.call("POST", "owner", "/api/v1/repairs", data=body, content_type="application/json")
    assert assert_envelope(response, 400)["code"] == "bad_request"


def test_a_deeply_nested_json_import_is_a_400_not_a_500(world):
    response = world.call("POST", "admin", "/api/v1/admin/import/houses", data="[" * DEEP + "]" * DEEP,
                          content_type="application/json")
    assert assert_envelope(response, 400)["code"] == "bad_request"
