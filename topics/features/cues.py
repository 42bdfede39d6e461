"""Cue-word matching: how strongly a text speaks of each theme by the taxonomy's cue words."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

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
        self._automaton = None
        self._entries = None  # per word (in _words order), its columns and weights: CSR arrays

    def _find(self, text: str | bytes) -> list[tuple[int, int, int]]:
        """``(word number, start, end)`` of the cue (and hint) words in ``text`` (Aho-Corasick).

        Start and end count bytes of ``text``'s UTF-8 (or of ``text`` given as UTF-8):
        matching the bytes finds the same words as matching the characters (a word's UTF-8
        starts and ends where characters do), and is cheaper.
        """
        if not self._words:
            return []
        if self._automaton is None:
            import ahocorasick_rs

            # Any implementation finds the same matches; a contiguous NFA is built several
            # times faster than a DFA (paid by each process: bench/ACCURACY.md, session 25)
            # and matches as fast on report text.
            self._automaton = ahocorasick_rs.BytesAhoCorasick(
                [word.encode("utf-8") for word in self._words],
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                implementation=ahocorasick_rs.Implementation.ContiguousNFA)
        data = text.encode("utf-8") if isinstance(text, str) else text
        return self._automaton.find_matches_as_indexes(data, overlapping=False)

    def matches(self, text: str) -> list[str]:
        """Cue (and hint) words found in ``text``, in order."""
        return [self._words[word] for word, _, _ in self._find(text)]

    def _found_rows(self, texts: list[str]) -> tuple[list[tuple[int, int, int]], np.ndarray]:
        """:meth:`_find` over the whole batch, and the text (row) of each match."""
        if not texts:
            return [], np.zeros(0, dtype=np.int64)
        # Cue words hold no line breaks, so no match spans two texts.
        joined = "\n".join(texts)
        data = joined.encode("utf-8")
        found = self._find(data)
        if joined.count("\n") == len(texts) - 1:  # the line breaks' bytes end the texts
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        else:
            ends = np.cumsum([len(text.encode("utf-8")) + 1 for text in texts])
        where = np.fromiter(map(itemgetter(1), found), dtype=np.int64, count=len(found))
        return found, np.searchsorted(ends, where, side="right")

    def matches_many(self, texts: list[str]) -> list[list[str]]:
        """:meth:`matches` of every text, in one pass over the batch."""
        out: list[list[str]] = [[] for _ in texts]
        found, rows = self._found_rows(texts)
        words = self._words
        for row, (word, _, _) in zip(rows.tolist(), found, strict=True):
            out[row].append(words[word])
        return out

    def score_matrix_of_texts(self, texts: list[str]) -> np.ndarray:
        """``score_matrix(matches_many(texts))`` without making the lists of words.

        Each cell's weights are added in the order of the matches, as ``score_matrix`` adds
        them (``np.bincount`` adds in order; a test compares the two).
        """
        width = len(self.column_themes)
        found, rows = self._found_rows(texts)
        if not found:
            return np.zeros((len(texts), width))
        if self._entries is None:
            pairs = [self._weights[word] for word in self._words]
            ptr = np.cumsum([0] + [len(entries) for entries in pairs])
            columns, weights = zip(*[entry for entries in pairs for entry in entries],
                                   strict=True)
            self._entries = ptr, np.array(columns, dtype=np.int64), np.array(weights, float)
        ptr, columns, weights = self._entries
        words = np.fromiter(map(itemgetter(0), found), dtype=np.int64, count=len(found))
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
