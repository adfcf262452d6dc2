"""Photo uploads for cases: ``POST /api/v1/uploads`` (multipart field ``file``) and
``GET /api/v1/uploads/<id>``.

The type is decided by the file's first bytes (JPEG, PNG, WebP), never by its name or
the client's Content-Type; anything else is a 415. Files live under
``LINLI_DATA_DIR/uploads/<community>/``, each recorded in the ``uploads`` collection
with its owner, so a report can only attach photos its reporter uploaded.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, request, send_file

from core import auth, clock
from core.api import current_actor, endpoint, services
from core.errors import BadRequest, NotFound, RateLimited, TooLarge, UnsupportedMedia

bp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads")

PER_HOUR = 60           # uploads per person per hour: a phone album, not a backup service
_TYPES = (  # (content type, extension, test on the first bytes)
    ("image/jpeg", ".jpg", lambda head: head[:3] == b"\xff\xd8\xff"),
    ("image/png", ".png", lambda head: head[:8] == b"\x89PNG\r\n\x1a\n"),
    ("image/webp", ".webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """``(content_type, extension)`` of an image from its magic bytes, else ``None``."""
    for content_type, extension, matches in _TYPES:
        if matches(head):
            return content_type, extension
    return None


def upload_url(upload_id: str) -> str:
    return f"{bp.url_prefix}/{upload_id}"


def _folder(community_id: str) -> Path:
    return services().config.data_path / "uploads" / community_id


@endpoint(bp, "", ("POST",), summary="Upload a photo (JPEG, PNG or WebP) for a report", status=201)
def upload():
    actor = current_actor()
    svc = services()
    file = request.files.get("file")
    if file is None:
        raise BadRequest("error.upload_missing")
    limit = svc.config.max_upload_bytes
    try:
        data = file.stream.read(limit + 1)
    finally:
        file.close()  # large parts are spooled to a temporary file: release it now
    if len(data) > limit:
        raise TooLarge("error.upload_too_large", megabytes=round(limit / 1024 / 1024, 1))
    kind = sniff(data[:16])
    if not data or kind is None:
        raise UnsupportedMedia("error.upload_type")
    quota = svc.key("uploads", "hour", actor.id)
    used = svc.redis.incr(quota)
    if used == 1:
        svc.redis.expire(quota, 3600)
    if used > PER_HOUR:
        raise RateLimited("error.upload_quota", limit=PER_HOUR)
    content_type, extension = kind
    upload_id = clock.new_id("u")
    folder = _folder(actor.community_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{upload_id}{extension}"
    path.write_bytes(data)
    doc = {"_id": upload_id, "community_id": actor.community_id, "owner_id": actor.id,
           "content_type": content_type, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
           "file": path.name, "created_at": clock.now_iso()}
    svc.store.collection("uploads").insert(doc)
    return {"id": upload_id, "content_type": content_type, "size": len(data), "url": upload_url(upload_id)}


@bp.get("/<upload_id>")
def download(upload_id):
    """The photo itself, for its owner and the community's staff (a file, not JSON, so it
    bypasses :func:`core.api.endpoint`, which only answers JSON; authentication is the same)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    actor = auth.authenticate(services(), token.strip() if scheme.lower() == "bearer" else None)
    doc = services().store.collection("uploads").get(upload_id)
    if doc is None or doc.get("community_id") != actor.community_id or not (
            doc.get("owner_id") == actor.id or actor.is_staff):
        raise NotFound("error.not_found")
    path = _folder(doc["community_id"]) / doc["file"]
    if not path.is_file():
        raise NotFound("error.not_found")
    return send_file(path, mimetype=doc["content_type"], max_age=3600)
