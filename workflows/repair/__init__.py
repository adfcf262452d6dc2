"""Repairs (报修): report -> dispatch -> handle -> resolve -> confirm/rate -> close, with
reopening, duplicate merging, three dispatch modes and escalating deadlines.

``WORKFLOW`` is the declaration the engine, the deadline sweep and ``linli diagrams`` use;
``SERVICE`` is what the API and the bot call.
"""
from __future__ import annotations

from .machine import WORKFLOW
from .service import SERVICE

__all__ = ["WORKFLOW", "SERVICE"]
