"""Probabilities written to four decimal places, a whole array at once.

:func:`four_places` must equal ``[repr(round(v, 4)) for v in values]`` (how JSON Lines
writes a score) and :func:`fixed_four` ``[f"{v:.4f}" for v in values]`` (how CSV writes
one), text for text: tests/render/test_outputs.py checks both by hypothesis.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np

_ONE_BITS = np.float64(1.0).view(np.uint64)  # +0.0 ... 1.0 are the floats of bits 0 ... these
_TIES = 0.5 - 1e-6  # a scaled value this near a whole number is no tie


@functools.cache
def _table(text: Callable[[float], str]) -> np.ndarray:
    """``text(k / 10_000)`` for k = 0 ... 10_000, made once per formatter of this module.

    Made from the digits of k (a process's first JSON Lines would otherwise spend ~10 ms on
    ten thousand calls of ``round`` and ``repr``): the same texts, tested.
    """
    return np.array(_FROM_DIGITS[text](), dtype=object)


def _rounded(values, text: Callable[[float], str]) -> list[str]:
    """``text(v)`` of each value: ``text`` rounds to four places (its table: :func:`_table`).

    A finite value in [0, 1] not within a millionth of a tie at the fifth decimal rounds
    to ``k / 10_000`` with ``k = rint(10_000 * v)`` (the product's error is far under a
    millionth), whose text is the table's; the others (-0.0, negative, over 1, NaN,
    infinite, near a tie) take ``text`` itself.
    """
    values = np.asarray(values, dtype=np.float64)
    in_range = values.view(np.uint64) <= _ONE_BITS  # no sign bit, not over 1, not NaN
    scaled = np.where(in_range, values, 0.0) * 10_000.0
    steps = np.rint(scaled)
    # |scaled - rint(scaled)| under 0.5 - 1e-6: the fraction is not within 1e-6 of 0.5
    plain = (np.abs(scaled - steps) < _TIES) & in_range
    texts = _table(text)[steps.astype(np.intp)].tolist()
    if not plain.all():
        for i in np.flatnonzero(~plain).tolist():
            texts[i] = text(float(values[i]))
    return texts


def _repr_four(value: float) -> str:
    return float.__repr__(round(value, 4))


def _fixed_four(value: float) -> str:
    return f"{value:.4f}"


def _fixed_from_digits() -> list[str]:
    """``_fixed_four(k / 10_000)`` for k = 0 ... 10_000: "0.0000" ... "0.9999", "1.0000"."""
    return ["0.%04d" % k for k in range(10_000)] + ["1.0000"]  # noqa: UP031 (the fastest)


def _repr_from_digits() -> list[str]:
    """``_repr_four(k / 10_000)`` for k = 0 ... 10_000: the shortest text of each, as repr's."""
    return ["0.0", *(t.rstrip("0") for t in _fixed_from_digits()[1:10_000]), "1.0"]


_FROM_DIGITS = {_repr_four: _repr_from_digits, _fixed_four: _fixed_from_digits}


def four_places(values) -> list[str]:
    """``repr(round(v, 4))`` of each value, as ``json`` writes it, for a whole array at once."""
    return _rounded(values, _repr_four)


def fixed_four(values) -> list[str]:
    """``f"{v:.4f}"`` of each value, for a whole array at once."""
    return _rounded(values, _fixed_four)


def per_report(labelled: Sequence, scores: Callable, write: Callable[[np.ndarray], list[str]]
               ) -> list[tuple[list[str], list[str]]]:
    """Each report's ``(confidences, scores)`` as text, the numbers of all written at once.

    ``labelled`` are reports' labelled units; ``scores(x)`` a report's score matrix (a row
    per unit); ``write`` formats an array (:func:`four_places`, :func:`fixed_four`).
    """
    matrices = [np.asarray(scores(x)).ravel() for x in labelled]
    rows = sum(map(len, labelled))
    numbers = write(np.concatenate([
        np.fromiter(chain.from_iterable(x.columns.confidences for x in labelled), np.float64,
                    rows), *matrices]))
    out, row, score = [], 0, rows
    for x, matrix in zip(labelled, matrices, strict=True):
        out.append((numbers[row:row + len(x)], numbers[score:score + len(matrix)]))
        row, score = row + len(x), score + len(matrix)
    return out
