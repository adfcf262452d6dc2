"""The JSON channel: ``POST /api/v1/bot/messages`` for the mini-program's chat page and
voice-first clients (smart speakers, the large-font elderly mode).

``{"text": "..."}`` or ``{"voice_text": "<speech recognised on the device>"}`` and an
optional ``session`` (a client's own conversation, e.g. one per speaker) ->
``{"replies": [{"text", "buttons"?, "speak"?, "page"?}]}`` (``page``: a mini-program page
the reply suggests opening). Voice input asks for short, speakable replies. A tapped
button is sent back as ``text`` = its ``payload``.
"""
from __future__ import annotations

from flask import Blueprint, g, request
from pydantic import BaseModel, Field, model_validator

from core.api import current_actor, endpoint, services

from .. import pipeline
from ..codec import outbound_to_dict
from ..messages import TEXT, VOICE, InboundMessage

CHANNEL = "json"

bp = Blueprint("bot", __name__, url_prefix="/api/v1/bot")


class BotMessage(BaseModel):
    text: str | None = Field(None, max_length=pipeline.MAX_CHARS)
    voice_text: str | None = Field(None, max_length=pipeline.MAX_CHARS)
    session: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    @model_validator(mode="after")
    def one_of_text_or_voice(self) -> "BotMessage":
        if (self.text is None) == (self.voice_text is None):
            raise ValueError("send exactly one of text and voice_text")
        return self


class ButtonOut(BaseModel):
    title: str
    payload: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[ButtonOut] | None = None
    speak: str | None = None
    page: str | None = None          # a mini-program page the reply suggests opening


class BotReplies(BaseModel):
    replies: list[ReplyOut]


@endpoint(bp, "/messages", ["POST"], summary="Talk to the bot", body=BotMessage, response=BotReplies,
          idempotent=True)
def post_message(body: BotMessage):
    actor = current_actor()
    voice = body.voice_text is not None
    user_key = actor.id + (f"#{body.session}" if body.session else "")
    # the app's language when the client says one, else the person's own
    locale = g.locale if request.headers.get("Accept-Language") else actor.locale
    inbound = InboundMessage(channel=CHANNEL, user_key=user_key, kind=VOICE if voice else TEXT,
                             text=(body.voice_text if voice else body.text) or "", person_id=actor.id,
                             community_id=actor.community_id, voice=voice, locale=locale)
    replies = pipeline.handle(services(), inbound)
    return {"replies": [_shape(outbound_to_dict(reply)) for reply in replies]}


def _shape(reply: dict) -> dict:
    shaped = {key: value for key, value in reply.items() if key in ("text", "buttons", "speak")}
    if reply.get("miniprogram"):
        shaped["page"] = reply["miniprogram"]["pagepath"]
    return shaped
