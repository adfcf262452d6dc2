"""Complaint policy: categories, who handles which category, the escalation ladder and
each level's response deadlines — defaults here, overridable per community.

A community's overrides are its ``complaint`` settings document (see
:func:`workflows.dispatch.load_settings`): ``routing`` (``{category: level}``), ``sla``
(``{level: {"accept_hours": n, "reply_hours": n}}``) and ``auto_close_days``. Values
that make no sense are ignored key by key (the default stays), so a typo in one
community's settings cannot strand a complaint with nobody.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.roles import DISPATCHER, GRID_WORKER, MANAGER, RESIDENTS_COMMITTEE, STREET_OFFICE

from ..dispatch import load_settings

CATEGORIES = ("noise", "parking", "garbage", "pets", "objects_from_height", "staff_attitude", "fees", "other")

PROPERTY = "property"
COMMITTEE = "residents_committee"
STREET = "street_office"
# 吹哨报到: an overdue complaint climbs one rung at a time
LADDER = (PROPERTY, COMMITTEE, STREET)

# the person roles that work a level's queue
LEVEL_ROLES: dict[str, frozenset[str]] = {
    PROPERTY: frozenset({DISPATCHER, MANAGER}),
    COMMITTEE: frozenset({RESIDENTS_COMMITTEE, GRID_WORKER}),
    STREET: frozenset({STREET_OFFICE}),
}
HANDLER_ROLES = frozenset().union(*LEVEL_ROLES.values())
ROSTER_ROLES = tuple(sorted(HANDLER_ROLES))

# the property company runs the estate (bins, parking, pet rules, its own staff and fees);
# disputes between neighbours and safety matters it has no authority over go to the
# residents' committee
DEFAULT_ROUTING = {
    "noise": COMMITTEE, "parking": PROPERTY, "garbage": PROPERTY, "pets": PROPERTY,
    "objects_from_height": COMMITTEE, "staff_attitude": PROPERTY, "fees": PROPERTY, "other": COMMITTEE,
}
DEFAULT_SLA = {level: {"accept_hours": 24, "reply_hours": 72} for level in LADDER}
AUTO_CLOSE_DAYS = 7          # replied and never rated: closed after this many days
REOPEN_DAYS = 7              # the complainant may reopen up to this long after the reply
MAX_SLA_HOURS = 24 * 30
MAX_AUTO_CLOSE_DAYS = 90
SETTINGS_NAME = "complaint"
DEFAULTS = {"routing": DEFAULT_ROUTING, "sla": DEFAULT_SLA, "auto_close_days": AUTO_CLOSE_DAYS}


@dataclass(frozen=True)
class Policy:
    routing: dict[str, str]
    sla: dict[str, dict[str, int]]
    auto_close_days: int
    version: int = 0            # of the stored settings document (0: none stored yet)

    def level_for(self, category: str) -> str:
        return self.routing[category]

    def sla_for(self, level: str) -> dict[str, int]:
        return dict(self.sla[level])


def policy_for(store, community_id: str) -> Policy:
    """The complaint policy of one community: the defaults with its sensible overrides."""
    stored = load_settings(store, SETTINGS_NAME, community_id, DEFAULTS)
    routing = dict(DEFAULT_ROUTING)
    for category, level in _mapping(stored.get("routing")).items():
        if category in routing and level in LADDER:
            routing[category] = level
    sla = {level: dict(hours) for level, hours in DEFAULT_SLA.items()}
    for level, hours in _mapping(stored.get("sla")).items():
        for name, value in _mapping(hours).items():
            if level in sla and name in sla[level] and _whole(value, 1, MAX_SLA_HOURS):
                sla[level][name] = value
    days = stored.get("auto_close_days")
    return Policy(routing=routing, sla=sla,
                  auto_close_days=days if _whole(days, 1, MAX_AUTO_CLOSE_DAYS) else AUTO_CLOSE_DAYS,
                  version=stored["version"])


def next_level(level: str) -> str | None:
    """The rung above ``level``, or None at the top of the ladder."""
    index = LADDER.index(level)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


def levels_of(roles) -> list[str]:
    """The levels whose queue a person with ``roles`` works."""
    return [level for level in LADDER if LEVEL_ROLES[level] & set(roles)]


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
