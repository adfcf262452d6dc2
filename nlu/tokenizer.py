"""jieba word segmentation with the community dictionary, loaded on first use.

A private ``jieba.Tokenizer`` is used instead of jieba's global one so that loading our user
dictionary does not change how other code in the process segments text. jieba logs
"Building prefix dict ..." on initialisation and its import may raise DeprecationWarnings on
newer Pythons; both are silenced here, locally, because the project runs with warnings as
errors and the messages say nothing useful to an operator.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from nlu.lazy import once
from nlu.lexicon import DICT_DIR

def _load(dict_dir: Path = DICT_DIR):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        tokenizer.initialize()
    for path in sorted(dict_dir.glob("*.txt")):
        # jieba leaves a file it opened itself unclosed (a ResourceWarning); hand it an open one
        with path.open("rb") as f:
            tokenizer.load_userdict(f)
    return tokenizer


# The process-wide jieba tokenizer with every dictionary in nlu/data/dict/ loaded.
get_tokenizer = once(_load)


def cut(text: str) -> list[str]:
    """Segment ``text`` into words (HMM on, so unknown words are still grouped)."""
    return [w for w in get_tokenizer().lcut(text) if not w.isspace()]


def cut_keep_spaces(text: str) -> list[str]:
    """Segment ``text`` so that the pieces concatenate back to it (offsets stay valid)."""
    return get_tokenizer().lcut(text)


def is_known_word(word: str, min_freq: int = 1) -> bool:
    """True when ``word`` is in jieba's dictionary (general or community) with a real frequency."""
    return get_tokenizer().FREQ.get(word, 0) >= min_freq
