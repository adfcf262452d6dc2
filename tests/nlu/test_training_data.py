"""nlu/data/nlu.yml: valid Rasa 3.x NLU data, enough examples per intent, annotations that
strip cleanly, and a jieba dictionary that matches its synonyms."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from nlu.lexicon import DICT_FILE, FACILITIES, NLU_FILE, load_lexicon, render_jieba_dict
from nlu.training_data import load_nlu, parse_annotated, parse_nlu

INTENTS = {
    "emergency", "repair_request", "complaint", "help_request", "vote", "volunteer", "device_status",
    "ticket_status", "greet", "thanks", "goodbye", "affirm", "deny", "cancel", "human_agent", "out_of_scope",
}


@pytest.fixture(scope="module")
def data():
    return load_nlu(NLU_FILE)


def test_file_is_rasa_3_nlu_yaml():
    doc = yaml.safe_load(NLU_FILE.read_text(encoding="utf-8"))
    assert doc["version"] == "3.1"
    assert set(doc) == {"version", "nlu"}
    for item in doc["nlu"]:
        kind = {"intent", "synonym", "lookup", "regex"} & set(item)
        assert len(kind) == 1, item
        assert isinstance(item["examples"], str) and all(
            line.startswith("- ") for line in item["examples"].splitlines() if line.strip()
        )


def test_every_intent_has_at_least_60_distinct_examples(data):
    counts = Counter(e.intent for e in data.examples)
    assert set(counts) == INTENTS
    assert min(counts.values()) >= 60, counts
    texts = [e.text for e in data.examples]
    assert len(texts) == len(set(texts)), [t for t, n in Counter(texts).items() if n > 1]


def test_synonyms_cover_every_facility_and_the_dictionary_is_current(data):
    assert set(data.synonyms) == set(FACILITIES)
    assert DICT_FILE.read_text(encoding="utf-8") == render_jieba_dict(data), "run: python -m nlu.lexicon"
    for line in DICT_FILE.read_text(encoding="utf-8").splitlines():
        word, freq, tag = line.split(" ")
        assert word and int(freq) > 0 and tag


def test_lexicon_is_normalised():
    lexicon = load_lexicon()
    assert lexicon.facility_synonyms["电梯"] == "elevator"
    assert lexicon.facility_synonyms["lift"] == "elevator"
    assert lexicon.facility_synonyms["水龙头"] == "water_pipe"  # 水龍頭 in the file, simplified here
    assert "地下车库" in lexicon.places
    assert lexicon.facility_synonyms["heating"] == "heating"  # a facility's name is an English word for it
    assert "other" not in lexicon.facility_synonyms  # ... except "other" (the other day)


@pytest.mark.parametrize(
    "raw, text, entities",
    [
        ("[3](building)号楼", "3号楼", [{"entity": "building", "value": "3", "start": 0, "end": 1}]),
        ("住[三](building:3)栋", "住三栋", [{"entity": "building", "value": "3", "start": 1, "end": 2}]),
        (
            '[三]{"entity": "building", "value": "3"}栋[幺零五]{"entity": "room", "value": "105"}',
            "三栋幺零五",
            [{"entity": "building", "value": "3", "start": 0, "end": 1},
             {"entity": "room", "value": "105", "start": 2, "end": 5}],
        ),
        ("没有实体", "没有实体", []),
    ],
)
def test_annotations_are_stripped(raw, text, entities):
    assert parse_annotated(raw) == (text, entities)


def test_examples_block_as_list_of_texts():
    data = parse_nlu('version: "3.1"\nnlu:\n- intent: greet\n  examples:\n  - text: 你好\n  - text: 在吗\n')
    assert [e.text for e in data.examples] == ["你好", "在吗"]


def test_annotated_values_are_digits(data):
    for example in data.examples:
        for entity in example.entities:
            if entity["entity"] in ("building", "unit", "room"):
                assert entity["value"].isdigit(), example
