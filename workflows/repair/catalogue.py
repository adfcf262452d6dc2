"""What can be reported as a repair: categories (the facility list of INTENTS.md), the trade
that fixes each, where it can be (in a home, in a public area), its priority, and the
deadlines each priority gets.

Priority table (response = report to a technician accepting it; completion = report to
resolved; both warn the handler at 75 % of the window and escalate to the manager at 100 %):

| priority | categories                                                   | respond | complete |
|----------|--------------------------------------------------------------|---------|----------|
| urgent   | elevator, water_pipe, gas, electricity                       | 15 min  | 4 h      |
| high     | drain, roof_leak, heating, door_access, smoke_detector        | 1 h     | 24 h     |
| normal   | every other category                                         | 2 h     | 48 h     |

Urgent is what stops people living normally or is dangerous: a lift that does not run,
a burst or leaking water pipe, gas, no electricity.

**Emergency** is not a category's priority: no report can ask for it. Only trusted service
code gives it (:meth:`~workflows.repair.service.RepairService.raise_emergency`: the bot's
safety net for a fall, a person trapped in a lift, a gas smell, fire), whatever the category.
It is dispatched at once to the duty room (security staff) and has its own alarm ladder:

| step (event)                      | when, from the report    | who is paged                               |
|-----------------------------------|--------------------------|--------------------------------------------|
| ``alert`` (assigned at once)      | at once                  | the security person (round robin) [1]      |
| ``alarm_warn`` (response warning) | 2 min 30 s (50 %)        | the assignee and the dispatchers           |
| ``alarm_escalate`` (response due) | 5 min                    | the manager                                |
| ``remind``, until accepted        | 10 min, then every 5 min | assignee, all security, desk, manager      |
| ``warn`` (completion warning)     | 1 h (50 %)               | the assignee                               |
| ``escalate`` (completion due)     | 2 h                      | the manager                                |

[1] with no active security staff, ``alert_desk`` pages the dispatchers and the manager; a
facility emergency (lift, gas, fire) also calls the technicians of its trade (``call_trade``).

A new holder (transfer, return and re-dispatch) gets a fresh 5-minute response window.

The intake form of each category follows Open311 GeoReport v2 service definitions, so the
mini-program draws its forms from :func:`service_definitions` instead of hard-coding them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core import i18n

URGENT, HIGH, NORMAL = "urgent", "high", "normal"
EMERGENCY = "emergency"
HOME, PUBLIC = "home", "public"
BOTH = (HOME, PUBLIC)
WARN_AT = 0.75  # share of a window after which the handler is warned


@dataclass(frozen=True)
class Priority:
    name: str
    respond: timedelta
    complete: timedelta
    warn_at: float = WARN_AT
    remind_every: timedelta | None = None   # repeat the alarm, once the response is overdue, until accepted


# what a report gets from its category (the public categories endpoint lists these)
PRIORITIES = {
    URGENT: Priority(URGENT, timedelta(minutes=15), timedelta(hours=4)),
    HIGH: Priority(HIGH, timedelta(hours=1), timedelta(hours=24)),
    NORMAL: Priority(NORMAL, timedelta(hours=2), timedelta(hours=48)),
}
EMERGENCY_PRIORITY = Priority(EMERGENCY, timedelta(minutes=5), timedelta(hours=2), warn_at=0.5,
                              remind_every=timedelta(minutes=5))


@dataclass(frozen=True)
class Category:
    code: str
    trade: str
    priority: str
    locations: tuple[str, ...] = BOTH


CATEGORIES: dict[str, Category] = {c.code: c for c in (
    Category("elevator", "lift", URGENT, (PUBLIC,)),
    Category("water_pipe", "plumbing", URGENT),
    Category("drain", "plumbing", HIGH),
    Category("electricity", "electrical", URGENT),
    Category("lighting", "electrical", NORMAL),
    Category("gas", "gas", URGENT),
    Category("door_access", "doors", HIGH),
    Category("charging_pile", "electrical", NORMAL),
    Category("parking_gate", "doors", NORMAL, (PUBLIC,)),
    Category("heating", "plumbing", HIGH),
    Category("roof_leak", "general", HIGH),
    Category("window_door", "doors", NORMAL),
    Category("intercom", "network", NORMAL),
    Category("smoke_detector", "fire", HIGH),
    Category("camera", "network", NORMAL, (PUBLIC,)),
    Category("garbage_station", "general", NORMAL, (PUBLIC,)),
    Category("other", "general", NORMAL),
)}
CATEGORY_CODES = tuple(CATEGORIES)

MAX_PHOTOS = 9
MAX_DESCRIPTION = 2000
MAX_PLACE = 100


def category(code: str) -> Category | None:
    return CATEGORIES.get(code) if isinstance(code, str) else None


def priority_of(code: str) -> Priority:
    return PRIORITIES[CATEGORIES[code].priority]


def priority_named(name: str) -> Priority:
    """Any priority a case may carry, the emergency one included."""
    return EMERGENCY_PRIORITY if name == EMERGENCY else PRIORITIES[name]


def service_definitions(locale: str) -> list[dict]:
    """Open311-style service list with each category's intake attributes, localised."""
    def text(key: str) -> str:
        return i18n.translate(key, locale)

    definitions = []
    for cat in CATEGORIES.values():
        prio = PRIORITIES[cat.priority]
        location_values = [{"key": kind, "name": text(f"repair.location.{kind}")} for kind in cat.locations]
        definitions.append({
            "service_code": cat.code,
            "service_name": text(f"repair.category.{cat.code}"),
            "group": cat.trade,
            "priority": cat.priority,
            "respond_minutes": int(prio.respond.total_seconds() // 60),
            "complete_hours": int(prio.complete.total_seconds() // 3600),
            "attributes": [
                {"code": "location.kind", "datatype": "singlevaluelist", "required": True, "order": 1,
                 "description": text("repair.field.location"), "values": location_values},
                {"code": "location.house_id", "datatype": "string", "required": False, "order": 2,
                 "description": text("repair.field.house"), "applies_to": HOME},
                {"code": "location.place", "datatype": "string", "required": False, "order": 3,
                 "description": text("repair.field.place"), "applies_to": PUBLIC, "max_length": MAX_PLACE},
                {"code": "description", "datatype": "text", "required": True, "order": 4,
                 "description": text("repair.field.description"), "max_length": MAX_DESCRIPTION},
                {"code": "photos", "datatype": "multivaluelist", "required": False, "order": 5,
                 "description": text("repair.field.photos"), "max_items": MAX_PHOTOS},
                {"code": "preferred_window", "datatype": "datetime_range", "required": False, "order": 6,
                 "description": text("repair.field.preferred_window"), "applies_to": HOME},
                {"code": "contact_phone", "datatype": "string", "required": False, "order": 7,
                 "description": text("repair.field.contact_phone")},
            ],
        })
    return definitions
