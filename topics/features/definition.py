"""The classifier's features, one definition for training and labelling.

Word TF-IDF of the content tokens, character TF-IDF of the normalised text, and the log of
each theme's cue-word score, weighted and side by side.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from ..text.simplify import map_joined
from .cues import CueMatcher
from .sparse import sp

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


def normalise_chars_many(texts: list[str]) -> list[str]:
    """:func:`normalise_chars` of every text, in one pass over the batch."""
    return map_joined(normalise_chars, texts, "\x00")  # NUL: no x, digit or space


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
    return FeatureBlocks(transform_words(tokens), transform_chars(normalise_chars_many(texts)),
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
