"""Traditional Chinese characters to simplified (OpenCC t2s), a batch at a time."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """The text with traditional Chinese characters converted to simplified (OpenCC t2s)."""
    return _t2s().convert(text)


def map_joined(function: Callable[[str], str], texts: list[str], separator: str) -> list[str]:
    """``function`` of every text, in one call over the texts joined by ``separator``.

    For functions that never change the separator nor act across it; when a text holds the
    separator itself, each text gets its own call.
    """
    joined = separator.join(texts)
    if joined.count(separator) != len(texts) - 1:  # also no texts: -1
        return [function(t) for t in texts]
    return function(joined).split(separator)


def to_simplified_many(texts: list[str]) -> list[str]:
    """:func:`to_simplified` of every text, converted in one call.

    OpenCC converts phrase by phrase and no phrase spans a line break, so joining the
    texts with line breaks changes nothing.
    """
    return map_joined(to_simplified, texts, "\n")
