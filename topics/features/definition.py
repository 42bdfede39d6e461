"""The classifier's features, one definition for training and labelling.

Word TF-IDF of the content tokens, character TF-IDF of the normalised text, and the log of
each theme's cue-word score, weighted and side by side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..text.sentences import SPACES
from ..text.simplify import map_joined
from .cues import CueMatcher
from .sparse import sp
from .vectorize import JoinedTexts

# ``[0-9０-９]+(?:[.,][0-9]+)?`` (a test compares them) with its first digit apart: a pattern
# that starts with a character set lets ``re`` skip to the next digit
_DIGITS = re.compile(r"[0-9０-９][0-9０-９]*(?:[.,][0-9]+)?")


def normalise_chars(text: str) -> str:
    r"""Text for character n-grams: placeholders dropped, numbers as ``0``, no spaces.

    In this order: every x, X and × goes (placeholders such as xx市), each number becomes
    ``0``, then all whitespace goes (``str.split`` splits where ``re``'s ``\s`` matches: the
    same text as the regular expressions ``[xX×]+`` and ``\s+``, a hypothesis test says).
    The result holds no whitespace, which ``CharNgramIndex.transform`` requires (tested).
    """
    text = text.replace("x", "").replace("X", "").replace("×", "")
    text = _DIGITS.sub("0", text)
    return "".join(text.split())


_ASCII_DIGIT, _WIDE_DIGIT, _PLACEHOLDER, _SPACE, _POINT = 1, 2, 4, 8, 16


def _kinds() -> np.ndarray:
    """Per code point of the basic plane (and one past it, for all above): its kind's bit."""
    kinds = np.zeros(0x10001, dtype=np.uint8)
    kinds[ord("0"):ord("9") + 1] = _ASCII_DIGIT
    kinds[ord("０"):ord("９") + 1] = _WIDE_DIGIT
    kinds[[ord(c) for c in "xX×"]] = _PLACEHOLDER
    kinds[[ord(c) for c in SPACES]] = _SPACE  # what str.split() splits at
    kinds[[ord(c) for c in ".,"]] = _POINT
    return kinds


_KINDS = _kinds()


def normalise_chars_many(texts: list[str]) -> list[str]:
    """:func:`normalise_chars` of every text, in one pass of numpy over the batch.

    The texts are joined by NUL (no x, digit or space: :func:`_normalised_joined` keeps it).
    A test compares it with :func:`normalise_chars` text by text.
    """
    return map_joined(_normalised_joined, texts, "\x00")


def normalised_joined(texts: list[str]) -> Sequence[str]:
    """:func:`normalise_chars_many` of ``texts``, as :class:`JoinedTexts` where it can.

    The texts are joined by NUL (kept, as in :func:`normalise_chars_many`) and normalised
    as code points, never made strings; where a text holds NUL or a lone surrogate, the list
    of strings (which the features refuse as :func:`normalise_chars_many`'s strings are).
    """
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # also no texts: -1
        return normalise_chars_many(texts)
    codes = _normalised_codes(joined)
    if ((codes >= 0xD800) & (codes <= 0xDFFF)).any():
        return normalise_chars_many(texts)
    return JoinedTexts(codes, len(texts))


def _normalised_joined(joined: str) -> str:
    """:func:`normalise_chars` of ``joined`` (:func:`_normalised_codes` as a string)."""
    return _normalised_codes(joined).tobytes().decode("utf-32-le", "surrogatepass")


def _normalised_codes(joined: str) -> np.ndarray:
    """The code points (uint32) of :func:`normalise_chars` of ``joined``, made in numpy.

    Placeholders dropped; each run of digits and points ``.,`` that holds a digit is a
    number of :data:`_DIGITS` when it has no point (made ``0``), else goes through
    ``_DIGITS`` itself; whitespace dropped.
    """
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kinds = np.take(_KINDS, codes, mode="clip")  # above the basic plane: the last, no kind
    placeholders = kinds == _PLACEHOLDER
    if placeholders.any():
        kept = np.flatnonzero(~placeholders)
        codes, kinds = np.take(codes, kept), np.take(kinds, kept)
    else:
        codes = codes.copy()
    digit = (kinds & (_ASCII_DIGIT | _WIDE_DIGIT)) != 0
    edges = np.flatnonzero(np.diff(digit | (kinds == _POINT), prepend=False, append=False))
    drop = digit  # every digit but the first of each number; and the whitespace
    drop |= kinds == _SPACE
    if len(edges):  # runs of digits and points, [start, end) pairs
        starts, ends = edges[0::2], edges[1::2]
        points = np.flatnonzero(kinds == _POINT)
        run_points = np.bincount(np.searchsorted(starts, points, side="right") - 1,
                                 minlength=len(starts))
        numbers = np.flatnonzero(run_points == 0)  # digits alone: one match of _DIGITS
        drop[starts[numbers]] = False
        codes[starts[numbers]] = ord("0")
        mixed = np.flatnonzero((run_points > 0) & (run_points < ends - starts))
        if len(mixed):  # digits and points: _DIGITS itself
            text = codes.tobytes().decode("utf-32-le", "surrogatepass")
            for start, end in zip(starts[mixed].tolist(), ends[mixed].tolist(), strict=True):
                drop[start:end] = False
                for match in _DIGITS.finditer(text, start, end):
                    codes[match.start()] = ord("0")
                    drop[match.start() + 1:match.end()] = True
    if drop.any():
        codes = codes[~drop]
    return codes


def display_name(feature: str) -> str:
    """A feature name for people: word bigrams are joined without the space."""
    return str(feature).replace(" ", "")


class FeatureBlocks(NamedTuple):
    """A batch's features before weighting: word TF-IDF, character TF-IDF, log cue scores."""

    words: sp.csr_matrix
    chars: sp.csr_matrix
    cues: np.ndarray


def feature_blocks(texts: list[str], tokens: list[list[str]], cue_scores: np.ndarray,
                   transform_words, transform_chars) -> FeatureBlocks:
    """Word TF-IDF of ``tokens``, character TF-IDF of the normalised ``texts``, log cue scores.

    ``transform_*`` turn token lists and character strings into TF-IDF rows
    (``fit_transform`` of content tokens when training; when labelling, the word transform
    takes a segmenter's tokens and keeps the content ones). ``cue_scores`` is
    ``CueMatcher.score_matrix`` of the texts.
    """
    return FeatureBlocks(transform_words(tokens), transform_chars(normalised_joined(texts)),
                         np.log1p(cue_scores))


def weighted_matrix(blocks: FeatureBlocks, weights: dict) -> sp.csr_matrix:
    """The blocks side by side, scaled by ``word_weight``, ``char_weight`` and ``cue_weight``."""
    return sp.hstack([weights["word_weight"] * blocks.words,
                      weights["char_weight"] * blocks.chars,
                      weights["cue_weight"] * sp.csr_matrix(blocks.cues)]).tocsr()


def feature_matrix(texts: list[str], tokens: list[list[str]], matches: list[list[str]],
                   cue_matcher: CueMatcher, transform_words, transform_chars,
                   weights: dict) -> sp.csr_matrix:
    """The classifier's features, the same in training and labelling.

    :func:`feature_blocks` (cue scores from the cue words in ``matches``) as one
    :func:`weighted_matrix`.
    """
    return weighted_matrix(feature_blocks(texts, tokens, cue_matcher.score_matrix(matches),
                                          transform_words, transform_chars), weights)
