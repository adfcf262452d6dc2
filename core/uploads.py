"""Photos attached to cases: checked, stored and recorded once, for every channel.

The mini-program posts a file (``miniapp_api.uploads``); the bot fetches a chat photo
from WeChat; both hand the bytes to :func:`save`. The type is decided by the first bytes
(JPEG, PNG, WebP), never by a file name or a client's Content-Type; anything else is
refused, as is a file over ``LINLI_MAX_UPLOAD_BYTES`` or a person's upload beyond the
hourly quota. Files live under ``LINLI_DATA_DIR/uploads/<community>/``, each recorded in
the ``uploads`` collection with its owner, so a report can only attach photos its reporter
uploaded. No web framework here: the bot imports this module too.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from . import clock
from .errors import NotFound, RateLimited, TooLarge, UnsupportedMedia, ValidationFailed
from .roles import Actor

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


def folder(config, community_id: str) -> Path:
    """Where a community's files live."""
    return config.data_path / "uploads" / community_id


def read_capped(stream: BinaryIO, config) -> bytes:
    """Read at most one byte more than the limit, so an oversized file is recognised by
    :func:`save` without reading all of it into memory."""
    return stream.read(config.max_upload_bytes + 1)


def save(services, actor: Actor, data: bytes) -> dict:
    """Check and store an image ``actor`` uploads in their community; returns the
    ``uploads`` record (``_id``, ``content_type``, ``size``...).

    413 over the size limit, 415 for anything but JPEG/PNG/WebP (an empty file included),
    429 beyond :data:`PER_HOUR` uploads by the same person; 422 for a caller with no
    community (a resident not yet bound, the platform admin): there is nowhere to file it.
    """
    if not actor.community_id:
        raise ValidationFailed("error.community_required")
    limit = services.config.max_upload_bytes
    if len(data) > limit:
        raise TooLarge("error.upload_too_large", megabytes=round(limit / 1024 / 1024, 1))
    kind = sniff(data[:16])
    if not data or kind is None:
        raise UnsupportedMedia("error.upload_type")
    _count_against_quota(services, actor)
    content_type, extension = kind
    upload_id = clock.new_id("u")
    target = folder(services.config, actor.community_id)
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{upload_id}{extension}"
    path.write_bytes(data)
    doc = {"_id": upload_id, "community_id": actor.community_id, "owner_id": actor.id,
           "content_type": content_type, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
           "file": path.name, "created_at": clock.now_iso()}
    services.store.collection("uploads").insert(doc)
    return doc


def _count_against_quota(services, actor: Actor) -> None:
    quota = services.key("uploads", "hour", actor.id)
    used = services.redis.incr(quota)
    if used == 1:
        services.redis.expire(quota, 3600)
    if used > PER_HOUR:
        raise RateLimited("error.upload_quota", limit=PER_HOUR)


def open_for(services, actor: Actor, upload_id: str) -> tuple[dict, Path]:
    """The record and file of an upload its owner or the community's staff may see;
    anything else (another community's, a neighbour's, a missing file) is a 404."""
    doc = services.store.collection("uploads").get(upload_id)
    if doc is None or doc.get("community_id") != actor.community_id or not (
            doc.get("owner_id") == actor.id or actor.is_staff):
        raise NotFound("error.not_found")
    path = folder(services.config, doc["community_id"]) / doc["file"]
    if not path.is_file():
        raise NotFound("error.not_found")
    return doc, path
