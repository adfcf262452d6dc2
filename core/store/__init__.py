"""Storage: the port (:mod:`.port`), its declared indexes and its two adapters."""
from __future__ import annotations

from .port import ASC, DESC, Collection, DuplicateKey, Page, Store, UndeclaredQuery  # noqa: F401


def open_store(config) -> "Store":
    """The store the configuration asks for: MongoDB when ``MONGO_URI`` is set, else SQLite.

    ``MONGO_URI=mongomock://`` selects the in-memory mongomock client, which the test suite
    uses to execute every pymongo call of the MongoDB adapter where no server runs.
    """
    if config.mongo_uri and config.mongo_uri.startswith("mongomock://"):
        import mongomock

        from .mongo_store import MongoStore
        return MongoStore(mongomock.MongoClient(tz_aware=True), config.mongo_db, use_transactions=False)
    if config.mongo_uri:
        from .mongo_store import MongoStore
        return MongoStore.connect(config.mongo_uri, config.mongo_db)
    from .sqlite_store import SQLiteStore
    return SQLiteStore(config.data_path / "linli.sqlite3")
