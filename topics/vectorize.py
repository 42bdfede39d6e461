"""Fast TF-IDF transforms for a fitted vocabulary: whole batches in numpy.

scikit-learn's ``TfidfVectorizer.transform`` builds every n-gram as a Python string and
looks it up one by one. Here a batch is turned into integer keys at once (characters are
code points packed into one 63-bit integer per n-gram; words are vocabulary ids packed in
pairs) and matched against the sorted keys of the vocabulary with ``searchsorted``. The
weighting is the vectorizer's: counts, ``1 + log`` when sublinear, times idf, rows
l2-normalised. The matrices equal scikit-learn's up to float rounding (tests check it).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

_BITS = 21  # every code point is below 2**21


def _char_key(term: str) -> int:
    key = 0
    for ch in term:
        key = (key << _BITS) | ord(ch)
    return key


def _weighted(rows: np.ndarray, columns: np.ndarray, n_rows: int, idf: np.ndarray,
              sublinear: bool) -> sp.csr_matrix:
    """Counts of (row, column) pairs as l2-normalised TF-IDF rows."""
    ones = np.ones(len(rows), dtype=np.float64)
    matrix = sp.coo_matrix((ones, (rows, columns)), shape=(n_rows, len(idf))).tocsr()
    matrix.sum_duplicates()  # sorted columns within each row, counts summed
    values = matrix.data
    if sublinear:
        np.log(values, out=values)
        values += 1.0
    values *= idf[matrix.indices]
    row_of = np.repeat(np.arange(n_rows), np.diff(matrix.indptr))
    norms = np.sqrt(np.bincount(row_of, weights=values * values, minlength=n_rows))
    values /= norms[row_of]
    return matrix


class CharNgramIndex:
    """``TfidfVectorizer(analyzer="char")`` transform of fitted vocabulary and idf weights.

    Parameters
    ----------
    vocabulary : list of str
        The terms, position = feature column.
    idf : numpy.ndarray
        The vectorizer's ``idf_``.
    ngram_range : tuple of int
        Smallest and largest n (at most 3).
    lowercase, sublinear_tf : bool
        As set on the vectorizer.
    """

    def __init__(self, vocabulary: list[str], idf: np.ndarray, ngram_range: tuple[int, int],
                 lowercase: bool = True, sublinear_tf: bool = True):
        low, high = ngram_range
        if not 1 <= low <= high <= 3:
            raise ValueError(f"character n-grams of {ngram_range} are not supported (1-3)")
        self.ngram_range = (low, high)
        self.lowercase = lowercase
        self.sublinear_tf = sublinear_tf
        self.idf = np.asarray(idf, dtype=np.float64)
        keys = np.array([_char_key(term) for term in vocabulary], dtype=np.int64)
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]
        single = keys < (1 << _BITS)
        self._unigram_column = np.full(int(keys[single].max()) + 2 if single.any() else 1, -1,
                                       dtype=np.int64)
        self._unigram_column[keys[single]] = np.flatnonzero(single)
        # When every n-gram's two (n-1)-grams are terms too (so it is with min_df alone),
        # only positions whose shorter n-grams matched need looking up.
        terms = set(vocabulary)
        self._closed = all(len(t) == 1 or (t[:-1] in terms and t[1:] in terms)
                           for t in vocabulary)

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        """Column of each key, -1 when it is not in the vocabulary."""
        if not len(self._keys):
            return np.full(len(keys), -1, dtype=np.int64)
        found = np.searchsorted(self._keys, keys)
        found[found == len(self._keys)] = 0
        return np.where(self._keys[found] == keys, self._order[found], -1)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` (the texts must hold no runs of whitespace)."""
        if self.lowercase:
            texts = [t.lower() for t in texts]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
        codes = codes.astype(np.int64)
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        rows, columns = [], []
        low, high = self.ngram_range
        table = self._unigram_column
        known = table[np.minimum(codes, len(table) - 1)]  # columns of 1-grams
        for n in range(1, high + 1):
            count = len(codes) - n + 1
            if count <= 0:
                break
            if n == 1:
                hits = known
            else:
                candidates = owner[:count] == owner[n - 1:]  # inside one text
                if self._closed:
                    candidates &= (known[:count] >= 0) & (known[1:count + 1] >= 0)
                where = np.flatnonzero(candidates)
                keys = codes[where]
                for k in range(1, n):
                    keys = (keys << _BITS) | codes[where + k]
                hits = np.full(count, -1, dtype=np.int64)
                hits[where] = self._lookup(keys)
            if n >= low:
                matched = hits >= 0
                rows.append(owner[:count][matched])
                columns.append(hits[matched])
            known = hits
        if not rows:
            return sp.csr_matrix((len(texts), len(self.idf)))
        return _weighted(np.concatenate(rows), np.concatenate(columns), len(texts), self.idf,
                         self.sublinear_tf)


class WordNgramIndex:
    """``TfidfVectorizer`` transform over token lists, for word uni- and bigrams.

    Bigrams are matched as pairs of unigram ids, which is exact when every bigram of
    the vocabulary is two vocabulary words without spaces (always so when the
    vocabulary was learnt with ``min_df=1``); :meth:`supports` says whether it is.
    """

    def __init__(self, vocabulary: list[str], idf: np.ndarray, ngram_range: tuple[int, int],
                 sublinear_tf: bool = True):
        self.ngram_range = tuple(ngram_range)
        self.sublinear_tf = sublinear_tf
        self.idf = np.asarray(idf, dtype=np.float64)
        self._unigrams = {t: i for i, t in enumerate(vocabulary) if " " not in t}
        size = len(vocabulary) + 1
        pairs, columns = [], []
        for column, term in enumerate(vocabulary):
            parts = term.split(" ")
            if len(parts) == 2:
                pairs.append(self._unigrams[parts[0]] * size + self._unigrams[parts[1]])
                columns.append(column)
        self._size = size
        order = np.argsort(np.array(pairs, dtype=np.int64), kind="stable")
        self._pair_keys = np.array(pairs, dtype=np.int64)[order]
        self._pair_columns = np.array(columns, dtype=np.int64)[order]
        self._use_unigrams = self.ngram_range[0] <= 1

    @staticmethod
    def supports(vocabulary: list[str], ngram_range: tuple[int, int]) -> bool:
        """Whether this index reproduces the vectorizer exactly for ``vocabulary``."""
        if not 1 <= ngram_range[0] <= ngram_range[1] <= 2:
            return False
        unigrams = {t for t in vocabulary if " " not in t}
        for term in vocabulary:
            parts = term.split(" ")
            if len(parts) > 2 or (len(parts) == 2 and not set(parts) <= unigrams) or "" in parts:
                return False
        return True

    def transform(self, token_lists: list[list[str]]) -> sp.csr_matrix:
        """TF-IDF rows of the token lists."""
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        get = self._unigrams.get
        ids = np.fromiter((get(t, -1) for tokens in token_lists for t in tokens),
                          dtype=np.int64, count=int(lengths.sum()))
        owner = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
        rows, columns = [], []
        if self._use_unigrams:
            known = ids >= 0
            rows.append(owner[known])
            columns.append(ids[known])
        if self.ngram_range[1] == 2 and len(ids) > 1 and len(self._pair_keys):
            keys = ids[:-1] * self._size + ids[1:]
            valid = (ids[:-1] >= 0) & (ids[1:] >= 0) & (owner[:-1] == owner[1:])
            found = np.searchsorted(self._pair_keys, keys)
            found[found == len(self._pair_keys)] = 0
            hit = valid & (self._pair_keys[found] == keys)
            rows.append(owner[:-1][hit])
            columns.append(self._pair_columns[found[hit]])
        if not rows:
            return sp.csr_matrix((len(token_lists), len(self.idf)))
        return _weighted(np.concatenate(rows), np.concatenate(columns), len(token_lists),
                         self.idf, self.sublinear_tf)
