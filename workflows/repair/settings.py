"""Per-community repair settings and their defaults (stored by :mod:`workflows.dispatch`).

Defaults: urgent categories are dispatched round-robin so the 15-minute response does not
wait for a dispatcher to look; everything else waits for a dispatcher (``assign``).
A community changes any of it through ``PUT /api/v1/repairs/settings``.
"""
from __future__ import annotations

from workflows.dispatch import ASSIGN, DEFAULT_CAP, ROUND_ROBIN

from .catalogue import CATEGORIES, URGENT

DEFAULTS = {
    "default_mode": ASSIGN,
    "modes": {code: (ROUND_ROBIN if cat.priority == URGENT else ASSIGN) for code, cat in CATEGORIES.items()},
    "cap": DEFAULT_CAP,            # open tickets per technician unless their ``max_open_tickets`` says otherwise
    "auto_close_days": 3,          # resolved and not confirmed for this long counts as confirmed (no rating)
}
LIMITS = {"cap": (1, 50), "auto_close_days": (1, 30)}
