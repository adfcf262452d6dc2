"""The built-in engine: normalise -> entities + safety verdict + intent ranking.

:class:`Engine` loads everything once (training data, lexicon, jieba, the model) and caches
the per-text work, which does not depend on the model, so cross-validation can swap models
without redoing it. Use :func:`nlu.pipeline.parse` rather than this class directly; the
pipeline adds the Rasa backend and the safety-net decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlu import model_store, safety, tokenizer
from nlu.classifier import IntentModel, train
from nlu.entities import address, timex
from nlu.entities.lexical import facility_matcher, place_matcher
from nlu.features import ADDRESS_TOKEN, clean_length, featurize
from nlu.homophones import HomophoneRepair
from nlu.lexicon import DICT_DIR, NLU_FILE, lexicon_from
from nlu.normalise import normalise_text
from nlu.phonetics import text_pinyin
from nlu.rewriter import Normalised
from nlu.training_data import Example, load_nlu

# A window that jieba knows this well is a real word, not a mis-hearing of a domain word.
_REAL_WORD_MIN_FREQ = 50


@dataclass(frozen=True)
class Prepared:
    """Model-independent analysis of one message."""

    norm: Normalised
    features: tuple[str, ...]
    entities: tuple[dict, ...]
    verdict: safety.Verdict


def mask_addresses(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every address span replaced by :data:`ADDRESS_TOKEN`."""
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]}{ADDRESS_TOKEN}{text[end:]}"
    return text


def _is_real_word(window: str) -> bool:
    return tokenizer.is_known_word(window, _REAL_WORD_MIN_FREQ)


class Engine:
    """Built-in NLU over one training file; see the module docstring."""

    def __init__(self, nlu_path: str | Path = NLU_FILE, model: IntentModel | None = None):
        nlu_path = Path(nlu_path)
        data = load_nlu(nlu_path)
        self.examples: list[Example] = data.examples
        self.lexicon = lexicon_from(data)
        self._repair = HomophoneRepair(
            self.lexicon.vocabulary() | set(safety.REPAIR_WORDS), _is_real_word, tokenizer.cut_keep_spaces
        )
        self._facilities = facility_matcher(self.lexicon.facility_synonyms)
        self._places = place_matcher(self.lexicon.places)
        self.prepare = lru_cache(maxsize=8192)(self._prepare)
        if model is None:
            key = model_store.cache_key([nlu_path, *sorted(DICT_DIR.glob("*.txt"))])
            model = model_store.load_or_train(key, lambda: self.train(self.examples))
        self.model = model

    def normalise(self, text: str) -> Normalised:
        """Normalised text with homophones of domain words repaired."""
        return normalise_text(text, self._repair.edits)

    def features(self, norm: Normalised, addresses: list[tuple[int, int]] | None = None) -> list[str]:
        """Classifier features of normalised text; ``addresses`` (spans of ``norm.text``, found
        by :func:`nlu.entities.address.find` when not given) read as one neutral token each."""
        if addresses is None:
            addresses = address.find(norm)[1]
        if not addresses:
            return featurize(norm.text, tokenizer.cut(norm.text), text_pinyin(norm.text))
        text = mask_addresses(norm.text, addresses)
        return featurize(text, tokenizer.cut(text), text_pinyin(text), clean_length(norm.text))

    def entities(self, norm: Normalised, addresses: list[dict] | None = None) -> list[dict]:
        """All entities, ordered by position in the original text."""
        found = [
            *(address.extract(norm) if addresses is None else addresses),
            *self._facilities.extract(norm),
            *self._places.extract(norm),
            *timex.extract(norm),
        ]
        return sorted(found, key=lambda e: (e["start"], e["end"], e["entity"]))

    def _prepare(self, text: str) -> Prepared:
        norm = self.normalise(text)
        found, spans = address.find(norm)
        return Prepared(norm, tuple(self.features(norm, spans)), tuple(self.entities(norm, found)),
                        safety.check(norm.text))

    def train(self, examples: list[Example]) -> IntentModel:
        """Fit an intent model on ``examples`` (deterministic)."""
        docs = [list(self.prepare(e.text).features) for e in examples]
        return train(docs, [e.intent for e in examples])

    def rank(self, text: str) -> list[tuple[str, float]]:
        """The classifier's (intent, probability) ranking for ``text``."""
        return self.model.rank(self.prepare(text).features)
