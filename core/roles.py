"""Who may do what: role names and the actor that every service function receives.

A person document carries ``roles``; residents gain ``owner`` when staff approve an owner
binding. ``system`` is the actor of timers and device rules; ``platform_admin`` (street
office IT) is the only role without a community.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RESIDENT = "resident"
OWNER = "owner"
DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
SECURITY = "security"
MANAGER = "manager"
GRID_WORKER = "grid_worker"
RESIDENTS_COMMITTEE = "residents_committee"   # 居委会 / community worker
OWNERS_COMMITTEE = "owners_committee"         # 业委会
STREET_OFFICE = "street_office"
VOLUNTEER = "volunteer"
ADMIN = "admin"                               # property company / community IT
PLATFORM_ADMIN = "platform_admin"             # deployment-wide (street office IT)
SYSTEM = "system"

STAFF_ROLES = frozenset({DISPATCHER, TECHNICIAN, SECURITY, MANAGER, GRID_WORKER, RESIDENTS_COMMITTEE,
                         STREET_OFFICE, ADMIN})
ALL_ROLES = STAFF_ROLES | {RESIDENT, OWNER, OWNERS_COMMITTEE, VOLUNTEER, PLATFORM_ADMIN, SYSTEM}
TRADES = ("plumbing", "electrical", "lift", "doors", "network", "general", "gas", "fire")


@dataclass(frozen=True)
class Actor:
    """The person (or the system) performing an action, with the community it acts in."""

    id: str
    community_id: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    kind: str = "resident"          # resident | staff | system
    name: str = ""
    locale: str = "zh_CN"
    trades: tuple[str, ...] = ()

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @classmethod
    def system(cls, community_id: str | None) -> "Actor":
        return cls(id="system", community_id=community_id, roles=frozenset({SYSTEM}), kind="system",
                   name="system")

    @classmethod
    def from_person(cls, person: dict) -> "Actor":
        return cls(id=person["_id"], community_id=person.get("community_id"),
                   roles=frozenset(person.get("roles", [])), kind=person.get("kind", "resident"),
                   name=person.get("name", ""), locale=person.get("locale", "zh_CN"),
                   trades=tuple(person.get("trades", [])))
