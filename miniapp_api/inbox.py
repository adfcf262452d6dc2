"""The caller's inbox and subscribe-message consents: ``/api/v1/inbox``, ``/api/v1/consents``.

``GET /inbox`` answers ``{"items", "next_cursor", "unread": N}`` (``?unread=1``: unread only).
"""
from __future__ import annotations

from typing import Annotated

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.api import Cursor, current_actor, endpoint, page_response, services
from notifications import miniapp, reading

bp = Blueprint("inbox", __name__, url_prefix="/api/v1")

TemplateId = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Cursor | None = None
    unread: bool = Field(default=False, description="1: only notifications not yet read")


class ConsentReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    templates: list[TemplateId] = Field(min_length=1, max_length=20, description=(
        "platform template ids the user accepted in wx.requestSubscribeMessage; each id is one message"))


@endpoint(bp, "/inbox", summary="My notifications, newest first, and how many are unread", query=InboxQuery)
def list_inbox(query: InboxQuery):
    store, actor = services().store, current_actor()
    found = reading.list_inbox(store, actor, query.limit, query.cursor, unread_only=query.unread)
    return {**page_response(found, reading.present), "unread": reading.unread_count(store, actor)}


@endpoint(bp, "/inbox/<notification_id>/read", ("POST",), summary="Mark one of my notifications read")
def mark_read(notification_id: str):
    return reading.present(reading.mark_read(services().store, current_actor(), notification_id))


@endpoint(bp, "/consents/templates", summary="Subscribe-message template ids per Linli notification")
def consent_templates():
    """What the mini-program passes to wx.requestSubscribeMessage before each stage."""
    return {"templates": miniapp.platform_template_ids(services().config)}


@endpoint(bp, "/consents", ("POST",), summary="Report subscribe-message acceptances", body=ConsentReport)
def report_consents(body: ConsentReport):
    return miniapp.record_acceptances(services(), current_actor(), body.templates)
