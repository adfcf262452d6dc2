"""Chat photos made into uploads, so a case's ``photos`` holds them as it holds the
mini-program's.

A photo sent on the official account arrives as a media id (and a ``PicUrl``). When the
report is submitted, the photo is fetched through WeChat's temporary-media API
(``cgi-bin/media/get`` with the shared access token, :mod:`core.wechat`) and stored by
:func:`core.uploads.save` as the reporter's own upload — type sniffed, size limit and
hourly quota applied — which is what the repair and complaint services accept.

What cannot be fetched stays a link in the description, so a photo is never lost on the
way: an expired media id (WeChat keeps them three days), a file that is not a JPEG, PNG or
WebP image or is over ``LINLI_MAX_UPLOAD_BYTES``, the quota, WeChat unreachable, or the
turn's time budget used up. Photos of other channels are never fetched: their URL comes
from the client, and the server must not fetch addresses a client chose.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import requests

from core import uploads
from core.roles import Actor
from core.wechat import wechat_client

log = logging.getLogger("linli.bot.photos")

FETCHED_CHANNELS = frozenset({"wechat_oa"})
BUDGET_SECONDS = 3.0     # for all the photos of one report: WeChat wants the whole reply within 5 s
MIN_TIMEOUT = 0.5        # less time than this left: keep the rest as links rather than time out
MARK = "[照片 photos]"


@dataclass
class Attached:
    """A report's chat photos: ``ids`` stored as uploads, ``links`` for the rest."""

    ids: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def attach(services, actor: Actor, photos: list[dict]) -> Attached:
    """Store each chat photo as ``actor``'s upload where possible (see the module doc).

    The upload id is written back into the photo (``upload_id``): the photos are the
    form's slot, so a submission the service refused and the person confirms again does
    not fetch and store the same photo twice."""
    attached = Attached()
    deadline = time.monotonic() + BUDGET_SECONDS
    for photo in photos:
        left = deadline - time.monotonic()
        upload_id = photo.get("upload_id")
        if (not upload_id and photo.get("channel") in FETCHED_CHANNELS and photo.get("media_id")
                and left >= MIN_TIMEOUT):
            upload_id = photo["upload_id"] = _fetch(services, actor, photo["media_id"], left)
        if upload_id:
            attached.ids.append(upload_id)
        else:
            attached.links.append(photo.get("url") or f"{photo.get('channel')}:{photo.get('media_id')}")
    return attached


def describe(text: str, attached: Attached) -> str:
    """The person's words, plus where the photos that could not be stored are."""
    return text if not attached.links else f"{text}\n{MARK} " + " ".join(attached.links)


def _fetch(services, actor: Actor, media_id: str, timeout: float) -> str | None:
    try:
        answer = wechat_client(services).get("media/get", params={"media_id": media_id}, timeout=timeout)
        if not isinstance(answer, requests.Response):   # JSON instead of a file: a video's address
            log.warning("media %s is not a file; kept as a link", media_id)
            return None
        return uploads.save(services, actor, answer.content)["_id"]
    except Exception:  # whatever went wrong, the report goes in with the link
        log.warning("chat photo %s could not be stored; kept as a link", media_id, exc_info=True)
        return None
