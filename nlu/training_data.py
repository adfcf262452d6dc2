"""Reading NLU data in Rasa 3.x YAML format.

The same files train a Rasa model, so this loader accepts what Rasa accepts for NLU data:
``- intent:`` blocks with ``examples: |`` (or a list of ``- text:`` items), ``- synonym:``,
``- lookup:`` and ``- regex:`` blocks, and inline entity annotations in both Rasa forms,
``[3](building)`` / ``[三](building:3)`` and ``[三]{"entity": "building", "value": "3"}``.
Annotations are stripped from the text; the entities keep their offsets in the plain text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# [entity text](type) | [entity text](type:value) | [entity text]{json attributes}
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<type>[^:)]+?)(?::(?P<value>[^)]+))?\)|\{(?P<attributes>[^}]+?)\})"
)


@dataclass(frozen=True)
class Example:
    """One training or test message: plain text, intent name and annotated entities."""

    text: str
    intent: str
    entities: list[dict] = field(default_factory=list)


@dataclass
class NluData:
    """Everything an NLU YAML file declares."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Intent names in order of first appearance."""
        return list(dict.fromkeys(e.intent for e in self.examples))


def parse_annotated(example: str) -> tuple[str, list[dict]]:
    """Strip Rasa entity annotations; return the plain text and its entities.

    Each entity is ``{"entity", "value", "start", "end"}`` (plus ``role``/``group`` when
    annotated), with offsets into the plain text.
    """
    entities: list[dict] = []
    plain: list[str] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(example):
        before = example[pos:m.start()]
        plain.append(before)
        length += len(before)
        surface = m.group("text")
        if m.group("attributes") is not None:
            attributes = json.loads("{" + m.group("attributes") + "}")
        else:
            attributes = {"entity": m.group("type")}
            if m.group("value"):
                attributes["value"] = m.group("value")
        entity = {
            "entity": attributes["entity"],
            "value": str(attributes.get("value", surface)),
            "start": length,
            "end": length + len(surface),
        }
        entity.update({k: attributes[k] for k in ("role", "group") if k in attributes})
        entities.append(entity)
        plain.append(surface)
        length += len(surface)
        pos = m.end()
    plain.append(example[pos:])
    return "".join(plain), entities


def _block_items(block) -> list[str]:
    """The items of an ``examples:`` value: a ``- item`` per line, or a list of ``text:``."""
    if block is None:
        return []
    if isinstance(block, list):
        return [str(item["text"] if isinstance(item, dict) else item).strip() for item in block]
    items = []
    for line in str(block).splitlines():
        line = line.strip()
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif line == "-":
            continue
        elif line:
            items.append(line)
    return [item for item in items if item]


def load_yaml(text: str) -> dict:
    """Parse YAML text with the C loader when available (the data file is large)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader) or {}  # noqa: S506 - a safe loader


def parse_nlu(text: str) -> NluData:
    """Parse the text of a Rasa NLU YAML document."""
    data = NluData()
    for item in load_yaml(text).get("nlu") or []:
        items = _block_items(item.get("examples"))
        if "intent" in item:
            for raw in items:
                plain, entities = parse_annotated(raw)
                data.examples.append(Example(plain, str(item["intent"]), entities))
        elif "synonym" in item:
            data.synonyms.setdefault(str(item["synonym"]), []).extend(items)
        elif "lookup" in item:
            data.lookups.setdefault(str(item["lookup"]), []).extend(items)
        elif "regex" in item:
            data.regexes.setdefault(str(item["regex"]), []).extend(items)
    return data


def load_nlu(path: str | Path) -> NluData:
    """Load a Rasa NLU YAML file."""
    return parse_nlu(Path(path).read_text(encoding="utf-8"))
