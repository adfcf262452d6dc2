"""``linli chat``: talk to the bot from a terminal, through the same pipeline as WeChat.

You are the person with the given openid (default: the demo resident of ``linli seed-demo``).
Type a message; ``1``/``2``/... presses a button of the last answer; ``/voice <text>`` sends
the text as if spoken (short, speakable answers); ``/quit`` (or Ctrl-D) ends.
"""
from __future__ import annotations

import sys
from typing import TextIO

from core.directory.people import find_person_by_openid

from .. import pipeline
from ..messages import TEXT, VOICE, InboundMessage, OutboundMessage

CHANNEL = "terminal"
DEMO_OPENID = "o-demo-resident"


def chat(services, openid: str | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Run the conversation until end of input; returns the exit status."""
    openid = openid or DEMO_OPENID
    person = find_person_by_openid(services.store, openid)
    if person is None and openid == DEMO_OPENID:
        print("No demo resident here: run `linli seed-demo` first, or pass --as <openid>.", file=stdout)
        return 1
    who = person.get("name", openid) if person else f"{openid} (not bound to any house)"
    print(f"linli chat as {who}. /voice <text> speaks, /quit ends.", file=stdout, flush=True)
    buttons: list = []
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        voice = line == "/voice" or line.startswith("/voice ")
        text = line[len("/voice"):].strip() if voice else line
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1].payload
        inbound = InboundMessage(channel=CHANNEL, user_key=openid, kind=VOICE if voice else TEXT, text=text,
                                 voice=voice, person_id=(person or {}).get("_id"),
                                 community_id=(person or {}).get("community_id"),
                                 locale=(person or {}).get("locale"))
        replies = pipeline.handle(services, inbound)
        buttons = [b for reply in replies for b in reply.buttons]
        print(render(replies), file=stdout, flush=True)
    return 0


def render(replies: list[OutboundMessage]) -> str:
    if not replies:
        return "bot: (no answer)"
    lines = []
    number = 0
    for reply in replies:
        lines.append(f"bot: {reply.text}")
        if reply.link:
            lines.append(f"     {reply.link}")
        page = (reply.meta or {}).get("miniprogram")
        if page:
            lines.append(f"     (mini-program page {page.get('pagepath')})")
        for button in reply.buttons:
            number += 1
            lines.append(f"     [{number}] {button.title}")
    return "\n".join(lines)
