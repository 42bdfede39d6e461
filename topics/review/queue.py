"""Uncertainty sampling: the units the model is least sure of come first.

A unit's *margin* is its highest theme probability less its second highest: a unit the
model hesitates on between two themes has a small one, whatever the number of themes. Ties
(and units with a single score) are broken by the highest probability, then by position, so
the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def margin(scores: Mapping[str, float]) -> float:
    """The highest probability less the second highest (the highest alone when one score)."""
    top = sorted(scores.values(), reverse=True)[:2]
    if not top:
        return 0.0
    return top[0] - (top[1] if len(top) > 1 else 0.0)


def least_sure_first(units: Iterable[tuple[object, Mapping[str, float]]]) -> list:
    """The keys of ``(key, scores)`` pairs, by increasing margin then highest probability."""
    ranked = [(margin(scores), max(scores.values(), default=0.0), n, key)
              for n, (key, scores) in enumerate(units)]
    ranked.sort(key=lambda item: item[:3])
    return [key for *_, key in ranked]
