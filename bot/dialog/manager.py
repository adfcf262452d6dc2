"""The dialog manager: one inbound message in, the replies out.

Order of decisions in a turn (:meth:`DialogManager.handle`):

1. load the tracker (an expired form is announced, then forgotten);
2. events (subscribe, menu clicks), photos, shared locations and voice that WeChat could
   not recognise are handled by kind;
3. a pressed button ("/affirm") or a bare "1"/"第二个" naming an offered button becomes
   that button's payload; "没听清 / 啊？" repeats the last reply;
4. the NLU parses the text; **an emergency is acted on before and regardless of anything
   in progress**;
5. someone the bot cannot act for (no community) is told how to bind a house;
6. a form in progress takes the turn (:mod:`.formflow`); otherwise the intent's policy.

The tracker is saved after every turn, whatever happened, under a per-conversation lock
so two quick messages from one person are taken one after the other.
"""
from __future__ import annotations

import logging
from typing import Callable

from core import clock, i18n

from .. import pipeline
from ..actions import emergency as emergency_action
from ..actions import handoff, people
from ..messages import EVENT, IMAGE, LOCATION, VOICE, InboundMessage, OutboundMessage
from . import formflow, policies, understand
from .elderly import elderly_mode
from .forms import FORM_OF_INTENT
from .replies import Reply
from .tracker import TrackerStore
from .turn import Turn

log = logging.getLogger("linli.bot")
MAX_TEXT = 1000
MAX_PHOTOS = 9
LOW_CONFIDENCE = 0.35
INTENTS = frozenset({"emergency", "repair_request", "complaint", "help_request", "vote", "volunteer",
                     "device_status", "ticket_status", "greet", "thanks", "goodbye", "affirm", "deny",
                     "cancel", "human_agent", "out_of_scope"})
PAYLOADS = INTENTS | {"change", "continue"}
PHOTO_BUTTONS = (("bot.button.repair", "/repair_request"), ("bot.button.complaint", "/complaint"))


def _nlu_parse(text: str, locale: str) -> dict:
    import nlu  # imported on first use: the model is trained or loaded then, not at app start

    return nlu.parse(text, locale=locale)


class DialogManager:
    """``handle(inbound) -> [OutboundMessage]``; one instance per process is enough.

    ``parse`` replaces the NLU (unit tests); the inactivity timeout comes from
    ``timeout_seconds``, else ``LINLI_DIALOG_TIMEOUT`` (30 minutes unless set).
    """

    def __init__(self, services, parse: Callable[[str, str], dict] | None = None,
                 timeout_seconds: int | None = None):
        self.services = services
        self.parse = parse or _nlu_parse
        self.trackers = TrackerStore(services, timeout_seconds)

    def handle(self, inbound: InboundMessage) -> list[OutboundMessage]:
        lock = self.trackers.lock(inbound.channel, inbound.user_key)
        try:
            acquired = lock.acquire()
        except Exception:  # Redis trouble must not keep an answer (or an emergency) from happening
            log.warning("dialog lock unavailable for %s/%s", inbound.channel, inbound.user_key, exc_info=True)
            acquired = False
        try:
            return self._handle(inbound)
        finally:
            if acquired:
                try:
                    lock.release()
                except Exception:  # expired while we worked: nothing to release
                    log.info("dialog lock for %s/%s had expired", inbound.channel, inbound.user_key)

    # -- one turn ------------------------------------------------------------------------------------
    def _handle(self, inbound: InboundMessage) -> list[OutboundMessage]:
        tracker = self.trackers.load(inbound.channel, inbound.user_key)
        person = people.person_of(self.services, inbound)
        locale = i18n.negotiate(None, (person or {}).get("locale") or inbound.locale or tracker.locale
                                or self.services.config.default_locale)
        elderly = elderly_mode(person, inbound.voice or inbound.kind == VOICE)
        turn = Turn(self.services, inbound, tracker, person, locale, elderly, clock.now(),
                    Reply(locale, elderly), text=(inbound.text or "").strip()[:MAX_TEXT],
                    whole_text=pipeline.full_text(self.services, inbound))
        tracker.person_id, tracker.community_id = (person or {}).get("_id"), turn.community_id
        tracker.locale = locale
        tracker.last_actions = []
        if inbound.kind == EVENT and (inbound.event or "").lower() == "unsubscribe":
            self.trackers.reset(inbound.channel, inbound.user_key)
            return []
        try:
            self._route(turn)
        except Exception:  # a bug must not leave the person without an answer
            log.exception("dialog turn failed for %s/%s", inbound.channel, inbound.user_key)
            turn.reply = Reply(locale, elderly)
            turn.reply.say("bot.error")
        self._remember(turn)
        turn.reply.meta.setdefault("intent", tracker.last_intent)
        return turn.reply.render()

    def _remember(self, turn: Turn) -> None:
        tracker = turn.tracker
        tracker.turns += 1
        if not turn.reply.empty:
            tracker.last_prompt = turn.reply.question
            tracker.buttons = [button.payload for button in turn.reply.buttons]
            tracker.last_said = turn.reply.said
        self.trackers.save(tracker)

    def _route(self, turn: Turn) -> None:
        inbound, tracker = turn.inbound, turn.tracker
        if inbound.kind == EVENT:
            if not self._event(turn):
                return
        elif inbound.kind == IMAGE:
            self._photo(turn)
            return
        elif inbound.kind == LOCATION:
            self._location(turn)
            return
        if not turn.text:
            if inbound.kind == VOICE or inbound.voice:  # WeChat heard something it could not transcribe
                turn.act("voice_unrecognised")
                turn.reply.say("bot.voice.unrecognised")
                formflow.repeat(turn)
            return
        self._read_buttons(turn)
        said_before = tracker.last_prompt or tracker.last_said
        if turn.payload is None and said_before and understand.wants_repeat(turn.text):
            self._repeat(turn)
            return
        if turn.parse is None:
            turn.parse = self.parse(turn.text, turn.locale)
        tracker.last_intent = understand.intent(turn.parse)
        turn.reply.meta["parse"] = turn.parse
        if understand.is_emergency(turn.parse):
            tracker.last_intent = "emergency"
            policies.emergency(turn)
            return
        if tracker.expired_form:
            minutes = int(self.trackers.timeout.total_seconds() // 60)
            turn.reply.say(f"bot.session.expired.{tracker.expired_form}", minutes=minutes)
        if self._with_staff(turn):
            return
        if not turn.known:
            self._unknown(turn)
        elif tracker.form:
            formflow.handle(turn)
        else:
            self._intent(turn)

    def _with_staff(self, turn: Turn) -> bool:
        """While a staff member holds this conversation's hand-off, what the person writes
        goes to them (the channels relay their answers back) and the bot steps aside. For
        minutes after an emergency, every word (the address, "在卫生间") goes to the duty room."""
        tracker = turn.tracker
        doc = handoff.still_open(self.services, tracker.handoff_id) if tracker.handoff_id else None
        if doc is None:
            tracker.handoff_id = None
            return False
        if doc.get("staff_id"):
            key, params = "bot.handoff.forwarded", {"name": doc.get("staff_name", "")}
        elif doc.get("kind") == handoff.EMERGENCY and emergency_action.recent(tracker.emergency):
            # words for nobody (no one on duty anywhere) must not sound like help is on the way
            key = "bot.emergency.update_sent" if doc.get("paged") else "bot.emergency.nobody_paged"
            params = {}
        else:
            return False  # nobody has taken it yet: the bot goes on helping meanwhile
        handoff.pass_on(self.services, doc, turn.inbound, turn.own_words())
        turn.act("pass_on_to_staff")
        turn.reply.say(key, **params)
        return True

    def _intent(self, turn: Turn) -> None:
        name = understand.intent(turn.parse)
        if understand.confidence(turn.parse) < LOW_CONFIDENCE and turn.payload is None:
            name = "out_of_scope"
        form = FORM_OF_INTENT.get(name)
        if form is not None:
            formflow.start(turn, form)
        elif name == "human_agent":
            policies.human_agent(turn)
        elif name in ("affirm", "deny", "cancel"):
            policies.nothing_pending(turn, name)
        elif name in ("greet", "out_of_scope") or name not in policies.SIMPLE:
            policies.SIMPLE.get(name, policies.out_of_scope)(turn)
            policies.menu(turn)
        else:
            policies.SIMPLE[name](turn)

    def _unknown(self, turn: Turn) -> None:
        name = understand.intent(turn.parse)
        if name == "human_agent" and turn.community_id:
            policies.human_agent(turn)
        else:
            policies.unknown_person(turn, greet=name == "greet")

    # -- buttons and repeats ---------------------------------------------------------------------------
    def _read_buttons(self, turn: Turn) -> None:
        """A payload ("/affirm"), or "2" / "第二个" naming one of the buttons just offered."""
        text = turn.text
        if not text.startswith("/") and turn.tracker.buttons:
            index = understand.choice(text, len(turn.tracker.buttons))
            if index is not None:
                text = turn.tracker.buttons[index]
                turn.text = text
        if text.startswith("/"):
            name, _, arg = text[1:].partition(":")
            if name in PAYLOADS:
                turn.payload, turn.payload_arg = name, arg or None
                intent = {"name": name if name in INTENTS else None, "confidence": 1.0}
                turn.parse = {"text": text, "intent": intent, "intent_ranking": [], "entities": []}

    def _repeat(self, turn: Turn) -> None:
        turn.act("repeat")
        for key, params in turn.tracker.last_said:
            turn.reply.say(key, **params)
        formflow.repeat(turn)

    # -- messages that are not text --------------------------------------------------------------------
    def _event(self, turn: Turn) -> bool:
        """Handles subscribe; a menu click continues as text (returns True)."""
        event = (turn.inbound.event or "").lower()
        if event == "subscribe":
            turn.act("welcome")
            turn.reply.say("bot.welcome")
            if turn.known:
                policies.menu(turn)
            else:
                policies.unknown_person(turn)
            return False
        if event == "click" and turn.inbound.event_key:
            key = turn.inbound.event_key.strip()[:MAX_TEXT]
            # the menu names intents ("repair_request"); anything else is read like typed text
            turn.text = f"/{key}" if key in INTENTS else key
            return True
        return False

    def _photo(self, turn: Turn) -> None:
        tracker, inbound = turn.tracker, turn.inbound
        photo = {"channel": inbound.channel, "media_id": inbound.media_id, "url": inbound.image_url,
                 "at": clock.iso(turn.now)}
        if not turn.known:
            policies.unknown_person(turn)
            return
        turn.act("attach_photo")
        if tracker.form:
            photos = tracker.slots.setdefault("photos", [])
            if len(photos) < MAX_PHOTOS:
                photos.append(photo)
            turn.reply.say("bot.photo.added", count=len(photos))
            formflow.repeat(turn)
            return
        if len(tracker.photos) < MAX_PHOTOS:
            tracker.photos.append(photo)
        turn.ask("bot.ask.photo_purpose", PHOTO_BUTTONS)

    def _location(self, turn: Turn) -> None:
        tracker = turn.tracker
        if turn.known and tracker.form and (tracker.pending or {}).get("slot") == "location":
            turn.parse = {"intent": {"name": None, "confidence": 0.0}, "entities": []}
            formflow.handle(turn)
            return
        turn.act("location_noted")
        turn.reply.say("bot.location.noted")
        formflow.repeat(turn)
