"""The workflow diagrams in docs/ are generated from the declarations; keep them current
(regenerate with ``linli diagrams``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflows.registry import all_workflows

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "workflows"


@pytest.mark.parametrize("workflow", all_workflows(), ids=lambda w: w.name)
def test_committed_diagram_matches_the_declaration(workflow):
    committed = (DOCS / f"{workflow.name}.md").read_text(encoding="utf-8")
    assert workflow.mermaid() in committed, f"run `linli diagrams` to regenerate docs/workflows/{workflow.name}.md"
