"""The NLU as a service for staff tools: see how Linli reads a resident's message."""
from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

import nlu
from core.api import endpoint
from core.roles import STAFF_ROLES

bp = Blueprint("nlu", __name__, url_prefix="/api/v1/nlu")

# the bot truncates messages for the NLU at the same length
MAX_TEXT = 300


class ParseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    locale: Literal["zh_CN", "en"] = "zh_CN"


@endpoint(bp, "/parse", ("POST",), summary="Parse a message (intent, entities, safety net), staff and admins only",
          body=ParseBody, roles=STAFF_ROLES)
def parse(body: ParseBody):
    return nlu.parse(body.text, locale=body.locale)
