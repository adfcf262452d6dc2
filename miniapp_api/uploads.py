"""Photo uploads for cases: ``POST /api/v1/uploads`` (multipart field ``file``) and
``GET /api/v1/uploads/<id>``. Checking and storing the file is :mod:`core.uploads`."""
from __future__ import annotations

from flask import Blueprint, request, send_file

from core import uploads
from core.api import current_actor, endpoint, services
from core.errors import BadRequest
from core.openapi import multipart_file

bp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads")


def upload_url(upload_id: str) -> str:
    return f"{bp.url_prefix}/{upload_id}"


@endpoint(bp, "", ("POST",), summary="Upload a photo (JPEG, PNG or WebP) for a report", status=201,
          accepts={"multipart/form-data": multipart_file("a JPEG, PNG or WebP photo")})
def upload():
    file = request.files.get("file")
    if file is None:
        raise BadRequest("error.upload_missing")
    try:
        data = uploads.read_capped(file.stream, services().config)
    finally:
        file.close()  # large parts are spooled to a temporary file: release it now
    doc = uploads.save(services(), current_actor(), data)
    return {"id": doc["_id"], "content_type": doc["content_type"], "size": doc["size"], "url": upload_url(doc["_id"])}


@endpoint(bp, "/<upload_id>", ("GET",), summary="A photo, for its owner and the community's staff",
          produces="image/*", other_statuses={304: "Not modified (If-None-Match, If-Modified-Since)"})
def download(upload_id):
    doc, path = uploads.open_for(services(), current_actor(), upload_id)
    return send_file(path, mimetype=doc["content_type"], max_age=3600)
