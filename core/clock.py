"""Time and identifiers.

Every timestamp Linli stores is an ISO-8601 UTC string with microseconds and a trailing
``Z`` (``2026-11-21T05:30:00.000000Z``): it sorts correctly as text, so both storage
adapters can index and range-scan it, and it survives JSON unchanged.
"""
from __future__ import annotations

import os
import secrets
import time
from datetime import datetime, timedelta, timezone

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> datetime:
    """The current time, timezone-aware UTC (tests freeze it with time-machine)."""
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """Serialise an aware datetime to Linli's sortable UTC text form."""
    return moment.astimezone(timezone.utc).strftime(_FORMAT)


def parse_iso(text: str) -> datetime:
    """Inverse of :func:`iso`."""
    return datetime.strptime(text, _FORMAT).replace(tzinfo=timezone.utc)


def now_iso() -> str:
    return iso(now())


def later_iso(delta: timedelta, start: datetime | None = None) -> str:
    return iso((start or now()) + delta)


def new_id(prefix: str = "") -> str:
    """A time-ordered, collision-resistant id: 12 hex digits of milliseconds + 10 random.

    Time order keeps B-tree inserts append-mostly on both backends and makes ids sort
    roughly by creation, which is what people expect when they scroll a list.
    """
    millis = int(time.time() * 1000)
    return f"{prefix}{millis:012x}{secrets.token_hex(5)}"


def process_tag() -> str:
    """Identifies this process in leases (host-unique enough for lock ownership)."""
    return f"{os.uname().nodename}:{os.getpid()}"
