"""The Rasa backend: the HTTP client, nlu.parse's fallback and use of a remote parse.

(a) and (b) need no Rasa: they use a closed loopback port and a tiny stub HTTP server that
answers in Rasa's shape. (c) runs only when RASA_URL points at a real Rasa server
(``scripts/rasa.sh all`` then ``RASA_URL=http://127.0.0.1:5005 pytest tests/nlu``).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import nlu
from nlu.rasa_client import remote_parse

INTENTS = {
    "emergency", "repair_request", "complaint", "help_request", "vote", "volunteer",
    "device_status", "ticket_status", "greet", "thanks", "goodbye", "affirm", "deny",
    "cancel", "human_agent", "out_of_scope",
}


def rasa_shaped(text: str, intent: str, confidence: float = 0.97) -> dict:
    """A /model/parse answer as Rasa 3.6 sends it, with no entities of its own."""
    runner_up = "out_of_scope" if intent != "out_of_scope" else "greet"
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [
            {"name": intent, "confidence": confidence},
            {"name": runner_up, "confidence": round(1 - confidence, 4)},
        ],
        "entities": [],
    }


class _StubRasa(BaseHTTPRequestHandler):
    """Answers POST /model/parse with whatever the test put on the server object."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, body))
        time.sleep(self.server.delay)
        status, payload = self.server.reply(body["text"])
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def stub_rasa():
    """A loopback HTTP server in a thread; set ``.reply`` (text -> (status, payload)) and ``.delay``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubRasa)
    server.daemon_threads = True
    server.requests = []
    server.delay = 0.0
    server.reply = lambda text: (200, rasa_shaped(text, "greet"))
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: shutdown() waits for one poll, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_url() -> str:
    """A loopback URL nobody listens on: bind an ephemeral port, then release it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def builtin_parse(monkeypatch: pytest.MonkeyPatch, text: str) -> dict:
    monkeypatch.delenv("RASA_URL", raising=False)
    return nlu.parse(text)


def entity_pairs(result: dict) -> set[tuple[str, str]]:
    return {(e["entity"], str(e["value"])) for e in result["entities"]}


# --- the client on its own -------------------------------------------------------------------


def test_client_returns_rasa_parse_and_posts_text(stub_rasa):
    result = remote_parse("3号楼电梯坏了", stub_rasa.url)
    assert result == rasa_shaped("3号楼电梯坏了", "greet")
    assert stub_rasa.requests == [("/model/parse", {"text": "3号楼电梯坏了"})]


def test_client_accepts_trailing_slash(stub_rasa):
    assert remote_parse("你好", stub_rasa.url + "/") is not None
    assert stub_rasa.requests[0][0] == "/model/parse"


@pytest.mark.parametrize(
    "status, payload",
    [
        (500, {"error": "boom"}),
        (404, b"not found"),
        (200, b"{not json"),
        (200, [1, 2, 3]),
        (200, {"text": "x", "intent": None}),
    ],
    ids=["http-500", "http-404", "bad-json", "not-an-object", "no-intent"],
)
def test_client_returns_none_on_bad_answers(stub_rasa, caplog, status, payload):
    stub_rasa.reply = lambda text: (status, payload)
    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        assert remote_parse("你好", stub_rasa.url) is None
    assert [r.name for r in caplog.records] == ["nlu.rasa"]


def test_client_times_out_on_slow_server(stub_rasa, caplog):
    stub_rasa.delay = 1.0
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        assert remote_parse("你好", stub_rasa.url, timeout=0.2) is None
    assert time.monotonic() - started < 0.9
    assert caplog.records and caplog.records[0].name == "nlu.rasa"


# --- (a) fallback when the server is down ----------------------------------------------------


def test_client_fails_fast_on_closed_port(closed_url, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        assert remote_parse("你好", closed_url, timeout=1.5) is None
    assert time.monotonic() - started < 1.5
    assert any("unreachable" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("text", ["3号楼电梯坏了", "救命 我爸摔倒了起不来", "你好", "谢谢"])
def test_parse_falls_back_to_builtin_when_rasa_is_down(monkeypatch, closed_url, text):
    expected = builtin_parse(monkeypatch, text)
    monkeypatch.setenv("RASA_URL", closed_url)
    started = time.monotonic()
    result = nlu.parse(text)
    assert time.monotonic() - started < 1.5
    assert result["backend"] == "builtin"
    assert result["intent"] == expected["intent"]
    assert result["entities"] == expected["entities"]


# --- (b) a remote parse is used, Linli's entities and safety net still apply ------------------


def test_parse_uses_remote_intent_and_builtin_entities(monkeypatch, stub_rasa):
    text = "3号楼2单元电梯坏了"
    builtin = builtin_parse(monkeypatch, text)
    # An intent the built-in engine would not give, so the test sees which one won.
    remote_intent = "complaint" if builtin["intent"]["name"] != "complaint" else "device_status"
    stub_rasa.reply = lambda t: (200, rasa_shaped(t, remote_intent, 0.91))
    monkeypatch.setenv("RASA_URL", stub_rasa.url)

    result = nlu.parse(text)

    # nlu.parse sends Rasa the text after Linli's normaliser (width, Traditional, numerals ...)
    assert [body["text"] for _, body in stub_rasa.requests] == [result["normalised_text"]]
    assert result["backend"] == "rasa"
    assert result["intent"]["name"] == remote_intent
    assert result["intent"]["confidence"] == pytest.approx(0.91)
    # The stub found no entities: those present come from Linli's own normalising extractors.
    assert {("building", "3"), ("unit", "2")} <= entity_pairs(result)
    assert entity_pairs(builtin) <= entity_pairs(result)


def test_parse_safety_net_overrides_remote_on_emergency(monkeypatch, stub_rasa):
    text = "救命 我爸摔倒了起不来"
    stub_rasa.reply = lambda t: (200, rasa_shaped(t, "greet", 0.99))
    monkeypatch.setenv("RASA_URL", stub_rasa.url)

    result = nlu.parse(text)

    assert stub_rasa.requests, "nlu.parse did not call the Rasa server"
    assert result["backend"] == "rasa"
    assert result["intent"]["name"] == "emergency"


# --- (c) the real Rasa server, only when RASA_URL is set -------------------------------------

needs_rasa = pytest.mark.skipif(
    not os.environ.get("RASA_URL"),
    reason="RASA_URL is not set: start Rasa with scripts/rasa.sh all and export RASA_URL",
)


@needs_rasa
@pytest.mark.slow
@pytest.mark.parametrize(
    "text, intent",
    [
        ("你好", "greet"),
        ("谢谢你", "thanks"),
        ("3号楼电梯坏了 麻烦派人来修一下", "repair_request"),
        ("救命 我喘不上气了", "emergency"),
        ("我要找人工客服", "human_agent"),
    ],
)
def test_real_rasa_server_parses(text, intent):
    result = remote_parse(text, os.environ["RASA_URL"], timeout=10)
    assert result is not None, "the Rasa server at RASA_URL did not answer"
    assert result["text"] == text
    assert result["intent"]["name"] in INTENTS
    assert 0.0 <= result["intent"]["confidence"] <= 1.0
    assert {r["name"] for r in result["intent_ranking"]} <= INTENTS
    for entity in result["entities"]:
        assert {"entity", "value", "start", "end"} <= entity.keys()
    assert result["intent"]["name"] == intent


@needs_rasa
@pytest.mark.slow
def test_real_rasa_server_through_nlu_parse(monkeypatch):
    monkeypatch.setenv("RASA_URL", os.environ["RASA_URL"])
    result = nlu.parse("5栋的燃气味道很大 快来人")
    assert result["intent"]["name"] == "emergency"
