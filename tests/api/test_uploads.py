"""Photos outside the mini-program's multipart form: :mod:`core.uploads` stores a photo
with no request (as the bot does for chat photos), and the download is a declared endpoint
(OpenAPI, the usual authentication and error envelope) that answers with the file."""
from __future__ import annotations

import subprocess
import sys

import pytest

from core import uploads
from core.errors import RateLimited, TooLarge, UnsupportedMedia
from core.roles import Actor
from tests.helpers import ok

from .test_repairs import report
from .test_repairs_input import JPEG, PNG


def actor(world, who: str) -> Actor:
    return Actor.from_person(world.services.store.collection("people").get(world.id(who)))


def test_core_uploads_needs_no_web_framework():
    probe = "import sys, core.uploads; print(sorted(m for m in ('flask', 'werkzeug') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_a_chat_photo_stored_without_a_request_is_the_owners_to_attach_and_fetch(world, services):
    doc = uploads.save(services, actor(world, "owner"), PNG)
    assert doc["content_type"] == "image/png" and doc["owner_id"] == world.id("owner")
    assert (uploads.folder(services.config, world.community_id) / doc["file"]).read_bytes() == PNG
    case = ok(report(world, photos=[doc["_id"]]), 201)
    assert case["photos"] == [{"id": doc["_id"], "url": f"/api/v1/uploads/{doc['_id']}"}]
    fetched = world.call("GET", "owner", f"/api/v1/uploads/{doc['_id']}")
    assert fetched.status_code == 200 and fetched.data == PNG and fetched.mimetype == "image/png"
    fetched.close()
    assert ok(report(world, "neighbour", photos=[doc["_id"]]), 422)   # not the neighbour's photo


def test_save_refuses_what_the_api_refuses(world, services, monkeypatch):
    owner = actor(world, "owner")
    with pytest.raises(UnsupportedMedia):
        uploads.save(services, owner, b"GIF89a" + b"\x00" * 20)
    with pytest.raises(UnsupportedMedia):
        uploads.save(services, owner, b"")
    with pytest.raises(TooLarge):
        uploads.save(services, owner, JPEG + b"\x00" * services.config.max_upload_bytes)
    monkeypatch.setattr(uploads, "PER_HOUR", 2)
    uploads.save(services, owner, JPEG)
    uploads.save(services, owner, JPEG)
    with pytest.raises(RateLimited):
        uploads.save(services, owner, JPEG)
    assert services.store.collection("uploads").count({"community_id": world.community_id,
                                                       "owner_id": owner.id}) == 2


def test_the_download_is_declared_with_its_media_type(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/uploads/{upload_id}"]["get"]
    assert operation["responses"]["200"]["content"] == {"image/*": {"schema": {"type": "string",
                                                                                "format": "binary"}}}
    assert operation["security"] == [{"bearer": []}]
    assert [p["name"] for p in operation["parameters"] if "name" in p] == ["upload_id"]


def test_the_download_refuses_in_the_error_envelope(world, services):
    doc = uploads.save(services, actor(world, "owner"), PNG)
    url = f"/api/v1/uploads/{doc['_id']}"
    assert ok(world.call("GET", None, url), 401)["error"]["code"] == "unauthorized"
    assert ok(world.call("GET", "neighbour", url, headers={"Accept-Language": "en"}), 404)["error"]["message"]
    (uploads.folder(services.config, world.community_id) / doc["file"]).unlink()
    assert ok(world.call("GET", "owner", url), 404)["error"]["code"] == "not_found"
