"""Repairs (报修) API: the shared case routes plus the category catalogue and settings."""
from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.api import endpoint, locale
from core.roles import ADMIN, DISPATCHER, MANAGER
from workflows.dispatch import MODES
from workflows.repair import SERVICE
from workflows.repair.catalogue import CATEGORY_CODES, MAX_DESCRIPTION, MAX_PHOTOS, MAX_PLACE, PRIORITIES, \
    service_definitions
from workflows.repair.machine import REPORT_ROLES

from .cases import register_case_routes, register_settings_routes
from .uploads import upload_url

bp = Blueprint("repairs", __name__, url_prefix="/api/v1/repairs")

Category = Literal[CATEGORY_CODES]
Mode = Literal[MODES]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["home", "public"]
    house_id: str | None = Field(None, min_length=1, max_length=64)
    place_id: str | None = Field(None, min_length=1, max_length=64)
    place: str | None = Field(None, max_length=MAX_PLACE)


class TimeWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: AwareDatetime
    end: AwareDatetime


class RepairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Category
    location: Location
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    photos: list[str] = Field(default_factory=list, max_length=MAX_PHOTOS)
    preferred_window: TimeWindow | None = None
    contact_phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 \-]{4,19}$")


class RepairSettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_mode: Mode | None = None
    modes: dict[Category, Mode] | None = None
    cap: int | None = Field(None, ge=1, le=50)
    auto_close_days: int | None = Field(None, ge=1, le=30)
    version: int | None = Field(None, ge=0)


def _present(view: dict) -> dict:
    view["photos"] = [{"id": upload_id, "url": upload_url(upload_id)} for upload_id in view.get("photos", [])]
    return view


@endpoint(bp, "/categories", ("GET",), summary="Repair categories and intake forms (Open311-style)", public=True)
def categories():
    table = [{"priority": p.name, "respond_minutes": int(p.respond.total_seconds() // 60),
              "complete_hours": int(p.complete.total_seconds() // 3600)} for p in PRIORITIES.values()]
    return {"items": service_definitions(locale()), "priorities": table}


register_settings_routes(bp, SERVICE, RepairSettingsBody, read_roles={DISPATCHER, MANAGER, ADMIN},
                         write_roles={MANAGER, ADMIN})
register_case_routes(bp, SERVICE, create_body=RepairCreate, create_roles=REPORT_ROLES, present=_present)
