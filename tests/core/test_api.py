"""The API boundary (core.api): what reaches a view is validated, and whatever does not
validate is a localised 4xx in the error envelope — regressions found by fuzzing."""
from __future__ import annotations

import pytest

from bot.messages import OutboundMessage

DEEP = 100_000      # far past the JSON parser's recursion limit, far under the body limit


class Echo:
    """A stand-in dialog manager (the pipeline's ``dialog_factory`` seam): no NLU needed."""

    def __init__(self, services):
        pass

    def handle(self, inbound):
        return [OutboundMessage(text=f"echo {inbound.text}")]


@pytest.fixture
def config_overrides(config_overrides):
    return {**config_overrides, "extra": {**config_overrides["extra"], "dialog_factory": Echo}}


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


def test_an_idempotency_key_does_not_change_the_declared_status(world):
    """POST /bot/messages answers 200; with an Idempotency-Key it answered 201 (the status
    of a create), which its OpenAPI entry does not declare."""
    plain = world.call("POST", "owner", "/api/v1/bot/messages", json={"text": "你好"})
    keyed = world.call("POST", "owner", "/api/v1/bot/messages", json={"text": "再见"},
                       headers={"Idempotency-Key": "k-1"})
    replayed = world.call("POST", "owner", "/api/v1/bot/messages", json={"text": "再见"},
                          headers={"Idempotency-Key": "k-1"})
    assert plain.status_code == keyed.status_code == replayed.status_code == 200
    assert keyed.get_json() == replayed.get_json() == {"replies": [{"text": "echo 再见"}]}
    assert replayed.headers["Idempotent-Replayed"] == "true"


def test_an_idempotent_create_still_answers_201(world):
    body, key = {"number": "9", "units": 1, "floors": 3}, {"Idempotency-Key": "b-9"}
    first = world.call("POST", "admin", "/api/v1/admin/buildings", json=body, headers=key)
    again = world.call("POST", "admin", "/api/v1/admin/buildings", json=body, headers=key)
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()


def test_the_global_lang_parameter_is_not_an_unknown_field_of_a_strict_query(world):
    """``?lang=`` picks the language of every response; the inbox's query model forbids
    unknown fields and answered 422 to it."""
    assert world.call("GET", "owner", "/api/v1/inbox?lang=en").status_code == 200
    error = assert_envelope(world.call("GET", "owner", "/api/v1/inbox?lang=en&limit=0"), 422)
    assert [f["field"] for f in error["details"]["fields"]] == ["limit"]
    assert error["message"] == "Some fields are not valid; please check and try again."
    still_strict = assert_envelope(world.call("GET", "owner", "/api/v1/inbox?colour=red"), 422)
    assert [f["field"] for f in still_strict["details"]["fields"]] == ["colour"]


@pytest.mark.parametrize("url", ["/api/v1/repairs", "/api/v1/inbox", "/api/v1/places"])
def test_a_cursor_is_base64url_or_a_422_on_the_cursor_field(world, url):
    """A cursor is what a list handed out; percent-encoded CJK in one ran past the web
    server's request-line limit (a 414 in HTML, outside the envelope) before reaching us."""
    error = assert_envelope(world.call("GET", "owner", url, query_string={"cursor": "翻页+/="}), 422)
    assert [f["field"] for f in error["details"]["fields"]] == ["cursor"]


def test_the_cursors_lists_hand_out_are_accepted(world):
    url = "/api/v1/admin/houses"
    first = world.call("GET", "admin", url, query_string={"limit": 1}).get_json()
    second = world.call("GET", "admin", url, query_string={"limit": 1, "cursor": first["next_cursor"]})
    assert second.status_code == 200 and second.get_json()["items"] != first["items"]
