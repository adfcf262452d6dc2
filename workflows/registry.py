"""Every workflow the deadline sweep and the docs know about."""
from __future__ import annotations

import importlib
from functools import lru_cache

from .engine import Workflow

WORKFLOW_MODULES = ("workflows.repair", "workflows.complaint")


@lru_cache(maxsize=None)
def all_workflows() -> tuple[Workflow, ...]:
    """Each module in :data:`WORKFLOW_MODULES` exports its declaration as ``WORKFLOW``."""
    return tuple(importlib.import_module(name).WORKFLOW for name in WORKFLOW_MODULES)


def by_name(name: str) -> Workflow:
    for workflow in all_workflows():
        if workflow.name == name:
            return workflow
    raise KeyError(name)
