"""``parse``: one message in, a Rasa-shaped result out.

Order of work for every message:

1. the built-in engine normalises it (width, Traditional, fillers, numerals, homophones) and
   extracts entities and the safety verdict (cached per text);
2. the intent ranking comes from Rasa when ``RASA_URL`` is set and Rasa answers, else from the
   built-in classifier;
3. the safety net has the last word: when it fires, ``emergency`` goes first with at least
   :data:`SAFETY_CONFIDENCE`, whatever step 2 said. When it did not fire because every danger
   phrase it saw was explained away (negated, resolved, past, hypothetical ...), and the model
   put ``emergency`` first without being sure (below :data:`DEMOTE_BELOW`), the runner-up
   wins instead: "上次着火的事处理了吗" mentions a fire but reports none.
"""

from __future__ import annotations

from nlu import remote
from nlu.engine import Engine, Prepared
from nlu.lazy import once
from nlu.safety import Verdict

EMERGENCY = "emergency"
SAFETY_CONFIDENCE = 0.95
DEMOTE_BELOW = 0.9
BUILTIN_ENTITY_TYPES = frozenset({"building", "unit", "room", "facility", "place", "time"})

# The process-wide engine, built (or loaded from the model cache) on first use.
get_engine = once(Engine)


def warm_up() -> None:
    """Load jieba, pypinyin, OpenCC, the lexicon and the model now, not on the first message.

    Call it before forking workers so they share the loaded pages. Raises ImportError when
    ``RASA_URL`` is set but the Rasa client module is missing.
    """
    remote.check_configured()
    engine = get_engine()
    for sample in ("你好", "電梯壞了 三号楼二单元五零一", "明天下午三点 help"):
        engine.prepare(sample)
        engine.rank(sample)
    engine.prepare.cache_clear()


def apply_safety_net(ranking: list[tuple[str, float]], verdict: Verdict) -> list[tuple[str, float]]:
    """Put ``emergency`` first when the safety net fired, demote an unsure model ``emergency``
    when the net explained every danger phrase away; otherwise return ``ranking`` unchanged."""
    if not verdict.triggered:
        top_name, top_p = ranking[0] if ranking else (None, 0.0)
        if top_name == EMERGENCY and verdict.suppressed and top_p < DEMOTE_BELOW and len(ranking) > 1:
            return [*ranking[1:], ranking[0]]
        return ranking
    model_p = dict(ranking).get(EMERGENCY, 0.0)
    confidence = max(model_p, SAFETY_CONFIDENCE)
    others = [(name, p) for name, p in ranking if name != EMERGENCY]
    rest = sum(p for _, p in others)
    scale = (1.0 - confidence) / rest if rest > 0 else 0.0
    return [(EMERGENCY, confidence), *((name, p * scale) for name, p in others)]


def _remote_entities(raw: dict, prepared: Prepared) -> list[dict]:
    """Entities Rasa found that the built-in extractors do not cover, with original offsets."""
    out = []
    for entity in raw.get("entities") or []:
        if entity.get("entity") in BUILTIN_ENTITY_TYPES or "start" not in entity or "end" not in entity:
            continue
        start, end = prepared.norm.original_span(entity["start"], entity["end"])
        out.append({**entity, "start": start, "end": end})
    return out


def _result(text: str, prepared: Prepared, ranking: list[tuple[str, float]], backend: str,
            extra_entities: list[dict]) -> dict:
    entities = sorted([*(dict(e) for e in prepared.entities), *extra_entities], key=lambda e: e["start"])
    top_name, top_confidence = ranking[0] if ranking else (None, 0.0)
    return {
        "text": text,
        "intent": {"name": top_name, "confidence": float(top_confidence)},
        "intent_ranking": [{"name": name, "confidence": float(p)} for name, p in ranking],
        "entities": entities,
        "normalised_text": prepared.norm.text,
        "safety_net": prepared.verdict.as_dict(),
        "backend": backend,
    }


def parse(text: str, locale: str = "zh_CN", engine: Engine | None = None, use_remote: bool = True) -> dict:
    """Parse one resident message into Rasa's result shape (plus ``normalised_text``,
    ``safety_net`` and ``backend``).

    ``locale`` is accepted for the bot's sake; the engine reads Simplified and Traditional
    Chinese and English in any locale. An empty message has no intent (``name`` None), as in
    Rasa. ``engine`` and ``use_remote=False`` let evaluation run a given built-in model.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, not {type(text).__name__}")
    del locale
    engine = engine or get_engine()
    prepared = engine.prepare(text)
    if not prepared.norm.text.strip():
        return _result(text, prepared, [], "builtin", [])
    answer = remote.remote_ranking(prepared.norm.text) if use_remote else None
    if answer is not None:
        ranking, raw = answer
        backend, extra = "rasa", _remote_entities(raw, prepared)
    else:
        ranking, backend, extra = engine.model.rank(prepared.features), "builtin", []
    return _result(text, prepared, apply_safety_net(ranking, prepared.verdict), backend, extra)
