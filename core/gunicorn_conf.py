"""Gunicorn settings for ``linli web`` / ``linli up``.

The NLU model and jieba's dictionary (about 90 MB) load once in the master before it
forks, so every worker shares those pages and no resident's first message pays ~4 s of
loading (which would push a WeChat reply past its 5-second window).
"""
from __future__ import annotations


def on_starting(server) -> None:
    import nlu

    nlu.warm_up()
