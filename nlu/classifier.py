"""The intent classifier: tf-idf weighted sparse features + multinomial logistic regression.

scikit-learn fits the model; prediction is a handful of numpy operations on the few columns a
message touches (a vectoriser + ``predict_proba`` round trip costs more than the whole parse
budget). The fitted weights are plain arrays, so they can be cached with ``numpy.savez``
(no pickle) and reloaded by every worker process.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Regularisation strength of the logistic regression, chosen by cross-validation on nlu.yml
# (python -m nlu.evaluate --cv 5); higher trusts rare features more.
C = 20.0
RANDOM_STATE = 13


@dataclass
class IntentModel:
    """Fitted weights; ``rank`` turns feature strings into a probability ranking."""

    intents: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_features, n_intents): row per feature so a message gathers rows
    intercept: np.ndarray  # (n_intents,)

    def probabilities(self, features: Sequence[str]) -> np.ndarray:
        """Probability of every intent (in ``self.intents`` order)."""
        counts = Counter(self.vocabulary[f] for f in features if f in self.vocabulary)
        scores = self.intercept.astype(np.float64)
        if counts:
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            x = (1.0 + np.log(tf)) * self.idf[idx]
            x /= np.sqrt(x @ x)
            scores = scores + x @ self.weights[idx]
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def rank(self, features: Sequence[str]) -> list[tuple[str, float]]:
        """(intent, probability) pairs, most likely first; ties broken by intent name."""
        probs = self.probabilities(features)
        return sorted(zip(self.intents, probs.tolist()), key=lambda p: (-p[1], p[0]))

    def save(self, path: Path) -> None:
        """Write the weights to ``path`` (.npz); atomic so concurrent workers never see half."""
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        # the vocabulary as one UTF-8 blob: a numpy string array pads every entry to the longest
        blob = np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, intents=np.array(self.intents), vocabulary=blob, idf=self.idf,
                 weights=self.weights, intercept=self.intercept)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        """Read weights written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            vocab = data["vocabulary"].tobytes().decode("utf-8").split("\n")
            return cls(
                intents=data["intents"].tolist(),
                vocabulary={f: i for i, f in enumerate(vocab)},
                idf=data["idf"],
                weights=data["weights"],
                intercept=data["intercept"],
            )


def _matrix(docs: list[list[str]], vocabulary: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for doc in docs:
        counts = Counter(vocabulary[f] for f in doc if f in vocabulary)
        cols = sorted(counts)
        vals = np.array([(1.0 + math.log(counts[c])) * idf[c] for c in cols])
        norm = math.sqrt(float(vals @ vals)) if cols else 1.0
        indices.extend(cols)
        values.extend((vals / norm).tolist())
        indptr.append(len(indices))
    return csr_matrix((values, indices, indptr), shape=(len(docs), len(vocabulary)))


def train(docs: list[list[str]], labels: list[str], c: float = C) -> IntentModel:
    """Fit a model on feature lists and intent labels. Same input, same weights."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    df = Counter(f for doc in docs for f in set(doc))
    vocab_list = sorted(df)
    vocabulary = {f: i for i, f in enumerate(vocab_list)}
    n = len(docs)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocab_list], dtype=np.float32)
    x = _matrix(docs, vocabulary, idf)
    intents = sorted(set(labels))
    y = np.array([intents.index(label) for label in labels])
    # balanced class weights: emergency has the most examples, and an unfamiliar message should
    # not drift towards it just because of the prior (false alarms are the second-worst error)
    clf = LogisticRegression(C=c, max_iter=3000, random_state=RANDOM_STATE, tol=1e-4, class_weight="balanced")
    # one BLAS/OpenMP thread: on a small problem, thread start-up and contention with the other
    # processes of the host cost ten times the work (measured: 1.9 s vs 11 s), and one thread
    # keeps the floating-point summation order, hence the weights, reproducible
    with threadpool_limits(1):
        clf.fit(x, y)
    return IntentModel(
        intents=intents,
        vocabulary=vocabulary,
        idf=idf,
        # float32 halves the file and the memory; the scores it changes are below 1e-6
        weights=np.ascontiguousarray(clf.coef_.T, dtype=np.float32),
        intercept=clf.intercept_.astype(np.float32),
    )
