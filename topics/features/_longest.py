"""Leftmost-longest word matching over code points, a whole batch in a few numpy passes.

The matches are those of an Aho-Corasick automaton with leftmost-longest, non-overlapping
semantics (``ahocorasick_rs`` with ``MatchKind.LeftmostLongest``, the reference a test
compares it with): scanning from the left, the next match starts at the first position
where a word starts, is the longest word there, and the scan resumes at its end. Here the
words are a trie walked by every start position at once (one level a round, a position
leaving when its prefix is no word's), which gives each position's longest word; the
scan's choice among overlapping ones is then made cluster by cluster.
"""

from __future__ import annotations

import numpy as np

from .vectorize import KeyTable

#: Largest table of the words' first two characters looked up directly (cells of 4 bytes).
DENSE_PAIRS_MAX = 1 << 22


class LongestMatcher:
    """The leftmost-longest, non-overlapping matches of ``words`` (distinct, none empty)."""

    def __init__(self, words: list[str]):
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"),
                              dtype=np.uint32).astype(np.int64)
        starts = np.cumsum(lengths) - lengths
        alphabet = np.unique(codes)
        #: Per code point, its character's number among the words' (from 1), 0 if in none;
        #: the last cell (0) serves every code point past the words' highest.
        self._rank = np.zeros(int(alphabet[-1]) + 2 if len(alphabet) else 1, dtype=np.int64)
        self._rank[alphabet] = np.arange(1, len(alphabet) + 1)
        self._width = width = len(alphabet) + 1
        self._max = int(lengths.max()) if len(words) else 0
        # trie nodes, level by level; node 0 is the root
        node = np.zeros(len(words), dtype=np.int64)  # each word's node so far
        parents, children, n_nodes = [], [], 1
        for level in range(self._max):
            longer = np.flatnonzero(lengths > level)
            keys = node[longer] * width + self._rank[codes[starts[longer] + level]]
            distinct, inverse = np.unique(keys, return_inverse=True)
            node[longer] = n_nodes + inverse.reshape(-1)
            parents.append(distinct)
            children.append(n_nodes + np.arange(len(distinct)))
            n_nodes += len(distinct)
        #: Per node, the word that ends there, or -1; then a last -1, read for node -1 (none).
        self._word = np.full(n_nodes + 1, -1, dtype=np.int64)
        self._word[node] = np.arange(len(words))
        keys = np.concatenate(parents) if parents else np.zeros(0, dtype=np.int64)
        nodes = np.concatenate(children) if children else np.zeros(0, dtype=np.int64)
        first = keys < width  # the root's children, by character number
        self._first = np.full(width, -1, dtype=np.int64)
        self._first[keys[first]] = nodes[first]
        self._table = KeyTable(keys[~first], nodes[~first])
        self._singles = bool(len(words)) and bool((lengths == 1).any())
        self._pairs = self._dense_pairs(keys, nodes)

    def _dense_pairs(self, keys: np.ndarray, nodes: np.ndarray) -> tuple | None:
        """The nodes of two characters in a direct table, or None when it would be too big.

        The table's cell ``row[first] + column[second]`` (by code point, the last cell for
        all past the words' highest) holds the node of the two characters, or -1; ``row``
        is 0 for a character no word starts with, ``column`` 0 for one that is no word's
        second, and those cells hold -1.
        """
        width = self._width
        first_level = self._first[self._first >= 0]
        level_two = np.flatnonzero((keys >= width) & np.isin(keys // width, first_level))
        parents, seconds = keys[level_two] // width, keys[level_two] % width
        firsts = np.flatnonzero(self._first >= 0)  # character numbers that start a word
        used = np.unique(seconds)
        n_columns = len(used) + 1
        if (len(firsts) + 1) * n_columns > DENSE_PAIRS_MAX:
            return None
        row = np.zeros(width, dtype=np.int64)
        row[firsts] = np.arange(1, len(firsts) + 1) * n_columns
        column = np.zeros(width, dtype=np.int64)
        column[used] = np.arange(1, len(used) + 1)
        first_of = np.full(int(self._first.max()) + 1 if len(firsts) else 1, 0, dtype=np.int64)
        first_of[self._first[firsts]] = firsts  # a first level node's character number
        table = np.full((len(firsts) + 1) * n_columns, -1, dtype=np.int32)
        table[row[first_of[parents]] + column[seconds]] = nodes[level_two]
        return np.take(row, self._rank), np.take(column, self._rank), table  # by code point

    def find(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each match's word (number in ``words``), start and length in ``codes``, in order.

        ``codes`` are code points (integers), such as a text's UTF-32.
        """
        none = np.zeros(0, dtype=np.int64)
        size = len(codes)
        if not self._max or not size:
            return none, none, none
        # past the end, a code point past the words' highest: no word's character
        padded = np.full(size + self._max, len(self._rank) - 1, dtype=np.int64)
        padded[:size] = codes
        if self._pairs is not None:  # the first two characters at once
            row, column, table = self._pairs
            cells = np.take(row, padded[:size], mode="clip")
            cells += np.take(column, padded[1:size + 1], mode="clip")
            node = np.take(table, cells).astype(np.int64)
            level = 2
        else:
            node = np.take(self._first, np.take(self._rank, codes, mode="clip"))
            level = 1
        ones = (np.take(self._word, np.take(self._first, np.take(self._rank, codes, mode="clip")))
                if self._singles else None)
        at = np.flatnonzero(node >= 0 if ones is None else (node >= 0) | (ones >= 0))
        found = np.full(len(at), -1, dtype=np.int64)  # each start's longest word
        longest = np.zeros(len(at), dtype=np.int64)  # and its length
        if ones is not None:
            found[:] = np.take(ones, at)
            longest[found >= 0] = 1
        alive = np.flatnonzero(np.take(node, at) >= 0)  # starts whose prefix is a word's
        node = np.take(node, np.take(at, alive))
        while True:
            word = np.take(self._word, node)
            ends = np.flatnonzero(word >= 0)
            longest[np.take(alive, ends)] = level
            found[np.take(alive, ends)] = np.take(word, ends)
            if level >= self._max:
                break
            step = np.take(self._rank, np.take(padded, np.take(at, alive) + level), mode="clip")
            node = self._table.lookup(node * self._width + step)
            kept = np.flatnonzero(node >= 0)
            if not len(kept):
                break
            alive, node = np.take(alive, kept), np.take(node, kept)
            level += 1
        hit = np.flatnonzero(longest)
        starts, lengths, found = np.take(at, hit), np.take(longest, hit), np.take(found, hit)
        chosen = _chosen(starts, lengths)
        return np.take(found, chosen), np.take(starts, chosen), np.take(lengths, chosen)


def _chosen(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Which of the candidate matches (by start, ascending) the left-to-right scan takes.

    A candidate that no earlier one reaches over is taken (the scan is at or before it);
    from each such one, the scan takes the first candidate at or after its end, and so on
    until it meets the next such one: all clusters advance together, a round a step.
    """
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    ends = starts + lengths
    reach = np.empty(len(starts), dtype=np.int64)
    reach[0] = 0
    np.maximum.accumulate(ends[:-1], out=reach[1:])
    free = reach <= starts
    following = np.searchsorted(starts, ends)  # the first candidate at or after each end
    taken = free.copy()
    current = np.flatnonzero(free)
    while len(current):
        current = np.take(following, current)
        current = current[current < len(starts)]
        current = current[~free[current]]
        taken[current] = True
    return np.flatnonzero(taken)
