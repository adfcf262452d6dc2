"""The entity record every extractor returns, in Rasa's shape."""

from __future__ import annotations

from nlu.rewriter import Normalised


def make_entity(norm: Normalised, entity: str, value, start: int, end: int, extractor: str) -> dict:
    """An entity found at [start, end) of the normalised text, with offsets into the original.

    ``text`` is the original surface (handy for replies and logs); Rasa consumers ignore it.
    """
    o_start, o_end = norm.original_span(start, end)
    return {
        "entity": entity,
        "value": value,
        "start": o_start,
        "end": o_end,
        "extractor": extractor,
        "text": norm.original[o_start:o_end],
    }
