"""The JSON channel (bearer token, shape, voice) and ``linli chat`` in the terminal."""
from __future__ import annotations

import io

import pytest

from bot.channels import terminal

from .conftest import dialog_calls

URL = "/api/v1/bot/messages"


def test_needs_a_bearer_token(client, services):
    response = client.post(URL, json={"text": "你好"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert dialog_calls(services) == []


def test_text_in_replies_out(world, services):
    response = world.call("POST", "owner", URL, json={"text": "楼道灯不亮"})
    assert response.status_code == 200
    assert response.get_json() == {"replies": [{
        "text": "echo text: 楼道灯不亮", "buttons": [{"title": "确认", "payload": "/affirm"},
                                                  {"title": "取消", "payload": "/cancel"}]}]}
    call = dialog_calls(services)[0]
    assert call["channel"] == "json" and call["person_id"] == world.id("owner") and call["voice"] is False
    assert call["community_id"] == world.community_id and call["user_key"] == world.id("owner")


def test_a_mini_program_page_is_named_for_the_client_to_open(world, services):
    reply = world.call("POST", "tenant", URL, json={"text": "怎么绑定"}).get_json()["replies"][0]
    assert reply["page"] == "pages/house/bind"


def test_voice_text_asks_for_speakable_replies(world, services):
    assert world.call("POST", "elderly", URL, json={"voice_text": "我要报修"}).status_code == 200
    call = dialog_calls(services)[0]
    assert call["voice"] is True and call["kind"] == "voice" and call["text"] == "我要报修"


def test_an_empty_voice_text_gets_the_kind_answer_with_a_speakable_form(world, services):
    reply = world.call("POST", "elderly", URL, json={"voice_text": ""}).get_json()["replies"][0]
    assert "没听清" in reply["text"] and reply["speak"] and reply["buttons"][0]["payload"] == "救命"


def test_a_session_is_a_conversation_of_its_own(world, services):
    world.call("POST", "owner", URL, json={"text": "a", "session": "speaker-kitchen"})
    assert dialog_calls(services)[0]["user_key"] == world.id("owner") + "#speaker-kitchen"


@pytest.mark.parametrize("body", [{}, {"text": "a", "voice_text": "b"}, {"text": 5}, {"text": "长" * 5000},
                                  {"text": "a", "session": "../../etc"}, {"session": "s"}])
def test_bad_bodies_are_a_422_with_the_envelope(world, services, body):
    response = world.call("POST", "owner", URL, json=body)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_failed"
    assert dialog_calls(services) == []


def test_answers_follow_accept_language_else_the_persons_language(world, services):
    from .conftest import fail

    fail(services)
    english = world.call("POST", "owner", URL, json={"text": "hi"}, headers={"Accept-Language": "en"})
    assert english.get_json()["replies"][0]["text"].startswith("Sorry, something went wrong")
    chinese = world.call("POST", "owner", URL, json={"text": "hi"})
    assert chinese.get_json()["replies"][0]["text"].startswith("抱歉")


def test_the_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/bot/messages"]
    assert "BotMessage" in spec["components"]["schemas"]


def test_terminal_chat_as_a_resident_with_button_numbers(services, world):
    out = io.StringIO()
    typed = io.StringIO("你好\n\n1\n/voice 我摔倒了\n/quit\nignored\n")
    status = terminal.chat(services, "o-owner", stdin=typed, stdout=out)
    assert status == 0
    calls = dialog_calls(services)
    assert [c["text"] for c in calls] == ["你好", "/affirm", "我摔倒了"]
    assert calls[0]["person_id"] == world.id("owner") and calls[2]["voice"] is True
    shown = out.getvalue()
    assert "张业主" in shown and "bot: echo text: 你好" in shown and "[2] 取消" in shown


def test_terminal_without_the_demo_resident_says_how_to_get_one(services):
    out = io.StringIO()
    assert terminal.chat(services, None, stdin=io.StringIO(""), stdout=out) == 1
    assert "linli seed-demo" in out.getvalue()


def test_terminal_as_a_stranger_talks_unbound(services):
    out = io.StringIO()
    terminal.chat(services, "o-nobody", stdin=io.StringIO("怎么绑定\n"), stdout=out)
    assert dialog_calls(services)[0]["person_id"] is None and "not bound" in out.getvalue()
    assert "(mini-program page pages/house/bind)" in out.getvalue()
