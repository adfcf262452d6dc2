"""Hostile and malformed input to the repair and upload endpoints: always a clear 4xx with
the error envelope, never a 500, never a half-created ticket; and the photo rules."""
from __future__ import annotations

import io
import struct
import zlib

import pytest

from tests.helpers import ok

from .test_repairs import API, act, home, public, report, show

PNG = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0) + \
    struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


@pytest.fixture
def config_overrides(config_overrides):
    """A small upload limit: an oversize body stays under the test client's 500 kB spooling
    threshold, whose temporary file the client itself never closes."""
    return {**config_overrides, "max_upload_bytes": 64 * 1024}


def upload(world, who: str, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return world.call("POST", who, "/api/v1/uploads",
                      data={"file": (io.BytesIO(data), name, content_type)}, content_type="multipart/form-data")


def assert_client_error(response, status: int | None = None) -> dict:
    body = response.get_json()
    assert 400 <= response.status_code < 500, (response.status_code, body)
    assert status is None or response.status_code == status, (response.status_code, body)
    assert body["error"]["code"] and body["error"]["message"], body
    return body


BAD_CREATES = [
    {},
    [],
    "lift",
    {"category": "teleporter", "location": {"kind": "public", "place": "北门"}, "description": "x"},
    {"category": 5, "location": {"kind": "public", "place": "北门"}, "description": "x"},
    {"category": "lighting", "location": "北门", "description": "x"},
    {"category": "lighting", "location": {"kind": "moon"}, "description": "x"},
    {"category": "lighting", "location": {"kind": "public"}, "description": "x"},
    {"category": "lighting", "location": {"kind": "public", "place": "  。"}, "description": "x"},
    {"category": "lighting", "location": {"kind": "home"}, "description": "x"},
    {"category": "lighting", "location": {"kind": "home", "house_id": "nope"}, "description": "x"},
    {"category": "lighting", "location": {"kind": "public", "place_id": "nope"}, "description": "x"},
    {"category": "elevator", "location": {"kind": "home", "house_id": "HOUSE"}, "description": "x"},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": ""},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "   "},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": 12},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x" * 100_000},
    {"category": "lighting", "location": {"kind": "public", "place": "北" * 5000}, "description": "x"},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x", "photos": "a"},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x",
     "photos": [f"u{i}" for i in range(10)]},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x", "photos": ["u1"]},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x",
     "contact_phone": "call me"},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x",
     "preferred_window": {"start": "2020-01-01T00:00:00Z", "end": "2020-01-01T02:00:00Z"}},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x",
     "preferred_window": {"start": "2030-01-01T10:00:00", "end": "2030-01-01T12:00:00"}},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x",
     "preferred_window": {"start": "tomorrow", "end": "later"}},
    {"category": "lighting", "location": {"kind": "public", "place": "北门"}, "description": "x", "admin": True},
]


@pytest.mark.parametrize("index", range(len(BAD_CREATES)))
def test_malformed_reports_are_refused_and_nothing_is_created(world, services, index):
    body = BAD_CREATES[index]
    if isinstance(body, dict) and body.get("location", {}) == {"kind": "home", "house_id": "HOUSE"}:
        body = {**body, "location": home(world)}
    response = world.call("POST", "owner", API, json=body)
    assert_client_error(response)
    assert services.store.collection("repairs").count({"community_id": world.community_id}) == 0


def test_broken_json_and_wrong_content_type(world):
    broken = world.call("POST", "owner", API, data="{\"category\": ", content_type="application/json")
    assert assert_client_error(broken, 400)["error"]["code"] == "bad_request"
    assert_client_error(world.call("POST", "owner", API, data="category=lighting",
                                   content_type="application/x-www-form-urlencoded"))
    assert_client_error(world.call("POST", "owner", API, data=b"\xff\xfe\x00", content_type="application/json"), 400)
    assert_client_error(world.call("POST", None, API, json={"category": "lighting"}), 401)


def test_malformed_actions_and_queries(world):
    case_id = ok(report(world), 201)["id"]
    for action, body in [("teleport", {}), ("join", {}), ("escalate", {}), ("auto_close", {}),
                         ("rate", {"rating": "five"}), ("rate", {"rating": 9}), ("rate", {"rating": True}),
                         ("note", {"note": 7}), ("note", {"note": "x" * 5000}), ("note", {"mood": "angry"}),
                         ("assign", {"assignee_id": ""}), ("urge", {"version": "latest"}), ("x" * 3000, {})]:
        assert_client_error(act(world, "dispatcher", case_id, action, **body))
    for action in ("join", "escalate"):
        assert act(world, "dispatcher", case_id, action).status_code in (403, 422)
    assert_client_error(world.call("POST", "dispatcher", f"{API}/{case_id}/note", data="[",
                                   content_type="application/json"), 400)
    assert_client_error(act(world, "dispatcher", "x" * 5000, "note", note="hi"), 404)
    assert_client_error(show(world, "dispatcher", "../../etc/passwd"), 404)
    for query in ("?limit=abc", "?limit=0", "?limit=100000", "?scope=everything", "?state=flying",
                  "?cursor=not-a-cursor", "?state=" + "s," * 200):
        assert_client_error(world.call("GET", "dispatcher", API + query))
    assert ok(show(world, "owner", case_id))["version"] == 1


def test_stale_version_is_a_409_with_the_current_version(world):
    case = ok(report(world), 201)
    ok(act(world, "owner", case["id"], "note", note="补充：客厅那盏"))
    stale = act(world, "dispatcher", case["id"], "assign", assignee_id=world.id("plumber"), version=case["version"])
    assert assert_client_error(stale, 409)["error"]["details"]["version"] == 2


def test_categories_are_public_and_localised(client):
    body = ok(client.get(f"{API}/categories", headers={"Accept-Language": "en"}))
    codes = [item["service_code"] for item in body["items"]]
    assert codes[0] == "elevator" and len(codes) == 17 and "garbage_station" in codes
    lift = body["items"][0]
    assert lift["service_name"] == "Lift" and lift["priority"] == "urgent" and lift["respond_minutes"] == 15
    assert [v["key"] for v in lift["attributes"][0]["values"]] == ["public"]
    chinese = ok(client.get(f"{API}/categories"))
    assert chinese["items"][0]["service_name"] == "电梯"
    assert {p["priority"]: p["complete_hours"] for p in chinese["priorities"]} == {"urgent": 4, "high": 24,
                                                                                  "normal": 48}


# ---- uploads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data,content_type", [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")])
def test_images_are_recognised_by_their_bytes(world, services, data, content_type):
    stored = ok(upload(world, "owner", data, name="whatever.bin", content_type="application/octet-stream"), 201)
    assert stored["content_type"] == content_type and stored["size"] == len(data)
    doc = services.store.collection("uploads").get(stored["id"])
    assert doc["owner_id"] == world.id("owner") and doc["community_id"] == world.community_id
    assert (services.config.data_path / "uploads" / world.community_id / doc["file"]).read_bytes() == data
    fetched = world.call("GET", "owner", stored["url"])
    assert fetched.status_code == 200 and fetched.data == data and fetched.mimetype == content_type
    fetched.close()


def test_uploads_refuse_non_images_oversize_and_missing_files(world, app):
    assert assert_client_error(upload(world, "owner", b"<?php echo 1; ?>", name="x.jpg"), 415)
    assert assert_client_error(upload(world, "owner", b"", name="x.png"), 415)
    assert assert_client_error(upload(world, "owner", b"GIF89a" + b"\x00" * 20, name="x.gif"), 415)
    too_big = JPEG + b"\x00" * app.extensions["linli"].config.max_upload_bytes
    assert assert_client_error(upload(world, "owner", too_big), 413)
    assert assert_client_error(world.call("POST", "owner", "/api/v1/uploads", data={"other": "x"},
                                          content_type="multipart/form-data"), 400)
    assert assert_client_error(world.call("POST", None, "/api/v1/uploads", data={}), 401)


def test_photos_must_be_the_reporters_own_uploads(world):
    mine = ok(upload(world, "owner", PNG), 201)["id"]
    theirs = ok(upload(world, "neighbour", PNG), 201)["id"]
    foreign = ok(upload(world, "outsider", PNG), 201)["id"]
    case = ok(report(world, photos=[mine]), 201)
    assert case["photos"] == [{"id": mine, "url": f"/api/v1/uploads/{mine}"}]
    for other in (theirs, foreign):
        assert assert_client_error(report(world, photos=[other]), 422)
    assert world.call("GET", "outsider", f"/api/v1/uploads/{mine}").status_code == 404
    assert world.call("GET", "neighbour", f"/api/v1/uploads/{mine}").status_code == 404
    staff_view = world.call("GET", "dispatcher", f"/api/v1/uploads/{mine}")
    assert staff_view.status_code == 200
    staff_view.close()
    assert world.call("GET", "owner", "/api/v1/uploads/nope").status_code == 404


def test_public_reports_need_a_place(world):
    assert ok(report(world, location=public("地下车库B2")), 201)["location"]["place"] == "地下车库B2"
