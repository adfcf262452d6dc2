"""nlu.evaluate: the metrics, the report and the command line."""

from __future__ import annotations

import pytest

from nlu import evaluate
from nlu.training_data import Example

EXAMPLES = [
    Example("救命", "emergency"),
    Example("电梯困人了", "emergency"),
    Example("你好", "greet"),
    Example("[3]号楼", "repair_request", [{"entity": "building", "value": "3", "start": 0, "end": 1}]),
    Example("谢谢", "thanks"),
]
ANSWERS = {"救命": "emergency", "电梯困人了": "repair_request", "你好": "emergency", "[3]号楼": "repair_request",
           "谢谢": "thanks"}


def fake_parse(text: str) -> dict:
    entities = [{"entity": "building", "value": "3", "start": 0, "end": 1}] if text.startswith("[3]") else []
    return {"intent": {"name": ANSWERS.get(text, "greet"), "confidence": 1.0}, "entities": entities}


def test_metrics():
    report = evaluate.evaluate(fake_parse, EXAMPLES)
    assert report["n"] == 5
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["emergency_recall"] == pytest.approx(1 / 2)
    assert report["false_alarm_rate"] == pytest.approx(1 / 3)
    assert report["entity_exact_match"] == 1.0
    assert report["entity_clean_rate"] == 1.0 and report["unaddressed_examples"] == 4
    assert report["per_intent"]["greet"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["per_intent"]["thanks"]["f1"] == 1.0
    assert {"gold": "emergency", "predicted": "repair_request", "count": 1} in report["confusions"]
    assert set(report) >= {"accuracy", "macro_f1", "per_intent", "confusions", "emergency_recall", "false_alarm_rate",
                           "entity_exact_match", "latency_p50_ms", "latency_p99_ms", "n"}
    assert report["latency_p99_ms"] >= report["latency_p50_ms"] >= 0


def test_gold_values_written_as_chinese_numerals_compare_as_digits():
    examples = [Example("三号楼", "repair_request", [{"entity": "building", "value": "三", "start": 0, "end": 1}])]
    report = evaluate.evaluate(lambda t: {"intent": {"name": "repair_request"}, "entities": [
        {"entity": "building", "value": "3", "start": 0, "end": 1}]}, examples, warm_up=False)
    assert report["entity_exact_match"] == 1.0


def test_an_address_where_there_is_none_is_counted():
    examples = [Example("5楼的灯坏了", "repair_request"), Example("你好", "greet")]
    report = evaluate.evaluate(lambda t: {"intent": {"name": "greet"}, "entities": [
        {"entity": "building", "value": "5", "start": 0, "end": 1}] if t.startswith("5") else []}, examples,
        warm_up=False)
    assert report["entity_exact_match"] is None
    assert report["entity_clean_rate"] == 0.5 and report["unaddressed_examples"] == 2
    assert "no false address    50.0% of 2 messages" in evaluate.format_report(report)


def test_format_report_names_every_figure():
    text = evaluate.format_report(evaluate.evaluate(fake_parse, EXAMPLES), errors=5)
    for label in ("accuracy", "macro-F1", "emergency recall", "false-alarm rate", "building/unit/room", "p50", "p99",
                  "emergency -> repair_request", "misclassified"):
        assert label in text


def test_command_line_on_a_file(tmp_path, capsys, engine, monkeypatch):
    monkeypatch.delenv("RASA_URL", raising=False)
    path = tmp_path / "mini.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: repair_request\n  examples: |\n    - [3](building)号楼电梯坏了\n'
        "- intent: thanks\n  examples: |\n    - 谢谢你\n",
        encoding="utf-8",
    )
    assert evaluate.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "accuracy            100.0%" in out
    assert "100.0% exact values" in out
    assert evaluate.main([str(tmp_path / "missing.yml")]) == 2
