"""Fixtures for the built-in NLU tests: one engine per session, Rasa switched off."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine():
    """The process-wide built-in engine (loads the cached model, or trains it once)."""
    from nlu.pipeline import get_engine

    return get_engine()


@pytest.fixture
def parse(engine, monkeypatch):
    """``nlu.parse`` on the built-in engine, whatever RASA_URL the environment has."""
    import nlu

    monkeypatch.delenv("RASA_URL", raising=False)
    return nlu.parse


@pytest.fixture
def norm(engine):
    """The engine's normaliser (homophone repair included)."""
    return engine.normalise
