"""Load-once helpers: heavy resources (jieba, pypinyin, OpenCC, the model) are created on
first use, exactly once per process even when several threads ask at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(factory: Callable[[], T]) -> Callable[[], T]:
    """A function returning ``factory()``, called at most once (thread-safe)."""
    lock = threading.Lock()
    box: list[T] = []

    def get() -> T:
        if not box:
            with lock:
                if not box:
                    box.append(factory())
        return box[0]

    get.loaded = lambda: bool(box)  # type: ignore[attr-defined]
    return get
