"""Shared fixtures: every test gets its own data directory, its own Redis key prefix and,
through the ``backend`` parameter, runs once on the SQLite adapter and once on the MongoDB
adapter (a real server when ``MONGO_URI`` is set, else mongomock).

Redis is always a real server: ``REDIS_URL`` when set (CI points it at the machine's
Redis, on a database number of its own), else one embedded redis-server per session.
"""
from __future__ import annotations

import os
import uuid

import pytest

from core.app import create_app
from core.redis_client import connect, embedded_url

from .factories import World


def pytest_addoption(parser):
    parser.addoption("--backends", default=os.environ.get("LINLI_TEST_BACKENDS", "sqlite,mongo"),
                     help="comma-separated storage backends to run store-backed tests on")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = [b for b in metafunc.config.getoption("--backends").split(",") if b]
        metafunc.parametrize("backend", backends, scope="function")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    return os.environ.get("REDIS_URL") or embedded_url(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def redis_prefix(redis_url):
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"linli-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = connect(redis_url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def mongo_uri_for(backend: str) -> str | None:
    if backend == "mongo":
        return os.environ.get("MONGO_URI") or "mongomock://"
    return None


@pytest.fixture
def config_overrides(tmp_path, redis_url, redis_prefix, backend) -> dict:
    return {"data_dir": str(tmp_path / "data"), "redis_url": redis_url, "mongo_uri": mongo_uri_for(backend),
            "mongo_db": f"linli_test_{redis_prefix.split(':')[1]}", "celery_eager": True,
            "extra": {"redis_prefix": redis_prefix}}


@pytest.fixture
def app(config_overrides):
    app = create_app(config_overrides)
    app.testing = True
    yield app
    app.extensions["linli"].close()


@pytest.fixture
def services(app):
    return app.extensions["linli"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(services, client) -> World:
    """A small community with one person of every role, and bearer tokens for each."""
    return World.build(services, client)
