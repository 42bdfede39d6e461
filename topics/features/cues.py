"""Cue-word matching: how strongly a text speaks of each theme by the taxonomy's cue words."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..taxonomy import Taxonomy


class CueMatcher:
    """Find the taxonomy's cue words in texts (longest match first, no overlaps).

    Parameters
    ----------
    taxonomy : Taxonomy
        Themes with weighted cue words; a word listed under two themes counts for both.
    hints : bool
        Also find the themes' hint words: scores then have a second column per theme (cues
        in taxonomy order, then hints in taxonomy order), and a word that is a cue and a
        hint counts in both. Cue and hint words are matched in one pass, longest first, so
        a hint that holds a cue word is read as the hint (七一表彰, a political hint, hides
        the management cue 表彰) and the reverse: the cue columns of such a text differ
        from a plain matcher's. That is how the default hints were measured (two passes,
        each kind on its own, scored 0.005-0.006 lower alone: bench/ACCURACY.md); weak labels and
        topic seeds use a plain matcher.
    """

    def __init__(self, taxonomy: Taxonomy, hints: bool = False):
        self.taxonomy = taxonomy
        self.theme_ids = taxonomy.ids
        kinds = ("cues", "hints") if hints else ("cues",)
        #: The theme of each score column (each theme once per kind of word).
        self.column_themes = [t.id for _ in kinds for t in taxonomy.themes]
        self._weights: dict[str, list[tuple[int, float]]] = {}
        for block, kind in enumerate(kinds):
            for number, theme in enumerate(taxonomy.themes):
                for word, weight in getattr(theme, kind).items():
                    if word:
                        column = block * len(taxonomy.themes) + number
                        self._weights.setdefault(word, []).append((column, weight))
        self._words = sorted(self._weights, key=lambda w: (-len(w), w))
        self._matcher = None
        self._entries = None  # per word (in _words order), its columns and weights: CSR arrays

    def matches(self, text: str) -> list[str]:
        """Cue (and hint) words found in ``text``, in order."""
        return list(map(self._words.__getitem__, self._found_rows([text])[0].tolist()))

    def _found_rows(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each match's word (number in ``_words``) and text (row), over the whole batch.

        The texts are matched joined by line breaks, leftmost-longest without overlaps
        (``LongestMatcher``); cue words hold no line breaks, so no match spans two texts.
        """
        none = np.zeros(0, dtype=np.int64)
        if not texts or not self._words:
            return none, none
        if self._matcher is None:
            from ._longest import LongestMatcher

            self._matcher = LongestMatcher(self._words)
        joined = "\n".join(texts)
        try:
            codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        except UnicodeEncodeError:  # a lone surrogate: the error its UTF-8 gives
            joined.encode("utf-8")
            raise
        words, starts, _ = self._matcher.find(codes)
        if joined.count("\n") == len(texts) - 1:  # the line breaks end the texts
            ends = np.flatnonzero(codes == 10)
        else:
            ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
        return words, np.searchsorted(ends, starts, side="right")

    def matches_many(self, texts: list[str]) -> list[list[str]]:
        """:meth:`matches` of every text, in one pass over the batch."""
        out: list[list[str]] = [[] for _ in texts]
        found, rows = self._found_rows(texts)
        words = self._words
        for row, word in zip(rows.tolist(), found.tolist(), strict=True):
            out[row].append(words[word])
        return out

    def score_matrix_of_texts(self, texts: list[str]) -> np.ndarray:
        """``score_matrix(matches_many(texts))`` without making the lists of words.

        Each cell's weights are added in the order of the matches, as ``score_matrix`` adds
        them (``np.bincount`` adds in order; a test compares the two).
        """
        width = len(self.column_themes)
        words, rows = self._found_rows(texts)
        if not len(words):
            return np.zeros((len(texts), width))
        if self._entries is None:
            pairs = [self._weights[word] for word in self._words]
            ptr = np.cumsum([0] + [len(entries) for entries in pairs])
            columns, weights = zip(*[entry for entries in pairs for entry in entries],
                                   strict=True)
            self._entries = ptr, np.array(columns, dtype=np.int64), np.array(weights, float)
        ptr, columns, weights = self._entries
        first, count = ptr[words], ptr[words + 1] - ptr[words]
        if not (count == 1).all():  # a word of several columns: each of its entries in turn
            rows = np.repeat(rows, count)
            first = np.repeat(first - np.cumsum(count) + count, count) + np.arange(len(rows))
        cells = rows * width + columns[first]
        sums = np.bincount(cells, weights=weights[first], minlength=len(texts) * width)
        return sums.reshape(len(texts), width)

    def themes_of(self, word: str) -> list[str]:
        """The themes a cue (or hint) word belongs to."""
        return list(dict.fromkeys(self.column_themes[column]
                                  for column, _ in self._weights.get(word, ())))

    def scores_of_matches(self, words: list[str]) -> np.ndarray:
        """Summed cue weights per column (see ``column_themes``) of already matched words."""
        return self.score_matrix([words])[0]

    def scores(self, text: str) -> np.ndarray:
        """Summed cue weights per column (per theme in taxonomy order, see ``hints``)."""
        return self.scores_of_matches(self.matches(text))

    def score_matrix(self, matches: Iterable[list[str]]) -> np.ndarray:
        """:meth:`scores_of_matches` for many texts' matches, one row each (summed in order)."""
        matches = list(matches)
        out = np.zeros((len(matches), len(self.column_themes)))
        entries = [(row, column, weight) for row, words in enumerate(matches)
                   for word in words for column, weight in self._weights[word]]
        if entries:
            rows, columns, weights = zip(*entries, strict=True)
            np.add.at(out, (np.array(rows), np.array(columns)), np.array(weights, dtype=float))
        return out

    def decide(self, text: str, min_score: float = 2.0, margin: float = 2.0) -> str | None:
        """The theme whose cues clearly dominate ``text``, or None.

        Clear means: a score of at least ``min_score`` and at least ``margin``
        times the runner-up's.
        """
        return self.decide_scores(self.scores(text), min_score, margin)

    def decide_scores(self, scores: np.ndarray, min_score: float = 2.0,
                      margin: float = 2.0) -> str | None:
        """:meth:`decide` for a text whose :meth:`scores` are known."""
        scores = scores[:len(self.theme_ids)]  # the cue columns decide, never the hints
        if not len(scores):
            return None
        order = np.argsort(-scores, kind="stable")
        best = scores[order[0]]
        second = scores[order[1]] if len(order) > 1 else 0.0
        if best >= min_score and best >= margin * second:
            return self.theme_ids[order[0]]
        return None
