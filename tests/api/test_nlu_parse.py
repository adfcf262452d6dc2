"""POST /api/v1/nlu/parse: the NLU behind the staff console, never for residents."""
from __future__ import annotations


def test_staff_see_how_a_message_is_read(world):
    response = world.call("POST", "dispatcher", "/api/v1/nlu/parse", json={"text": "3号楼2单元501的水管爆了"})
    assert response.status_code == 200
    parsed = response.get_json()
    assert parsed["intent"]["name"] == "repair_request"
    entities = {(e["entity"], e["value"]) for e in parsed["entities"]}
    assert {("building", "3"), ("unit", "2"), ("room", "501")} <= entities


def test_the_safety_net_shows_in_the_result(world):
    parsed = world.call("POST", "admin", "/api/v1/nlu/parse", json={"text": "我摔倒了起不来"}).get_json()
    assert parsed["intent"]["name"] == "emergency"
    assert parsed["safety_net"]["triggered"] is True


def test_residents_may_not_use_it(world):
    response = world.call("POST", "owner", "/api/v1/nlu/parse", json={"text": "你好"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_empty_or_oversized_text_is_a_422(world):
    for text in ("", "长" * 301):
        response = world.call("POST", "dispatcher", "/api/v1/nlu/parse", json={"text": text})
        assert response.status_code == 422
