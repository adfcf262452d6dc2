"""The conversation state of one person on one channel, kept in Redis.

A :class:`Tracker` holds what the dialog manager needs between turns: the form in
progress and its slots, the question waiting for an answer (``pending``) and the last
question asked (``last_prompt``, repeated on "没听清"), retry counts, the last intent and
action, the language and a turn count. It is JSON in one Redis key per channel and
``user_key`` that expires after the inactivity timeout.

Expiry has two sides. The state itself expires (Redis ``EX``), because a half-filled
repair from yesterday must not be submitted by today's "好的". But the person deserves to
hear that their form was dropped, so a tiny marker naming only the abandoned form (no
slots, nothing personal) lives for a day longer. Expiry is also checked against
``updated_at`` with the application clock, so a frozen or travelling clock in tests and a
Redis that has not evicted yet behave the same way.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from core import clock

MARKER_SECONDS = 24 * 3600          # how long we remember that a form was abandoned
LOCK_SECONDS = 10                   # a turn never takes this long; the lock frees itself after
LOCK_WAIT_SECONDS = 4               # WeChat gives 5 s for the whole reply
SCHEMA = 1


@dataclass
class Tracker:
    """One conversation. ``pending`` is the question waiting for an answer::

        {"kind": "slot", "slot": "location"}        a form slot
        {"kind": "confirm"}                          the read-back before a case is created
        {"kind": "change"}                           "what should I change?" after a "no"
        {"kind": "offer_human", "slot": "location"}  after re-asking twice got no answer

    Questions outside forms (the menu, "is this photo for a repair?") need no pending
    state: their buttons carry payloads, and ``buttons`` maps a typed "1" back to them.
    """

    channel: str
    user_key: str
    person_id: str | None = None
    community_id: str | None = None
    locale: str = "zh_CN"
    form: str | None = None
    slots: dict = field(default_factory=dict)
    pending: dict | None = None
    last_prompt: dict | None = None     # {"key", "params", "buttons"} of the last question
    last_said: list = field(default_factory=list)  # [key, params] of the last reply's statements
    buttons: list = field(default_factory=list)   # payloads of the buttons last offered, in order
    retries: dict = field(default_factory=dict)   # question id -> unanswered count
    photos: list = field(default_factory=list)    # photos sent before any form asked for them
    last_intent: str | None = None
    last_actions: list = field(default_factory=list)   # what the last turn did, in order
    handoff_id: str | None = None
    emergency: dict | None = None       # {"case_id", "number", "at"} of the last emergency raised
    turns: int = 0
    started_at: str = ""
    updated_at: str = ""
    expired_form: str | None = None     # set on load when an abandoned form was found (not stored)
    v: int = SCHEMA

    # -- form helpers -------------------------------------------------------------------------
    def start_form(self, name: str, slots: dict | None = None) -> None:
        self.form, self.slots, self.pending, self.retries = name, dict(slots or {}), None, {}
        if self.photos:  # a photo sent before the form started belongs to it
            self.slots.setdefault("photos", []).extend(self.photos)
            self.photos = []

    def end_form(self) -> None:
        self.form, self.slots, self.pending, self.retries = None, {}, None, {}

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("expired_form")
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> "Tracker | None":
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("v") != SCHEMA:
            return None  # an older shape: start afresh rather than misread it
        known = {name for name in cls.__dataclass_fields__}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return None


class TrackerStore:
    """Load and save trackers; ``lock`` serialises two turns of one conversation."""

    def __init__(self, services, timeout_seconds: int | None = None):
        self.services = services
        # ``LINLI_DIALOG_TIMEOUT`` unless a caller (a test) names its own
        self.timeout = timedelta(seconds=timeout_seconds or services.config.dialog_timeout_seconds)

    def _key(self, kind: str, channel: str, user_key: str) -> str:
        return self.services.key("bot", kind, channel, user_key)

    def lock(self, channel: str, user_key: str):
        return self.services.redis.lock(self._key("lock", channel, user_key), timeout=LOCK_SECONDS,
                                        blocking_timeout=LOCK_WAIT_SECONDS)

    def load(self, channel: str, user_key: str) -> Tracker:
        """The live tracker, or a fresh one; ``expired_form`` names a form that timed out."""
        redis = self.services.redis
        raw = redis.get(self._key("tracker", channel, user_key))
        tracker = Tracker.from_json(raw) if raw else None
        now = clock.now()
        if tracker is not None and tracker.updated_at:
            if now - clock.parse_iso(tracker.updated_at) <= self.timeout:
                return tracker
        fresh = Tracker(channel=channel, user_key=user_key, started_at=clock.iso(now))
        if tracker is not None:  # still in Redis but past the timeout by our clock
            fresh.expired_form = tracker.form
            fresh.locale = tracker.locale
            fresh.handoff_id = tracker.handoff_id
        marker = redis.get(self._key("abandoned", channel, user_key))
        if marker and not fresh.expired_form:
            fresh.expired_form = marker
        return fresh

    def save(self, tracker: Tracker) -> None:
        tracker.updated_at = clock.now_iso()
        seconds = int(self.timeout.total_seconds())
        pipe = self.services.redis.pipeline()
        pipe.set(self._key("tracker", tracker.channel, tracker.user_key), tracker.to_json(), ex=seconds)
        marker = self._key("abandoned", tracker.channel, tracker.user_key)
        if tracker.form:
            # outlives the tracker: if this form is abandoned we can say so when they return
            pipe.set(marker, tracker.form, ex=seconds + MARKER_SECONDS)
        else:
            pipe.delete(marker)
        pipe.execute()

    def reset(self, channel: str, user_key: str) -> None:
        self.services.redis.delete(self._key("tracker", channel, user_key),
                                   self._key("abandoned", channel, user_key))
