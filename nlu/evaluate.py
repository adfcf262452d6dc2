"""Evaluation of an NLU parse function on Rasa-format test data.

``python -m nlu.evaluate [FILE]`` (default ``nlu/data/test.yml``) prints accuracy, macro-F1,
per-intent precision/recall/F1, the most frequent confusions, emergency recall and the false
alarm rate, building/unit/room exact match (and how many messages without an address got
none) and parse latency after warm-up.
``python -m nlu.evaluate --cv 5`` cross-validates the built-in engine on ``nlu/data/nlu.yml``.

Library API (used by the Rasa benchmark script; keep the names):
``load_examples(path)``, ``evaluate(parse_fn, examples)``, ``format_report(report)``,
``main(argv)``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from nlu import numerals
from nlu.training_data import Example, load_nlu

__all__ = ["Example", "load_examples", "evaluate", "format_report", "cross_validate", "main"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_TEST_FILE = DATA_DIR / "test.yml"
EMERGENCY = "emergency"
ADDRESS_ENTITIES = ("building", "unit", "room")
_WARM_UP_TEXTS = ("你好", "电梯坏了", "3号楼2单元501漏水", "明天下午三点来", "thanks")
_TOP_CONFUSIONS = 10

ParseFn = Callable[[str], dict]


def load_examples(path: str | Path) -> list[Example]:
    """Intent examples of a Rasa NLU YAML file (annotations stripped, entities kept)."""
    return load_nlu(path).examples


def _gold_value(value: str) -> str:
    """Annotations may carry Chinese numerals ([三](building)); compare them as digits."""
    value = str(value).strip()
    if value and all(c in numerals.NUMERAL_CHARS for c in value):
        return numerals.to_arabic(value)
    return value


def _address(entities: Iterable[dict], gold: bool) -> set[tuple]:
    pick = _gold_value if gold else str
    return {(e["entity"], pick(e["value"])) for e in entities if e.get("entity") in ADDRESS_ENTITIES}


def _address_spans(entities: Iterable[dict]) -> set[tuple]:
    return {(e["entity"], e["start"], e["end"]) for e in entities if e.get("entity") in ADDRESS_ENTITIES}


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def _per_intent(gold: list[str], predicted: list[str]) -> dict[str, dict]:
    labels = sorted(set(gold) | set(predicted), key=str)
    pairs = Counter(zip(gold, predicted))
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    table = {}
    for label in labels:
        tp = pairs[(label, label)]
        precision = tp / predicted_counts[label] if predicted_counts[label] else 0.0
        recall = tp / gold_counts[label] if gold_counts[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[str(label)] = {"precision": precision, "recall": recall, "f1": f1, "support": gold_counts[label]}
    return table


def _emergency_rates(gold: list[str], predicted: list[str]) -> tuple[float | None, float | None]:
    emergencies = [p for g, p in zip(gold, predicted) if g == EMERGENCY]
    others = [p for g, p in zip(gold, predicted) if g != EMERGENCY]
    recall = sum(p == EMERGENCY for p in emergencies) / len(emergencies) if emergencies else None
    false_alarms = sum(p == EMERGENCY for p in others) / len(others) if others else None
    return recall, false_alarms


def _entity_scores(examples: list[Example], results: list[dict]) -> tuple[float | None, float | None, int]:
    scored = [(ex, res) for ex, res in zip(examples, results) if _address(ex.entities, gold=True)]
    if not scored:
        return None, None, 0
    values = sum(_address(ex.entities, True) == _address(res["entities"], False) for ex, res in scored)
    spans = sum(_address_spans(ex.entities) == _address_spans(res["entities"]) for ex, res in scored)
    return values / len(scored), spans / len(scored), len(scored)


def _unaddressed_clean(examples: list[Example], results: list[dict]) -> tuple[float | None, int]:
    """Share of the messages without an annotated address (floors, dates, prices ...) that got
    no building/unit/room either, and how many such messages there were."""
    unaddressed = [res for ex, res in zip(examples, results) if not _address(ex.entities, gold=True)]
    if not unaddressed:
        return None, 0
    return sum(not _address(res["entities"], False) for res in unaddressed) / len(unaddressed), len(unaddressed)


def evaluate(parse_fn: ParseFn, examples: list[Example], warm_up: bool = True) -> dict:
    """Run ``parse_fn`` over ``examples`` and compute the report (see the module docstring).

    Keys: accuracy, macro_f1, per_intent, confusions, emergency_recall, false_alarm_rate,
    entity_exact_match, latency_p50_ms, latency_p99_ms, n; plus entity_span_match,
    entity_examples, entity_clean_rate (messages without an annotated address that got none),
    unaddressed_examples and predictions (gold, predicted, text) for error analysis.
    """
    if warm_up:
        for text in _WARM_UP_TEXTS:
            parse_fn(text)
    results, latencies = [], []
    for example in examples:
        start = time.perf_counter()
        results.append(parse_fn(example.text))
        latencies.append((time.perf_counter() - start) * 1000.0)
    return report_from_results(examples, results, latencies)


def report_from_results(examples: list[Example], results: list[dict], latencies: list[float]) -> dict:
    """The report for parse results already computed (cross-validation pools folds this way)."""
    gold = [e.intent for e in examples]
    predicted = [(r.get("intent") or {}).get("name") for r in results]
    per_intent = _per_intent(gold, predicted)
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    recall, false_alarms = _emergency_rates(gold, predicted)
    exact, span, n_entities = _entity_scores(examples, results)
    clean, n_unaddressed = _unaddressed_clean(examples, results)
    ordered = sorted(latencies)
    n = len(examples)
    return {
        "n": n,
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / n if n else 0.0,
        "macro_f1": sum(v["f1"] for v in per_intent.values()) / len(per_intent) if per_intent else 0.0,
        "per_intent": per_intent,
        "confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common()],
        "emergency_recall": recall,
        "false_alarm_rate": false_alarms,
        "entity_exact_match": exact,
        "entity_span_match": span,
        "entity_examples": n_entities,
        "entity_clean_rate": clean,
        "unaddressed_examples": n_unaddressed,
        "latency_p50_ms": _percentile(ordered, 0.50),
        "latency_p99_ms": _percentile(ordered, 0.99),
        "predictions": [(g, p, e.text) for g, p, e in zip(gold, predicted, examples)],
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def format_report(report: dict, errors: int = 0) -> str:
    """Human-readable text of a report; ``errors`` > 0 also lists that many misclassifications."""
    lines = [
        f"examples            {report['n']}",
        f"accuracy            {_pct(report['accuracy'])}",
        f"macro-F1            {report['macro_f1']:.3f}",
        f"emergency recall    {_pct(report['emergency_recall'])}",
        f"false-alarm rate    {_pct(report['false_alarm_rate'])}  (non-emergency messages parsed as emergency)",
        f"building/unit/room  {_pct(report['entity_exact_match'])} exact values, "
        f"{_pct(report.get('entity_span_match'))} exact spans, over {report.get('entity_examples', 0)} examples",
        f"no false address    {_pct(report.get('entity_clean_rate'))} of {report.get('unaddressed_examples', 0)} "
        "messages without one",
        f"latency             p50 {report['latency_p50_ms']:.2f} ms, p99 {report['latency_p99_ms']:.2f} ms",
        "",
        f"{'intent':<16}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}",
    ]
    for name, row in sorted(report["per_intent"].items()):
        lines.append(f"{name:<16}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>8.3f}{row['support']:>9}")
    lines += ["", "top confusions (gold -> predicted)"]
    for row in report["confusions"][:_TOP_CONFUSIONS]:
        lines.append(f"  {row['count']:>3}  {row['gold']} -> {row['predicted']}")
    if errors:
        lines += ["", "misclassified"]
        wrong = [p for p in report.get("predictions", []) if p[0] != p[1]]
        lines += [f"  {g} -> {p}: {text}" for g, p, text in wrong[:errors]]
    return "\n".join(lines)


def cross_validate(folds: int = 5, path: str | Path | None = None, seed: int = 0) -> dict:
    """Stratified k-fold cross-validation of the built-in engine (safety net included)."""
    from sklearn.model_selection import StratifiedKFold

    from nlu.engine import Engine
    from nlu.lexicon import NLU_FILE
    from nlu.pipeline import parse

    engine = Engine(path or NLU_FILE)
    examples = engine.examples
    labels = [e.intent for e in examples]
    results: list[dict | None] = [None] * len(examples)
    latencies: list[float] = [0.0] * len(examples)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(examples, labels):
        engine.model = engine.train([examples[i] for i in train_idx])
        for i in test_idx:
            start = time.perf_counter()
            results[i] = parse(examples[i].text, engine=engine, use_remote=False)
            latencies[i] = (time.perf_counter() - start) * 1000.0
    return report_from_results(examples, results, latencies)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m nlu.evaluate [FILE] [--cv K] [--json] [--errors N]``."""
    parser = argparse.ArgumentParser(prog="nlu.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT_TEST_FILE), help="Rasa NLU YAML test file")
    parser.add_argument("--cv", type=int, metavar="K", help="cross-validate on the training data instead")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="list N misclassified examples")
    args = parser.parse_args(argv)
    if args.cv:
        report = cross_validate(args.cv)
    else:
        path = Path(args.file)
        if not path.exists():
            print(f"no such file: {path}", file=sys.stderr)
            return 2
        import nlu

        nlu.warm_up()
        report = evaluate(nlu.parse, load_examples(path))
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "predictions"}, ensure_ascii=False, indent=2))
    else:
        print(format_report(report, errors=args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
