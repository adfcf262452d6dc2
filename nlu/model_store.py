"""On-disk cache of the trained intent model.

Training takes seconds, so each process would rather load the weights another process (or the
last deploy) already fitted. The cache key hashes everything that changes the weights: the
training data, the jieba dictionaries, the source of every module on the feature path, the
classifier settings and the numpy/scikit-learn versions. Nothing stale can be loaded, and a
cache that cannot be written (read-only checkout) only costs a retrain.

Location: ``$LINLI_NLU_CACHE_DIR`` if set, else ``nlu/.cache/`` (git-ignored).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from nlu import classifier
from nlu.classifier import IntentModel

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
# modules whose code decides what a training example turns into
_FEATURE_PATH_MODULES = (
    "rewriter.py", "normalise.py", "numerals.py", "phonetics.py", "homophones.py", "tokenizer.py",
    "lexicon.py", "features.py", "classifier.py", "engine.py", "entities/address.py",
)


def cache_dir() -> Path:
    """Where model files live."""
    return Path(os.environ.get("LINLI_NLU_CACHE_DIR") or PACKAGE_DIR / ".cache")


def cache_key(data_files: list[Path]) -> str:
    """A hex digest identifying the model that ``data_files`` + this code would train."""
    import numpy
    import sklearn

    digest = hashlib.sha256()
    for path in [*data_files, *(PACKAGE_DIR / m for m in _FEATURE_PATH_MODULES)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(f"C={classifier.C};np={numpy.__version__};sk={sklearn.__version__}".encode())
    return digest.hexdigest()[:24]


_KEEP = 3  # model files kept per cache directory (the newest); older data/code versions go


def _prune(directory: Path) -> None:
    models = sorted(directory.glob("intent-model-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in models[_KEEP:]:
        stale.unlink(missing_ok=True)


def load_or_train(key: str, train: Callable[[], IntentModel]) -> IntentModel:
    """Load the model cached under ``key``, or call ``train`` and cache what it returns."""
    path = cache_dir() / f"intent-model-{key}.npz"
    if path.exists():
        try:
            return IntentModel.load(path)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable NLU model cache %s: %s", path, exc)
    model = train()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        _prune(path.parent)
    except OSError as exc:
        log.warning("could not cache the NLU model in %s: %s", path.parent, exc)
    return model
