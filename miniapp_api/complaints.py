"""Complaints (投诉) API: the shared case routes plus the category list and the settings.

``POST /api/v1/complaints`` (residents; ``Idempotency-Key``), ``GET`` (the complainant's
own, or the queue of the level a handler works; ``?state=&cursor=&limit=``),
``GET /<id>``, ``POST /<id>/<action>`` (accept, reply, rate, confirm, reopen, withdraw,
urge), ``GET /categories`` and ``GET|PUT /settings``.
"""
from __future__ import annotations

from typing import Annotated

from flask import Blueprint
from pydantic import Field

from core import i18n
from core.api import current_actor, endpoint, locale, services
from core.roles import ADMIN, OWNER, RESIDENT, STREET_OFFICE
from workflows.complaint import SERVICE
from workflows.complaint.policy import CATEGORIES, HANDLER_ROLES, policy_for
from workflows.complaint.schemas import MAX_PHOTOS, ComplaintIn, ComplaintSettingsIn

from .cases import ActionBody, register_case_routes, register_settings_routes
from .uploads import upload_url

bp = Blueprint("complaints", __name__, url_prefix="/api/v1/complaints")


class ComplaintAction(ActionBody):
    """A reply (``note`` is its text) may carry photos the handler uploaded."""

    photos: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list,
                                                                          max_length=MAX_PHOTOS)


def _present(view: dict) -> dict:
    here = locale()
    view["category_label"] = i18n.translate(f"complaint.category.{view['category']}", here)
    view["handler_label"] = i18n.translate(f"complaint.level.{view['handler_role']}", here)
    view["photos"] = [{"id": upload_id, "url": upload_url(upload_id)} for upload_id in view.get("photos", [])]
    for reply in view.get("replies", []):
        reply["photos"] = [{"id": upload_id, "url": upload_url(upload_id)} for upload_id in reply.get("photos", [])]
    return view


@endpoint(bp, "/categories", ("GET",), summary="Complaint categories and the level each goes to here")
def categories():
    here = locale()
    routing = policy_for(services().store, current_actor().community_id).routing
    return {"items": [{"code": code, "label": i18n.translate(f"complaint.category.{code}", here),
                       "handler_role": routing[code],
                       "handler_label": i18n.translate(f"complaint.level.{routing[code]}", here)}
                      for code in CATEGORIES]}


# the street office (which both levels answer to) or community IT decides who handles what
register_settings_routes(bp, SERVICE, ComplaintSettingsIn, read_roles=HANDLER_ROLES | {ADMIN},
                         write_roles={STREET_OFFICE, ADMIN})
register_case_routes(bp, SERVICE, create_body=ComplaintIn, create_roles={RESIDENT, OWNER},
                     action_body=ComplaintAction, present=_present)
