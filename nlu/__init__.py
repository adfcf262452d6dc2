"""Linli's Chinese NLU: ``nlu.parse(text)`` -> Rasa-shaped intent + entities.

Importing this package is cheap on purpose: jieba, pypinyin, OpenCC, scikit-learn and the
model load on the first ``parse`` or on an explicit ``warm_up()`` (the app calls it before
forking workers). Nothing from the web app is imported here or below.

Public API:

* ``parse(text, locale="zh_CN") -> dict`` — see :func:`nlu.pipeline.parse`;
* ``warm_up() -> None`` — load everything now;
* ``python -m nlu.evaluate [FILE]`` — evaluation report (:mod:`nlu.evaluate`);
* ``python -m nlu.lexicon`` — regenerate the jieba dictionary from ``nlu/data/nlu.yml``.
"""

from __future__ import annotations

__all__ = ["parse", "warm_up"]


def parse(text: str, locale: str = "zh_CN") -> dict:
    """Parse one message; see :func:`nlu.pipeline.parse`."""
    from nlu.pipeline import parse as _parse

    return _parse(text, locale)


def warm_up() -> None:
    """Load the dictionary and the model once for this process; see :func:`nlu.pipeline.warm_up`."""
    from nlu.pipeline import warm_up as _warm_up

    _warm_up()
