"""What the bot does for each intent outside the forms, and for emergencies always.

Each handler answers one turn into ``turn.reply`` and records its action name. They
never start or drive a form (that is :mod:`.formflow`), so a form can call them for a
question asked in passing ("我的报修到哪了" in the middle of a new report) and then
repeat its own question.
"""
from __future__ import annotations

import logging

from ..actions import cases as case_actions
from ..actions import handoff
from ..actions.emergency import raise_emergency
from .turn import Turn

log = logging.getLogger("linli.bot")

# mini-program pages a reply can open (the channel renders them as a mini-program link)
PAGES = {"bind": "pages/house/bind", "vote": "pages/vote/index", "volunteer": "pages/volunteer/index",
         "cases": "pages/cases/index"}
MENU_BUTTONS = (("bot.button.repair", "/repair_request"), ("bot.button.complaint", "/complaint"),
                ("bot.button.status", "/ticket_status"))
STATUS_LINES, STATUS_LINES_ELDERLY = 5, 3


def link(turn: Turn, page: str) -> None:
    """Point the reply at a mini-program page (channels that can render one do)."""
    turn.reply.meta["miniprogram"] = {"appid": turn.services.config.wechat_appid, "pagepath": PAGES[page]}


# ---- emergency -------------------------------------------------------------------------------

def emergency(turn: Turn) -> None:
    """Act at once: store and page, then ONE reply — help is coming, call 120/119."""
    tracker = turn.tracker
    turn.act("raise_emergency")
    try:
        raised = raise_emergency(turn.services, turn.person, turn.inbound, turn.parse,
                                 previous=tracker.emergency)
    except Exception:  # the store is down: the person must still be told to call for help
        log.critical("emergency could not be stored for %s/%s", turn.inbound.channel, turn.inbound.user_key,
                     exc_info=True)
        turn.reply.say("bot.emergency.not_stored")
        return
    tracker.emergency = raised
    tracker.handoff_id = raised["handoff_id"]   # once the duty room takes it, what they write reaches them
    if tracker.form:
        tracker.end_form()  # whatever was being reported can wait; nobody should be asked about it now
    tracker.pending = None
    turn.reply.meta["emergency"] = raised
    if not raised.get("paged"):  # stored, but nobody on duty anywhere: never say that help is coming
        turn.reply.say("bot.emergency.nobody_paged")
    else:
        turn.reply.say("bot.emergency.raised" if turn.known else "bot.emergency.raised_unknown")


# ---- people the bot cannot act for -------------------------------------------------------------

def unknown_person(turn: Turn, greet: bool = False) -> None:
    turn.act("explain_binding")
    if greet:
        turn.reply.say("bot.greet.unknown")
    turn.reply.say("bot.unknown.bind")
    link(turn, "bind")


# ---- simple intents ----------------------------------------------------------------------------

def greet(turn: Turn) -> None:
    turn.act("greet")
    name = (turn.person or {}).get("name", "")
    turn.reply.say("bot.greet", name=name)


def menu(turn: Turn) -> None:
    """What the bot can do, as three buttons (within elderly mode's limit)."""
    turn.ask("bot.ask.menu", MENU_BUTTONS)


def _answer(action: str, key: str, page: str | None = None):
    """A policy that says one thing (and may point at a mini-program page)."""
    def policy(turn: Turn) -> None:
        turn.act(action)
        turn.reply.say(key)
        if page:
            link(turn, page)
    return policy


thanks = _answer("thanks", "bot.thanks")
goodbye = _answer("goodbye", "bot.goodbye")
out_of_scope = _answer("out_of_scope", "bot.out_of_scope")
# the IoT layer is a later issue: say so instead of guessing
device_status = _answer("device_status_unavailable", "bot.device_status.not_connected")
# no voting or volunteer workflow yet: nothing is open; the mini-program is where they will be
vote = _answer("vote_info", "bot.vote.none_open", "vote")
volunteer = _answer("volunteer_info", "bot.volunteer.none_open", "volunteer")


def nothing_pending(turn: Turn, intent: str) -> None:
    """A "yes", "no" or "cancel" with no question waiting means nothing on its own."""
    turn.act(f"{intent}_without_question")
    turn.reply.say(f"bot.{intent}.nothing")


def ticket_status(turn: Turn) -> None:
    turn.act("list_open_cases")
    rows = case_actions.open_cases(turn.services, turn.person)
    if not rows:
        turn.reply.say("bot.status.none")
        return
    shown = rows[: STATUS_LINES_ELDERLY if turn.elderly else STATUS_LINES]
    turn.reply.say("bot.status.header", count=len(rows))
    for row in shown:
        turn.reply.say("bot.status.line", number=row["number"],
                       kind=turn.words(f"bot.kind.{row['workflow']}"),
                       state=turn.words(f"bot.status.{row['workflow']}.{row['state']}"))
    if len(rows) > len(shown):
        turn.reply.say("bot.status.more", count=len(rows) - len(shown))
    link(turn, "cases")


def human_agent(turn: Turn, reason: str = "asked", summary: dict | None = None) -> None:
    """Open a hand-off the desk sees on WeCom (one per conversation while it is open)."""
    if not turn.community_id:
        unknown_person(turn)
        return
    turn.act("handoff")
    doc, created = handoff.open_handoff(turn.services, turn.person if turn.known else None, turn.inbound,
                                        reason=reason, summary=summary)
    turn.tracker.handoff_id = doc["_id"]
    turn.reply.say("bot.handoff.opened" if created else "bot.handoff.already")


SIMPLE = {"greet": greet, "thanks": thanks, "goodbye": goodbye, "out_of_scope": out_of_scope,
          "device_status": device_status, "vote": vote, "volunteer": volunteer,
          "ticket_status": ticket_status}
# asked in passing during a form: answered, then the form's question is repeated
SIDE_INTENTS = frozenset({"greet", "thanks", "goodbye", "device_status", "vote", "volunteer",
                          "ticket_status"})
