"""MongoDB adapter of the storage port (production), through pymongo.

Production runs a replica set (or a sharded cluster keyed on ``community_id``), so a case
and its outbox events are written in one multi-document transaction. Where no transaction
is available (mongomock in tests, a standalone dev server) writes are applied in order;
that is why outbox events have natural ids: a retried write cannot duplicate them.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Iterable

import pymongo
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from .indexes import INDEXES, check_query
from .port import ASC, DuplicateKey, Page, cursor_values, decode_cursor, encode_cursor, normalise_sort

_session: contextvars.ContextVar = contextvars.ContextVar("linli_mongo_session", default=None)


def _kw() -> dict:
    session = _session.get()
    return {"session": session} if session is not None else {}


class MongoCollection:
    def __init__(self, raw, name: str):
        self.raw = raw
        self.name = name

    def get(self, doc_id: str) -> dict | None:
        return self.raw.find_one({"_id": doc_id}, **_kw())

    def get_many(self, doc_ids: Iterable[str]) -> list[dict]:
        ids = list(dict.fromkeys(doc_ids))
        found = {doc["_id"]: doc for doc in self.raw.find({"_id": {"$in": ids}}, **_kw())}
        return [found[i] for i in ids if i in found]

    def find(self, filter: dict, sort=None, limit=None, cursor=None) -> Page:
        check_query(self.name, filter, sort)
        sort = normalise_sort(sort)
        query = dict(filter)
        if cursor:
            query = {"$and": [query, self._after(sort, decode_cursor(cursor))]} if query else \
                self._after(sort, decode_cursor(cursor))
        found = self.raw.find(query, **_kw()).sort([(f, pymongo.ASCENDING if d == ASC else pymongo.DESCENDING)
                                                    for f, d in sort])
        if limit is not None:
            found = found.limit(int(limit) + 1)
        docs = list(found)
        next_cursor = None
        if limit is not None and len(docs) > limit:
            docs = docs[:limit]
            next_cursor = encode_cursor(cursor_values(docs[-1], sort))
        return Page(docs, next_cursor)

    @staticmethod
    def _after(sort, values) -> dict:
        if len(values) != len(sort):
            raise ValueError("bad cursor")
        branches = []
        for i, (field, direction) in enumerate(sort):
            branch = {f: v for (f, _), v in zip(sort[:i], values[:i])}
            branch[field] = {"$gt" if direction == ASC else "$lt": values[i]}
            branches.append(branch)
        return {"$or": branches}

    def count(self, filter: dict) -> int:
        check_query(self.name, filter)
        return self.raw.count_documents(filter, **_kw())

    def insert(self, doc: dict) -> dict:
        doc = {**doc, "version": doc.get("version", 1)}
        try:
            self.raw.insert_one(dict(doc), **_kw())
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}/{doc['_id']}") from exc
        return doc

    def replace(self, doc: dict, expected_version: int) -> bool:
        stored = {**doc, "version": expected_version + 1}
        result = self.raw.replace_one({"_id": doc["_id"], "version": expected_version}, stored, **_kw())
        if result.matched_count != 1:
            return False
        doc["version"] = expected_version + 1
        return True

    def delete(self, doc_id: str) -> bool:
        return self.raw.delete_one({"_id": doc_id}, **_kw()).deleted_count == 1


class MongoStore:
    backend = "mongodb"

    def __init__(self, client, db_name: str, use_transactions: bool = True):
        self.client = client
        self.db = client[db_name]
        self.use_transactions = use_transactions
        self._collections: dict[str, MongoCollection] = {}
        self.create_indexes()

    @classmethod
    def connect(cls, uri: str, db_name: str) -> "MongoStore":
        client = pymongo.MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000)
        hello = client.admin.command("hello")
        # multi-document transactions need a replica set or mongos
        return cls(client, db_name, use_transactions=bool(hello.get("setName") or hello.get("msg") == "isdbgrid"))

    def create_indexes(self) -> None:
        for name, indexes in INDEXES.items():
            for fields in indexes:
                self.db[name].create_index([(f, pymongo.ASCENDING) for f in fields],
                                           name="ix_" + "_".join(fields))

    def collection(self, name: str) -> MongoCollection:
        if name not in self._collections:
            self._collections[name] = MongoCollection(self.db[name], name)
        return self._collections[name]

    def next_sequence(self, name: str) -> int:
        doc = self.db["counters"].find_one_and_update(
            {"_id": name}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER, **_kw())
        return int(doc["value"])

    @contextmanager
    def transaction(self):
        if _session.get() is not None or not self.use_transactions:
            yield self
            return
        with self.client.start_session() as session:
            with session.start_transaction():
                token = _session.set(session)
                try:
                    yield self
                finally:
                    _session.reset(token)

    def ping(self) -> dict:
        self.client.admin.command("ping")
        return {"ok": True, "backend": self.backend, "transactions": self.use_transactions}

    def close(self) -> None:
        self.client.close()
