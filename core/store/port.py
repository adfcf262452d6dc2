"""The storage port: the handful of operations Linli's workflows need, nothing more.

Two adapters implement it: :mod:`core.store.sqlite_store` (embedded default) and
:mod:`core.store.mongo_store` (production, pymongo). The same test suite runs on both.

Documents are JSON-compatible dicts with a string ``_id``. Every tenant-owned document
carries ``community_id``. Queries are equality / ``$in`` / range filters on fields that a
declared index covers (:mod:`core.store.indexes`), so no query ever scans a collection.
Optimistic concurrency: documents carry an integer ``version``; :meth:`Collection.replace`
writes only if the stored version is the one the caller read.
"""
from __future__ import annotations

import base64
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Iterable, Protocol

ASC, DESC = 1, -1
RANGE_OPS = ("$lt", "$lte", "$gt", "$gte")
FILTER_OPS = RANGE_OPS + ("$in", "$ne")


class DuplicateKey(Exception):
    """An insert collided with an existing ``_id`` (natural keys make uniqueness)."""


class UndeclaredQuery(Exception):
    """A query filtered on a field no declared index covers: declare the index first."""


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str | None


class Collection(Protocol):
    name: str

    def get(self, doc_id: str) -> dict | None: ...

    def get_many(self, doc_ids: Iterable[str]) -> list[dict]: ...

    def insert(self, doc: dict) -> dict:
        """Insert; raises :class:`DuplicateKey` if ``_id`` exists. Sets ``version`` to 1."""

    def replace(self, doc: dict, expected_version: int) -> bool:
        """Compare-and-set: store ``doc`` with ``version = expected_version + 1`` only if the
        stored version is ``expected_version``. Returns False when someone else won."""

    def delete(self, doc_id: str) -> bool: ...

    def find(self, filter: dict, sort: list[tuple[str, int]] | None = None, limit: int | None = None,
             cursor: str | None = None) -> Page: ...

    def count(self, filter: dict) -> int: ...


class Store(Protocol):
    backend: str

    def collection(self, name: str) -> Collection: ...

    def next_sequence(self, name: str) -> int:
        """An atomic, gap-tolerant counter (ticket numbers): never returns a value twice."""

    def transaction(self) -> AbstractContextManager:
        """Group writes so they land together (case + its outbox events)."""

    def ping(self) -> dict: ...

    def close(self) -> None: ...


# ---- helpers shared by both adapters -------------------------------------------------

def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    """Decode a page cursor; a tampered cursor raises ValueError (the API maps it to 400)."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except Exception as exc:  # any decoding failure means a bad cursor, not a server fault
        raise ValueError("bad cursor") from exc
    if not isinstance(values, list):
        raise ValueError("bad cursor")
    return values


def normalise_sort(sort: list[tuple[str, int]] | None) -> list[tuple[str, int]]:
    """Always end with ``_id`` so keyset pagination has a total order."""
    sort = list(sort or [])
    if not any(field == "_id" for field, _ in sort):
        direction = sort[-1][1] if sort else ASC
        sort.append(("_id", direction))
    return sort


def cursor_values(doc: dict, sort: list[tuple[str, int]]) -> list[Any]:
    return [lookup(doc, field) for field, _ in sort]


def lookup(doc: dict, dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
