"""The README is part of the product: every setting Linli reads must be documented there."""
from __future__ import annotations

from pathlib import Path

from core.config import _ENV_NAMES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_documented():
    missing = sorted(name for name in _ENV_NAMES.values() if f"`{name}`" not in README)
    assert missing == []


def test_readme_leads_with_the_run_and_test_commands():
    commands = [line for line in README.splitlines() if line.startswith("python3.11 -m venv")]
    assert commands[0].endswith("linli up")
    assert commands[1].endswith("python -m pytest")
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    # CI runs the README's test command (quietly installed, otherwise verbatim)
    assert commands[1].replace("pip install -e", "pip install -q -e") in ci
