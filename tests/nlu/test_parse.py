"""nlu.parse: Rasa's result shape, languages, lazy loading, the Rasa hook, determinism."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nlu
from nlu import remote

ROOT = Path(__file__).resolve().parents[2]
INTENTS = {
    "emergency", "repair_request", "complaint", "help_request", "vote", "volunteer", "device_status",
    "ticket_status", "greet", "thanks", "goodbye", "affirm", "deny", "cancel", "human_agent", "out_of_scope",
}


def test_result_has_rasas_shape(parse):
    result = parse("3号楼2单元501的水管爆了")
    assert result["text"] == "3号楼2单元501的水管爆了"
    assert set(result["intent"]) == {"name", "confidence"}
    assert result["intent"]["name"] in INTENTS
    ranking = result["intent_ranking"]
    assert {r["name"] for r in ranking} == INTENTS
    assert ranking[0] == result["intent"]
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    for entity in result["entities"]:
        assert {"entity", "value", "start", "end", "extractor"} <= entity.keys()
        assert isinstance(entity["start"], int) and isinstance(entity["end"], int)
    assert result["backend"] == "builtin"
    assert result["safety_net"] == {"triggered": False, "rule": None}


@pytest.mark.parametrize(
    "text, intent",
    [
        ("電梯壞了 請派人來修", "repair_request"),
        ("樓上裝修太吵了", "complaint"),
        ("the lift in building 2 is broken", "repair_request"),
        ("thank you so much", "thanks"),
        ("where do i vote", "vote"),
        ("点梯坏了", "repair_request"),
        ("在吗", "greet"),
        ("转人工", "human_agent"),
    ],
)
def test_traditional_english_and_voice_input(parse, text, intent):
    assert parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    "text",
    ["3号楼2单元501", "三栋二单元五零一", "十二号楼", "7-1-302", "Building 5, Unit 2, room 1103", "幺零五", "603号",
     "我住3号楼", "我家是5栋3单元1102室", "在3栋", "住501", "是502", "是 6栋2单元"],
)
def test_a_bare_address_does_not_lean_emergency(parse, text):
    """An address alone answers a question ("which house?"); it asks for nothing."""
    ranking = {r["name"]: r["confidence"] for r in parse(text)["intent_ranking"]}
    assert max(ranking, key=ranking.get) != "emergency"
    assert ranking["emergency"] < 0.1
    assert parse(text)["intent"]["name"] in ("out_of_scope", "affirm")  # 是502 may read as a yes


@pytest.mark.parametrize(
    "text, intent",
    [
        ("5号楼1单元302 快点", "emergency"),
        ("十一栋 三单元 七零二 快", "emergency"),
        ("3号楼2单元501 我妈倒在地上叫不醒", "emergency"),
        ("6栋3单元801室 阳台顶上漏雨", "repair_request"),
        ("我住10号楼3单元901 能帮我买点菜吗", "help_request"),
    ],
)
def test_an_address_does_not_drown_the_request(parse, text, intent):
    assert parse(text)["intent"]["name"] == intent


def test_the_address_is_one_neutral_token_for_the_classifier(engine):
    from nlu.features import ADDRESS_TOKEN

    features = engine.prepare("3号楼2单元501漏水了").features
    assert not any("单元" in f or "号楼" in f for f in features)
    assert f"b:{ADDRESS_TOKEN}漏" in features and f"c:{ADDRESS_TOKEN}" not in features
    assert f"t:^{ADDRESS_TOKEN}$" in engine.prepare("3号楼2单元501").features


@pytest.mark.parametrize("text", ["呵呵", "呵呵呵", "呵呵。", "hehe"])
def test_a_chuckle_is_not_a_yes(parse, text):
    assert parse(text)["intent"]["name"] != "affirm"


@pytest.mark.parametrize("text", ["嗯嗯", "好的", "对", "是的", "可以", "行", "OK", "嗯", "没问题"])
def test_real_yeses_stay_yeses(parse, text):
    assert parse(text)["intent"]["name"] == "affirm"


def test_empty_message_has_no_intent(parse):
    result = parse("  ")
    assert result["intent"] == {"name": None, "confidence": 0.0}
    assert result["intent_ranking"] == [] and result["entities"] == []


def test_results_are_copies_not_the_cache(parse):
    first = parse("3号楼电梯坏了")
    first["entities"][0]["value"] = "mutated"
    assert parse("3号楼电梯坏了")["entities"][0]["value"] == "3"


def test_parse_rejects_non_text(parse):
    with pytest.raises(TypeError):
        parse(None)


def test_import_nlu_loads_nothing_heavy():
    code = (
        "import sys, nlu, nlu.evaluate;"
        "heavy = [m for m in ('jieba', 'pypinyin', 'opencc', 'sklearn', 'flask', 'core') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_nlu_imports_nothing_of_the_app():
    for path in (ROOT / "nlu").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for forbidden in ("from core", "import core", "flask", "from bot", "from workflows", "miniapp_api"):
            assert forbidden not in source, f"{path} mentions {forbidden}"


def test_warm_up_loads_everything_once(engine, monkeypatch):
    from nlu.tokenizer import get_tokenizer

    monkeypatch.delenv("RASA_URL", raising=False)
    nlu.warm_up()
    nlu.warm_up()
    assert get_tokenizer.loaded()
    assert "jieba" in sys.modules


# --- the Rasa hook -----------------------------------------------------------------------------


@pytest.fixture
def fake_rasa(monkeypatch):
    """Replace nlu.rasa_client.remote_parse; ``calls`` records (text, url, timeout)."""
    calls = []
    answer = {"value": None}

    def fake_remote_parse(text, url, timeout=1.5):
        calls.append((text, url, timeout))
        return answer["value"](text) if callable(answer["value"]) else answer["value"]

    monkeypatch.setattr("nlu.rasa_client.remote_parse", fake_remote_parse)
    monkeypatch.setenv("RASA_URL", "http://rasa.invalid:5005")
    monkeypatch.delenv("RASA_TIMEOUT", raising=False)
    return calls, answer


def test_rasa_intent_is_used_with_builtin_entities(engine, fake_rasa):
    calls, answer = fake_rasa
    answer["value"] = lambda text: {
        "text": text,
        "intent": {"name": "complaint", "confidence": 0.8},
        "intent_ranking": [{"name": "complaint", "confidence": 0.8}, {"name": "greet", "confidence": 0.2}],
        "entities": [{"entity": "person", "value": "王", "start": 0, "end": 1, "extractor": "DIETClassifier"}],
    }
    result = nlu.parse("三号楼电梯坏了")
    assert calls == [("3号楼电梯坏了", "http://rasa.invalid:5005", 1.5)]
    assert result["backend"] == "rasa"
    assert result["intent"] == {"name": "complaint", "confidence": 0.8}
    values = {(e["entity"], e["value"]) for e in result["entities"]}
    assert {("building", "3"), ("facility", "elevator"), ("person", "王")} <= values


def test_rasa_timeout_is_configurable(engine, fake_rasa, monkeypatch):
    calls, _ = fake_rasa
    monkeypatch.setenv("RASA_TIMEOUT", "0.3")
    nlu.parse("你好")
    assert calls[-1][2] == 0.3


def test_rasa_none_falls_back_to_builtin(engine, fake_rasa):
    result = nlu.parse("电梯坏了")
    assert result["backend"] == "builtin"
    assert result["intent"]["name"] == "repair_request"


def test_safety_net_overrides_rasa(engine, fake_rasa):
    _, answer = fake_rasa
    answer["value"] = {"intent": {"name": "greet", "confidence": 0.99},
                       "intent_ranking": [{"name": "greet", "confidence": 0.99}], "entities": []}
    result = nlu.parse("救命 电梯里困人了")
    assert result["intent"]["name"] == "emergency"
    assert [r["name"] for r in result["intent_ranking"]] == ["emergency", "greet"]


def test_missing_rasa_client_is_loud_at_start_up_and_safe_per_message(engine, monkeypatch, caplog):
    def missing():
        raise ImportError("No module named 'nlu.rasa_client'")

    monkeypatch.setattr(remote, "_client", missing)
    monkeypatch.setattr(remote, "_reported_missing", False)
    monkeypatch.setenv("RASA_URL", "http://rasa.invalid:5005")
    with pytest.raises(ImportError, match="remote_parse"):
        remote.check_configured()
    result = nlu.parse("电梯坏了")
    assert result["backend"] == "builtin"
    assert "nlu.rasa_client" in caplog.text


# --- training ----------------------------------------------------------------------------------


def test_training_is_deterministic(engine):
    subset = engine.examples[::5]
    first, second = engine.train(subset), engine.train(subset)
    assert first.vocabulary == second.vocabulary
    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.intercept, second.intercept)
    texts = [e.text for e in engine.examples[1::7]]
    assert [first.rank(engine.prepare(t).features) for t in texts] == [
        second.rank(engine.prepare(t).features) for t in texts
    ]


def test_model_cache_round_trip(engine, tmp_path, monkeypatch):
    from nlu import model_store

    monkeypatch.setenv("LINLI_NLU_CACHE_DIR", str(tmp_path))
    trained = []
    model = model_store.load_or_train("k", lambda: trained.append(1) or engine.train(engine.examples[::9]))
    again = model_store.load_or_train("k", lambda: trained.append(1) or engine.train(engine.examples[::9]))
    assert trained == [1]
    assert (tmp_path / "intent-model-k.npz").exists()
    features = engine.prepare("电梯坏了").features
    assert model.rank(features) == again.rank(features)


def test_cache_key_changes_with_the_data(tmp_path):
    from nlu import model_store
    from nlu.lexicon import NLU_FILE

    copy = tmp_path / "nlu.yml"
    copy.write_bytes(NLU_FILE.read_bytes())
    before = model_store.cache_key([copy])
    copy.write_bytes(NLU_FILE.read_bytes() + b"\n")
    assert model_store.cache_key([copy]) != before
