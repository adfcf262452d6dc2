"""SQLite adapter of the storage port: the embedded default.

One table per collection (``id`` + JSON ``doc``), expression indexes on exactly the
declared fields, WAL so web and worker processes read while one writes, and
``BEGIN IMMEDIATE`` transactions so two processes never interleave a read-modify-write.
Connections are per thread and re-opened after ``fork`` (a SQLite handle must never
cross a fork).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable

from .indexes import INDEXES, check_query
from .port import (ASC, FILTER_OPS, DuplicateKey, Page, cursor_values, decode_cursor, encode_cursor,
                   normalise_sort)

_SQL_OPS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$ne": "IS NOT"}


def _column(field: str) -> str:
    if field == "_id":
        return "id"
    if not all(part.replace("_", "").isalnum() for part in field.split(".")):
        raise ValueError(f"bad field name {field!r}")
    return f"json_extract(doc, '$.{field}')"


def _param(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        raise ValueError("only scalar values can be compared")
    return value


class SQLiteCollection:
    def __init__(self, store: "SQLiteStore", name: str):
        self.store = store
        self.name = name

    # -- reads ---------------------------------------------------------------------------
    def get(self, doc_id: str) -> dict | None:
        row = self.store.conn().execute(f'SELECT doc FROM "{self.name}" WHERE id = ?', (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, doc_ids: Iterable[str]) -> list[dict]:
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.store.conn().execute(f'SELECT id, doc FROM "{self.name}" WHERE id IN ({marks})', ids)
        found = {row[0]: json.loads(row[1]) for row in rows}
        return [found[i] for i in ids if i in found]

    def find(self, filter: dict, sort=None, limit=None, cursor=None) -> Page:
        check_query(self.name, filter, sort)
        sort = normalise_sort(sort)
        where, params = self._where(filter)
        if cursor:
            keyset, keyset_params = self._after(sort, decode_cursor(cursor))
            where.append(keyset)
            params.extend(keyset_params)
        order = ", ".join(f"{_column(f)} {'ASC' if d == ASC else 'DESC'}" for f, d in sort)
        sql = f'SELECT doc FROM "{self.name}"'
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit) + 1}"
        docs = [json.loads(row[0]) for row in self.store.conn().execute(sql, params)]
        next_cursor = None
        if limit is not None and len(docs) > limit:
            docs = docs[:limit]
            next_cursor = encode_cursor(cursor_values(docs[-1], sort))
        return Page(docs, next_cursor)

    def count(self, filter: dict) -> int:
        check_query(self.name, filter)
        where, params = self._where(filter)
        sql = f'SELECT COUNT(*) FROM "{self.name}"' + (" WHERE " + " AND ".join(where) if where else "")
        return self.store.conn().execute(sql, params).fetchone()[0]

    def _where(self, filter: dict) -> tuple[list[str], list]:
        clauses, params = [], []
        for field, condition in filter.items():
            column = _column(field)
            if isinstance(condition, dict):
                for op, value in condition.items():
                    if op not in FILTER_OPS:
                        raise ValueError(f"unsupported operator {op}")
                    if op == "$in":
                        values = [_param(v) for v in value]
                        if not values:
                            clauses.append("0")
                            continue
                        clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                        params.extend(values)
                    else:
                        clauses.append(f"{column} {_SQL_OPS[op]} ?")
                        params.append(_param(value))
            elif condition is None:
                clauses.append(f"{column} IS NULL")
            else:
                clauses.append(f"{column} = ?")
                params.append(_param(condition))
        return clauses, params

    @staticmethod
    def _after(sort, values) -> tuple[str, list]:
        """Keyset condition 'strictly after ``values`` in ``sort`` order'."""
        if len(values) != len(sort):
            raise ValueError("bad cursor")
        clause, params = "", []
        for (field, direction), value in reversed(list(zip(sort, values))):
            op = ">" if direction == ASC else "<"
            strict = f"{_column(field)} {op} ?"
            if not clause:
                clause, params = strict, [_param(value)]
            else:
                clause = f"({strict} OR ({_column(field)} = ? AND {clause}))"
                params = [_param(value), _param(value)] + params
        return clause, params

    # -- writes --------------------------------------------------------------------------
    def insert(self, doc: dict) -> dict:
        doc = {**doc, "version": doc.get("version", 1)}
        try:
            self.store.conn().execute(f'INSERT INTO "{self.name}" (id, doc) VALUES (?, ?)',
                                      (doc["_id"], _dump(doc)))
        except sqlite3.IntegrityError as exc:
            raise DuplicateKey(f"{self.name}/{doc['_id']}") from exc
        return doc

    def replace(self, doc: dict, expected_version: int) -> bool:
        stored = {**doc, "version": expected_version + 1}
        cur = self.store.conn().execute(
            f"""UPDATE "{self.name}" SET doc = ? WHERE id = ? AND json_extract(doc, '$.version') = ?""",
            (_dump(stored), doc["_id"], expected_version))
        if cur.rowcount != 1:
            return False
        doc["version"] = expected_version + 1
        return True

    def delete(self, doc_id: str) -> bool:
        return self.store.conn().execute(f'DELETE FROM "{self.name}" WHERE id = ?', (doc_id,)).rowcount == 1


def _dump(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class SQLiteStore:
    backend = "sqlite"

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._collections: dict[str, SQLiteCollection] = {}
        self._create_schema()

    def conn(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            local.conn, local.pid, local.depth = conn, os.getpid(), 0
        return local.conn

    def _create_schema(self) -> None:
        conn = self.conn()
        conn.execute('CREATE TABLE IF NOT EXISTS "counters" (name TEXT PRIMARY KEY, value INTEGER NOT NULL)')
        for name, indexes in INDEXES.items():
            self._create_table(conn, name)
            for fields in indexes:
                columns = ", ".join(_column(f) for f in fields)
                index_name = f"ix_{name}_{'_'.join(f.replace('.', '_') for f in fields)}"
                conn.execute(f'CREATE INDEX IF NOT EXISTS "{index_name}" ON "{name}" ({columns})')

    @staticmethod
    def _create_table(conn, name: str) -> None:
        conn.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (id TEXT PRIMARY KEY, doc TEXT NOT NULL)')

    def collection(self, name: str) -> SQLiteCollection:
        if name not in self._collections:
            if name not in INDEXES:
                self._create_table(self.conn(), name)
            self._collections[name] = SQLiteCollection(self, name)
        return self._collections[name]

    def next_sequence(self, name: str) -> int:
        row = self.conn().execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value", (name,)).fetchone()
        return row[0]

    @contextmanager
    def transaction(self):
        conn = self.conn()
        local = self._local
        if local.depth:
            local.depth += 1
            try:
                yield self
            finally:
                local.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        local.depth = 1
        try:
            yield self
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            local.depth = 0

    def ping(self) -> dict:
        self.conn().execute("SELECT 1").fetchone()
        return {"ok": True, "backend": self.backend, "path": self.path}

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local = threading.local()
