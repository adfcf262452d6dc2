"""Complaints (投诉): a resident's complaint routed by category to the property company or
the residents' committee, escalating level by level when deadlines pass (吹哨报到),
rated by the complainant and reopened when the answer did not help.

``WORKFLOW`` is the declaration (:mod:`.machine`), ``SERVICE`` the functions the API and
the bot call (:mod:`.service`), :mod:`.policy` the routing and deadline tables.
"""
from __future__ import annotations

from .machine import WORKFLOW  # noqa: F401
from .service import SERVICE  # noqa: F401
