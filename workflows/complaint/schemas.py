"""What a complaint may carry, declared once: the API validates request bodies with these
models and :meth:`~workflows.complaint.service.ComplaintService.prepare` validates the bot's
dicts with the same ones, so both channels are held to the same rules."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from .policy import CATEGORIES, LADDER, MAX_AUTO_CLOSE_DAYS, MAX_SLA_HOURS

Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Level = Literal[LADDER]  # type: ignore[valid-type]
Hours = Annotated[StrictInt, Field(ge=1, le=MAX_SLA_HOURS)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
MAX_PHOTOS = 9
Photos = Annotated[list[Id], Field(max_length=MAX_PHOTOS)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlaceIn(_Strict):
    """Where the problem is: a house (``house_id``: a neighbour's flat, or one's own), or a
    public place (``place_id`` of a registered place such as 北门, or a free ``name``)."""

    kind: Literal["house", "public"]
    house_id: Id | None = None
    place_id: Id | None = None
    name: Annotated[str, Field(min_length=1, max_length=60)] | None = None

    @model_validator(mode="after")
    def _one_location(self):
        if self.kind == "house" and (not self.house_id or self.place_id or self.name):
            raise ValueError("a house needs house_id (and nothing else)")
        if self.kind == "public" and (self.house_id or not (self.place_id or self.name)):
            raise ValueError("a public place needs place_id or name")
        return self


class ComplaintIn(_Strict):
    category: Category
    description: Annotated[str, Field(min_length=2, max_length=2000)]
    place: PlaceIn
    photos: Photos = []
    anonymous: StrictBool = False
    contact_phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 \-]{4,19}$")] | None = None


class SlaIn(_Strict):
    accept_hours: Hours | None = None
    reply_hours: Hours | None = None


class ComplaintSettingsIn(_Strict):
    """A community's complaint settings. ``routing`` and ``sla`` replace the stored
    overrides as a whole (categories and levels left out follow the defaults)."""

    routing: dict[Category, Level] | None = None
    sla: dict[Level, SlaIn] | None = None
    auto_close_days: Annotated[StrictInt, Field(ge=1, le=MAX_AUTO_CLOSE_DAYS)] | None = None
    version: Annotated[StrictInt, Field(ge=0)] | None = None
