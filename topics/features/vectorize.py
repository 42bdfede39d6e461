"""Fast TF-IDF transforms for a fitted vocabulary: whole batches in numpy.

scikit-learn's ``TfidfVectorizer.transform`` builds every n-gram as a Python string and
looks it up one by one. Here a batch is turned into integer keys at once (characters are
code points packed into one 63-bit integer per n-gram; words are vocabulary ids packed in
pairs) and looked up in a hash table of the vocabulary's keys, all at once (``KeyTable``). The
weighting is the vectorizer's: counts, ``1 + log`` when sublinear, times idf, rows
l2-normalised. The matrices equal scikit-learn's up to float rounding (tests check it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from typing import NamedTuple

import numpy as np

from ..text.segment import TokenLists, sorted_unique
from ..text.simplify import map_joined
from .sparse import sp

_BITS = 21  # every code point is below 2**21
_UNKNOWN, _DROPPED, _UNSEEN = -1, -2, -3  # codes of tokens that are not vocabulary ids
_MAX_CODES = 500_000  # distinct tokens whose code is remembered
#: Put between two texts' code points: above every code point, so no term holds it.
_SEPARATOR = 0x110000
#: Largest table of character bigrams looked up directly (cells of 4 bytes).
DENSE_PAIRS_MAX = 1 << 24


def _char_key(term: str) -> int:
    key = 0
    for ch in term:
        key = (key << _BITS) | ord(ch)
    return key


class JoinedTexts(Sequence):
    """Texts held as their code points in a row, NUL between two; no text holds NUL.

    A sequence of the texts (decoded once, when a text is first asked for);
    :meth:`CharNgramIndex.transform` reads ``codes`` without making the strings.
    """

    __slots__ = ("codes", "_count", "_texts")

    def __init__(self, codes: np.ndarray, count: int):
        self.codes = codes  # uint32
        self._count = count
        self._texts = None

    def joined(self) -> str:
        """The texts as one string, NUL between two."""
        return self.codes.tobytes().decode("utf-32-le", "surrogatepass")

    def texts(self) -> list[str]:
        """The texts as strings (made once)."""
        if self._texts is None:
            self._texts = self.joined().split("\x00") if self._count else []
        return self._texts

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.texts()[index]

    def __iter__(self):
        return iter(self.texts())


#: Code points whose ``str.lower`` the table of :func:`_lower_table` cannot give: U+0130
#: lowers to two characters, U+03A3 to one of two by its neighbours (final sigma).
_LOWER_APART = (0x130, 0x3A3)
_APART = 0xFFFFFFFF  # in the table: "not from the table", for these and past the plane


@functools.cache
def _lower_table() -> np.ndarray:
    """Per code point of the basic plane, the code point of its ``str.lower``; then one more.

    Right for every one but :data:`_LOWER_APART`, whose cells (and the last, for all code
    points above the plane) hold ``_APART``; a test compares them all. One call of
    ``str.lower`` over all of them makes it.
    """
    points = np.arange(0x10001, dtype=np.uint32)
    lowered = points.copy()
    lowered[[*_LOWER_APART, 0x10000]] = _APART
    plain = np.flatnonzero(((points < 0xD800) | (points > 0xDFFF)) & (lowered != _APART))
    text = points[plain].tobytes().decode("utf-32-le").lower()
    lowered[plain] = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return lowered


def _lowered(codes: np.ndarray) -> np.ndarray | None:
    """``str.lower`` of the text of ``codes`` (uint32), as int64 code points.

    None where a code point is above the basic plane or one of :data:`_LOWER_APART`: there
    ``str.lower`` itself.
    """
    lowered = np.take(_lower_table(), codes, mode="clip")
    if len(lowered) and lowered.max() == _APART:
        return None
    return lowered.astype(np.int64)


class _Terms(NamedTuple):
    """Character terms as arrays: each one's length and key (:func:`_char_key`), and codes.

    ``codes[starts[i]:starts[i] + lengths[i]]`` are the code points of term ``i``.
    """

    lengths: np.ndarray
    keys: np.ndarray
    codes: np.ndarray
    starts: np.ndarray


def _char_terms(vocabulary: list[str]) -> _Terms:
    """:class:`_Terms` of ``vocabulary``, in one pass of numpy.

    Each key is :func:`_char_key` of its term (a test compares them); a term of more than
    3 characters (whose key does not fit 63 bits) takes the reference itself.
    """
    count = len(vocabulary)
    lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=count)
    codes = np.frombuffer("".join(vocabulary).encode("utf-32-le", "surrogatepass"),
                          dtype=np.uint32).astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    keys = np.zeros(count, dtype=np.int64)
    for k in range(3):
        longer = np.flatnonzero(lengths > k)
        keys[longer] = (keys[longer] << _BITS) | codes[starts[longer] + k]
    for i in np.flatnonzero(lengths > 3).tolist():
        keys[i] = _char_key(vocabulary[i])
    return _Terms(lengths, keys, codes, starts)


class KeyTable:
    """An open-addressing hash table from distinct non-negative int64 keys to values.

    Looking up a whole array of keys takes a few vectorised rounds of linear probing (the
    table is at most a quarter full); ``searchsorted`` on a sorted array costs a binary
    search per key, several times more on large batches.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys = np.asarray(keys, dtype=np.int64)
        self._bits = max(4, (4 * len(keys)).bit_length())
        size = 1 << self._bits
        self._keys = np.full(size, -1, dtype=np.int64)
        self._values = np.full(size, -1, dtype=np.int64)
        slots = self._slots(keys)
        pending = np.arange(len(keys))
        while len(pending):  # place keys round by round; the first to claim a free slot wins
            free = self._keys[slots[pending]] == -1
            claim, first = np.unique(slots[pending[free]], return_index=True)
            placed = pending[free][first]
            self._keys[claim] = keys[placed]
            self._values[claim] = np.asarray(values)[placed]
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            slots[pending] = (slots[pending] + 1) & (size - 1)

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        """The table's arrays, named ``prefix`` + ``keys`` and ``values`` (see :meth:`of_state`)."""
        return {f"{prefix}keys": self._keys, f"{prefix}values": self._values}

    @classmethod
    def of_state(cls, state: dict[str, np.ndarray], prefix: str) -> KeyTable:
        """The table whose :meth:`state` this is (``ValueError`` if it cannot be one)."""
        keys, values = state[f"{prefix}keys"], state[f"{prefix}values"]
        size = len(keys)
        if (keys.dtype != np.int64 or values.dtype != np.int64 or keys.shape != (size,)
                or values.shape != (size,) or size < 16 or size & (size - 1)):
            raise ValueError("not a key table")
        table = cls.__new__(cls)
        table._bits, table._keys, table._values = size.bit_length() - 1, keys, values
        return table

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        # the keys are not negative: their bits as uint64 are the same numbers, and so are
        # the slots' (below 2**63) as int64; views, not copies
        hashed = np.multiply(np.ascontiguousarray(keys, dtype=np.int64).view(np.uint64),
                             self._MULTIPLIER)
        hashed >>= np.uint64(64 - self._bits)
        return hashed.view(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, -1 for keys not in the table."""
        slots = self._slots(keys)
        stored = np.take(self._keys, slots)
        out = np.take(self._values, slots)  # right where the first slot holds the key
        todo = np.flatnonzero(stored != keys)
        out[todo] = -1
        todo = todo[stored[todo] != -1]  # an empty slot ends the probing
        mask = len(self._keys) - 1
        while len(todo):  # few keys: the table is at most a quarter full
            slots[todo] = moved = (slots[todo] + 1) & mask
            stored = np.take(self._keys, moved)
            hit = stored == keys[todo]
            out[todo[hit]] = np.take(self._values, moved[hit])
            todo = todo[~hit & (stored != -1)]
        return out


def _row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """The sum of each row's values (``values[indptr[i]:indptr[i + 1]]``), added in order.

    As ``np.bincount`` of the rows with these weights adds them (a test compares them), but
    cheaper: a one-column CSR matrix times one.
    """
    n_rows = len(indptr) - 1
    one_column = sp.csr_matrix((values, np.zeros(len(values), dtype=np.int32), indptr),
                               shape=(n_rows, 1))
    return one_column @ np.ones(1)


#: Rows sorted together by :func:`_sorted_keys`: runs of whole rows of about this many keys.
_RUN_KEYS = 256


def _sorted_keys(rows: list[np.ndarray], columns: list[np.ndarray], n_rows: int, shift: int,
                 dtype: type) -> np.ndarray:
    """The keys ``row << shift | column`` of all pieces' pairs, sorted.

    Where every piece's rows come in order (not decreasing), the keys are first put in
    order of row (each row's keys piece by piece), then sorted in runs of whole rows: a key
    is row-major, so runs of whole rows sorted one by one are the whole array sorted. Else
    one sort of all the keys. Either way, the array of sorted keys (a test compares them).
    """
    total = sum(map(len, rows))
    keys = np.empty(total, dtype)
    in_order = all(len(piece) < 2 or bool((piece[1:] >= piece[:-1]).all()) for piece in rows)
    if not in_order:
        start = 0
        for piece_rows, piece_columns in zip(rows, columns, strict=True):
            piece = keys[start:start + len(piece_rows)]
            np.left_shift(piece_rows, shift, out=piece, casting="unsafe")  # exact: keys fit
            np.bitwise_or(piece, piece_columns, out=piece, casting="unsafe")
            start += len(piece_rows)
        keys.sort()  # keys alone: every algorithm gives the same array; the default's fastest
        return keys
    every_row = np.arange(n_rows + 1)
    bounds = [np.searchsorted(piece, every_row) for piece in rows]  # each piece's rows
    ends = np.zeros(n_rows + 1, dtype=np.int64)  # where each row's keys end, so far
    for piece_bounds in bounds:
        ends[1:] += np.diff(piece_bounds)
    np.cumsum(ends, out=ends)
    filled = ends[:-1].copy()  # where each row's next keys go
    for piece_rows, piece_columns, piece_bounds in zip(rows, columns, bounds, strict=True):
        # the piece's i-th pair, of row r: at filled[r] + i - piece_bounds[r]
        at = np.repeat(filled - piece_bounds[:-1], np.diff(piece_bounds))
        at += np.arange(len(piece_rows))
        piece = np.left_shift(piece_rows, shift, dtype=dtype, casting="unsafe")
        np.bitwise_or(piece, piece_columns, out=piece, casting="unsafe")
        keys[at] = piece
        filled += np.diff(piece_bounds)
    # a run starts at the first row that starts past each multiple of _RUN_KEYS
    cuts = sorted_unique(np.searchsorted(ends, np.arange(0, total, _RUN_KEYS)))  # sorted
    cuts = [*np.take(ends, cuts).tolist(), total]
    for first, end in zip(cuts[:-1], cuts[1:], strict=True):
        keys[first:end].sort()
    return keys


def _weighted(rows: np.ndarray | list[np.ndarray], columns: np.ndarray | list[np.ndarray],
              n_rows: int, idf: np.ndarray, sublinear: bool) -> sp.csr_matrix:
    """Counts of (row, column) pairs as l2-normalised TF-IDF rows (sorted, no duplicates).

    ``rows`` and ``columns`` may come in pieces (lists of arrays of equal lengths). The pairs
    are sorted by row, then column; the sums are scipy's ``sum_duplicates``'. Each pair is
    one key, the row's bits above the column's (``shift`` bits, a power of two at least the
    width): shifts, not divisions, take it apart, and a batch's keys are made and sorted as
    32-bit integers (twice as fast as int64's) when the rows allow (:func:`_sorted_keys`).
    """
    width = len(idf)
    shift = max(width - 1, 1).bit_length()
    rows = rows if isinstance(rows, list) else [rows]
    columns = columns if isinstance(columns, list) else [columns]
    # 32 bits when every row's first key, n_rows' too (the last bound), is under 2**32
    keys = _sorted_keys(rows, columns, n_rows, shift,
                        np.uint32 if n_rows << shift < 1 << 32 else np.int64)
    last = np.empty(len(keys), dtype=bool)  # the last of each run of equal keys
    last[-1:] = True
    np.not_equal(keys[1:], keys[:-1], out=last[:-1])
    ends = np.flatnonzero(last)
    found = np.take(keys, ends)
    counts = np.empty(len(ends), dtype=np.int64)
    counts[:1] = ends[:1] + 1
    np.subtract(ends[1:], ends[:-1], out=counts[1:])
    kind = keys.dtype.type
    indices = (found & kind((1 << shift) - 1)).astype(np.int32 if width < 1 << 31 else np.int64)
    indptr = np.searchsorted(found, np.arange(n_rows + 1, dtype=keys.dtype) << kind(shift))
    indptr = indptr.astype(np.int64)
    values = np.take(idf, indices)  # times each count's weight, which is 1.0 for a count of 1
    repeated = np.flatnonzero(counts > 1)
    if len(repeated):
        weights = counts[repeated]
        if sublinear:  # 1 + log of each count, from a table of the counts there are
            table = np.arange(int(weights.max()) + 1, dtype=np.float64)
            np.log(table[1:], out=table[1:])  # table[0] (no count is 0) stays
            table[1:] += 1.0
            weights = np.take(table, weights)
        values[repeated] *= weights
    norms = np.sqrt(_row_sums(values * values, indptr))
    values /= np.repeat(norms, np.diff(indptr))
    return sp.csr_matrix((values, indices, indptr), shape=(n_rows, width))


class _DensePairs(NamedTuple):
    """Character bigrams by ``rank[first] * size + rank[second]``: their column, or -1.

    ``rank`` gives each character term's position among the ``size`` of them, by code point.
    """

    rank: np.ndarray
    size: int
    columns: np.ndarray

    def lookup_at(self, codes: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The column of the bigram at each position ``at`` of ``codes`` (code points).

        Both characters of each bigram must be character terms.
        """
        ranks = np.take(self.rank, codes, mode="clip")  # -1 past the last character term
        return np.take(self.columns, np.take(ranks, at) * self.size + np.take(ranks[1:], at))


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
                 lowercase: bool = True, sublinear_tf: bool = True,
                 _state: dict[str, np.ndarray] | None = None):
        low, high = ngram_range
        if not 1 <= low <= high <= 3:
            raise ValueError(f"character n-grams of {ngram_range} are not supported (1-3)")
        self.ngram_range = (low, high)
        self.lowercase = lowercase
        self.sublinear_tf = sublinear_tf
        self.idf = np.asarray(idf, dtype=np.float64)
        if _state is not None:
            self._restore(_state)
            return
        terms = _char_terms(vocabulary)
        keys = terms.keys
        self._table = KeyTable(keys, np.arange(len(keys)))
        single = keys < (1 << _BITS)
        self._unigram_column = np.full(int(keys[single].max()) + 2 if single.any() else 1, -1,
                                       dtype=np.int64)
        self._unigram_column[keys[single]] = np.flatnonzero(single)
        # When every n-gram's two (n-1)-grams are terms too (so it is with min_df alone),
        # only positions whose shorter n-grams matched need looking up.
        self._closed = self._is_closed(vocabulary, terms, self._table)
        self._pairs = self._dense_pairs(terms) if self._closed and high > 1 else None

    def state(self) -> dict[str, np.ndarray]:
        """What the index built from its vocabulary, as arrays: :meth:`of_state` takes them."""
        pairs = self._pairs
        return {**self._table.state("char_table_"), "char_unigram_column": self._unigram_column,
                "char_closed": np.array(self._closed),
                "char_pairs_rank": np.zeros(0, np.int64) if pairs is None else pairs.rank,
                "char_pairs_columns": np.zeros(0, np.int32) if pairs is None else pairs.columns}

    @classmethod
    def of_state(cls, state: dict[str, np.ndarray], size: int, idf: np.ndarray,
                 ngram_range: tuple[int, int], lowercase: bool = True,
                 sublinear_tf: bool = True) -> CharNgramIndex:
        """The index of a vocabulary of ``size`` terms whose :meth:`state` this is.

        The arrays must have the shapes and types the index makes, their columns within
        ``size`` (``ValueError`` if not); their values are the index's as it kept them.
        """
        if len(idf) != size:
            raise ValueError("idf weights and vocabulary differ in size")
        return cls([], idf, ngram_range, lowercase, sublinear_tf, _state={**state, "size": size})

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        size = state["size"]
        self._table = KeyTable.of_state(state, "char_table_")
        column, closed = state["char_unigram_column"], state["char_closed"]
        rank, columns = state["char_pairs_rank"], state["char_pairs_columns"]
        side = int(np.sqrt(len(columns)))
        if (column.dtype != np.int64 or column.ndim != 1 or not 1 <= len(column) <= 0x110001
                or closed.dtype != bool or closed.shape != () or rank.dtype != np.int64
                or columns.dtype != np.int32 or side * side != len(columns)
                or len(rank) not in (0, len(column)) or (len(columns) == 0) != (len(rank) == 0)
                or self._table._values.max() >= size or column.max() >= size
                or (len(columns) and columns.max() >= size)
                or (len(rank) and rank.max() >= side)):
            raise ValueError("not the arrays of a character index")
        self._unigram_column, self._closed = column, bool(closed)
        self._pairs = _DensePairs(rank, side, columns) if len(rank) else None

    @staticmethod
    def _is_closed(vocabulary: list[str], terms: _Terms, table: KeyTable) -> bool:
        """Whether every term's two (n-1)-character parts are terms too (in ``table``).

        With keys: a term's first n-1 characters have the key ``key >> _BITS``, its last
        n-1 ``key`` less its first character's bits. Where a term is empty, longer than 3
        or holds NUL (whose key equals a shorter term's), the terms are checked as strings.
        """
        lengths, keys = terms.lengths, terms.keys
        plain = (lengths >= 1) & (lengths <= 3)
        if not (plain.all() and terms.codes.all()):
            strings = set(vocabulary)
            return all(len(t) == 1 or (t[:-1] in strings and t[1:] in strings)
                       for t in vocabulary)
        longer = lengths > 1
        heads = keys[longer] >> _BITS
        tails = keys[longer] & ((np.int64(1) << (_BITS * (lengths[longer] - 1))) - 1)
        return bool((table.lookup(heads) >= 0).all() and (table.lookup(tails) >= 0).all())

    def _dense_pairs(self, terms: _Terms) -> _DensePairs | None:
        """A direct table of the character bigrams, or None when it would be too big.

        A gather from it replaces the hash lookup; it serves vocabularies whose bigrams
        are all made of character terms, up to :data:`DENSE_PAIRS_MAX` cells (the default
        model's 2,762 characters: 30 MB).
        """
        singles = np.flatnonzero(self._unigram_column >= 0)
        size = len(singles)
        if size * size > DENSE_PAIRS_MAX:
            return None
        rank = np.full(len(self._unigram_column), -1, dtype=np.int64)
        rank[singles] = np.arange(size)
        table = np.full(size * size, -1, dtype=np.int32)
        columns = np.flatnonzero(terms.lengths == 2)
        firsts = terms.codes[terms.starts[columns]]
        seconds = terms.codes[terms.starts[columns] + 1]
        table[rank[firsts] * size + rank[seconds]] = columns
        return _DensePairs(rank, size, table)

    def _stream(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The texts' code points in a row, :data:`_SEPARATOR` between two; each one's text.

        The texts are lowercased first if ``lowercase``. No term holds the separator, so no
        n-gram across two texts is ever found. :class:`JoinedTexts` are read as their code
        points.
        """
        if isinstance(texts, JoinedTexts):
            joined, raw = None, texts.codes
        else:
            joined = "\x00".join(texts)
            raw = None
            if joined.count("\x00") == len(texts) - 1:
                raw = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        if raw is not None:  # NUL only between the texts
            # NUL separates as the ends of a text do, even for final sigma
            codes = _lowered(raw) if self.lowercase else raw.astype(np.int64)
            if codes is None:
                joined = texts.joined() if joined is None else joined
                codes = np.frombuffer(joined.lower().encode("utf-32-le"),
                                      dtype=np.uint32).astype(np.int64)
            between = np.flatnonzero(codes == 0)
        else:
            if self.lowercase:
                texts = [text.lower() for text in texts]
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
            ends = np.cumsum(lengths[:-1])
            codes = np.insert(codes.astype(np.int64), ends, 0)
            between = ends + np.arange(len(ends))
        codes[between] = _SEPARATOR
        lengths = np.diff(between, prepend=-1, append=len(codes) - 1)  # with the separator
        return codes, np.repeat(np.arange(len(texts)), lengths)  # a separator: its text's

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` (the texts must hold no runs of whitespace).

        ``texts`` may be :class:`JoinedTexts`.
        """
        if not texts:
            return sp.csr_matrix((0, len(self.idf)))
        codes, owner = self._stream(texts)
        rows, columns = [], []
        low, high = self.ngram_range
        # columns of 1-grams; the table's last cell is -1, past every term's code point
        known = np.take(self._unigram_column, codes, mode="clip")
        found_at = known >= 0
        at = np.flatnonzero(found_at)  # where the n-grams found start
        found = np.take(known, at)
        for n in range(1, high + 1):
            if n > 1:
                if self._closed:  # an n-gram is a term only where its two (n-1)-grams are
                    if n > 2:
                        found_at = np.zeros(len(codes), dtype=bool)
                        found_at[at] = True
                    at = np.flatnonzero(found_at[:-1] & found_at[1:])
                else:
                    at = np.arange(max(len(codes) - n + 1, 0))
                if n == 2 and self._pairs is not None:
                    found = self._pairs.lookup_at(codes, at)
                else:
                    keys = np.take(codes, at)
                    for k in range(1, n):
                        keys <<= _BITS
                        keys |= np.take(codes[k:], at)
                    found = self._table.lookup(keys)
                hit = np.flatnonzero(found >= 0)  # two takes: faster than two masks
                at, found = np.take(at, hit), np.take(found, hit)
            if n >= low:
                rows.append(np.take(owner, at))
                columns.append(found)
        return _weighted(rows, columns, len(texts), self.idf, self.sublinear_tf)


def _bigram_parts(vocabulary: list[str]) -> tuple[list[int], list[str], list[str], bool]:
    """Columns, first and second words of the terms that are word pairs (one space).

    Also whether every term that holds a space is such a pair. The usual vocabulary is
    split in one call (its pairs joined by line breaks); one with a term of several spaces
    or a line break, term by term.
    """
    columns = [column for column, term in enumerate(vocabulary) if " " in term]
    terms = [vocabulary[column] for column in columns]
    joined = "\n".join(terms)
    if joined.count(" ") == len(terms) and joined.count("\n") == max(len(terms) - 1, 0):
        parts = joined.replace("\n", " ").split(" ") if terms else []
        return columns, parts[0::2], parts[1::2], True
    split = [(column, term.split(" ")) for column, term in zip(columns, terms, strict=True)]
    pairs = [(column, parts) for column, parts in split if len(parts) == 2]
    return ([column for column, _ in pairs], [parts[0] for _, parts in pairs],
            [parts[1] for _, parts in pairs], len(pairs) == len(split))


class CharNgramVectorizer:
    """``TfidfVectorizer(analyzer="char", sublinear_tf=True, min_df=...)`` fitted in numpy.

    Its :meth:`fit_transform` gives the same vocabulary (in the same order), ``idf_`` and
    matrix as scikit-learn's on texts without runs of whitespace (``normalise_chars``' output),
    in a fraction of the time: every n-gram is a packed integer key (as in
    :class:`CharNgramIndex`), document frequencies come from sorting the keys; a test
    compares both. n-grams of at most 3 characters; ``lowercase`` as scikit-learn's default.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 3), min_df: int = 2):
        self.ngram_range = tuple(ngram_range)
        self.min_df = min_df

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        """Learn the vocabulary and idf of ``texts``; their TF-IDF rows."""
        low, high = self.ngram_range
        if not 1 <= low <= high <= 3:
            raise ValueError(f"character n-grams of {self.ngram_range} are not supported (1-3)")
        texts = map_joined(str.lower, texts, "\x00")
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
        codes = codes.astype(np.int64)
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        owners, starts, keys, sizes = [], [], [], []
        for n in range(low, high + 1):
            count = len(codes) - n + 1
            if count <= 0:
                break
            where = np.flatnonzero(owner[:count] == owner[n - 1:])  # inside one text
            key = codes[where]
            for k in range(1, n):
                key = (key << _BITS) | codes[where + k]
            owners.append(owner[where])
            starts.append(where)
            keys.append(key << (_BITS * (3 - n)))  # padded to 3 characters with 0
            sizes.append(np.full(len(where), n, dtype=np.int64))
        if not sum(map(len, keys)):
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        owner, start = np.concatenate(owners), np.concatenate(starts)
        padded, size = np.concatenate(keys), np.concatenate(sizes)
        # sorted as strings (padded keys, the shorter first), then by text: the n-grams come
        # by n, then by text, so a stable sort of the padded keys gives that order
        order = np.argsort(padded, kind="stable")
        padded, size, owner, start = padded[order], size[order], owner[order], start[order]
        new_term = np.empty(len(order), dtype=bool)
        new_term[0] = True
        new_term[1:] = (padded[1:] != padded[:-1]) | (size[1:] != size[:-1])
        new_pair = new_term.copy()
        new_pair[1:] |= owner[1:] != owner[:-1]
        term = np.cumsum(new_term) - 1
        df = np.bincount(term[new_pair])
        kept = df >= self.min_df
        if not kept.any():
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher "
                             "max_df.")
        column = np.full(len(df), -1, dtype=np.int64)
        column[kept] = np.arange(int(kept.sum()))
        self.idf_ = np.log((1 + len(texts)) / (1 + df[kept])) + 1.0
        joined = "".join(texts)
        firsts = np.flatnonzero(new_term)[kept]
        self.vocabulary_ = {joined[a:a + n]: i for i, (a, n) in enumerate(
            zip(start[firsts].tolist(), size[firsts].tolist(), strict=True))}
        hit = column[term]
        found = hit >= 0
        return _weighted(owner[found], hit[found], len(texts), self.idf_, True)


class WordNgramIndex:
    """``TfidfVectorizer`` transform over token lists, for word uni- and bigrams.

    Bigrams are matched as pairs of unigram ids, which is exact when every bigram of
    the vocabulary is two vocabulary words without spaces (always so when the
    vocabulary was learnt with ``min_df=1``); :meth:`supports` says whether it is.

    With ``keep`` (such as ``Segmenter.is_content``) :meth:`transform` takes a segmenter's
    tokens as they come and drops those ``keep`` rejects, as if it had been given the
    kept tokens only; each distinct token is judged once and remembered.
    """

    def __init__(self, vocabulary: list[str], idf: np.ndarray, ngram_range: tuple[int, int],
                 sublinear_tf: bool = True, keep: Callable[[str], bool] | None = None,
                 _parts: tuple | None = None, _state: dict[str, np.ndarray] | None = None):
        self.keep = keep
        self._codes: dict[str, int] = {}  # with keep: vocabulary id, _UNKNOWN or _DROPPED
        self.ngram_range = tuple(ngram_range)
        self.sublinear_tf = sublinear_tf
        self.idf = np.asarray(idf, dtype=np.float64)
        self._unigrams = {t: i for i, t in enumerate(vocabulary) if " " not in t}
        self._use_unigrams = self.ngram_range[0] <= 1
        size = self._size = len(vocabulary) + 1
        if _state is not None:
            self._pairs = KeyTable.of_state(_state, "word_pairs_")
            self._has_pairs = bool(_state["word_has_pairs"])
            if (len(self.idf) != len(vocabulary) or _state["word_size"] != size
                    or self._pairs._values.max() >= len(vocabulary)):
                raise ValueError("not the arrays of this word index")
            return
        columns, first_words, second_words, _ = _parts or _bigram_parts(vocabulary)
        count = len(columns)
        firsts, seconds = (np.fromiter(map(self._unigrams.__getitem__, words), dtype=np.int64,
                                       count=count) for words in (first_words, second_words))
        columns = np.array(columns, dtype=np.int64)
        self._pairs = KeyTable(firsts * size + seconds, columns)
        self._has_pairs = bool(count)

    def state(self) -> dict[str, np.ndarray]:
        """What the index built from its vocabulary, as arrays: :meth:`of_state` takes them."""
        return {**self._pairs.state("word_pairs_"), "word_size": np.array(self._size),
                "word_has_pairs": np.array(self._has_pairs)}

    @classmethod
    def of_state(cls, state: dict[str, np.ndarray], vocabulary: list[str], idf: np.ndarray,
                 ngram_range: tuple[int, int], sublinear_tf: bool = True,
                 keep: Callable[[str], bool] | None = None) -> WordNgramIndex:
        """The index of ``vocabulary`` whose :meth:`state` this is, without checking again.

        The vocabulary is one that :meth:`supports` (it was when the state was made);
        arrays that cannot be the state of its index raise ``ValueError``.
        """
        return cls(vocabulary, idf, ngram_range, sublinear_tf, keep, _state=state)

    @staticmethod
    def supports(vocabulary: list[str], ngram_range: tuple[int, int]) -> bool:
        """Whether this index reproduces the vectorizer exactly for ``vocabulary``."""
        return WordNgramIndex._supported_parts(vocabulary, ngram_range) is not None

    @staticmethod
    def _supported_parts(vocabulary: list[str], ngram_range: tuple[int, int]) -> tuple | None:
        """``_bigram_parts(vocabulary)`` where :meth:`supports` holds, else None."""
        if not 1 <= ngram_range[0] <= ngram_range[1] <= 2:
            return None
        parts = _bigram_parts(vocabulary)
        _, firsts, seconds, all_pairs = parts
        if not all_pairs or "" in vocabulary:
            return None
        unigrams = {t for t in vocabulary if " " not in t}
        supported = "" not in firsts and "" not in seconds and unigrams.issuperset(firsts) \
            and unigrams.issuperset(seconds)
        return parts if supported else None

    @classmethod
    def of(cls, vocabulary: list[str], idf: np.ndarray, ngram_range: tuple[int, int],
           sublinear_tf: bool = True, keep: Callable[[str], bool] | None = None
           ) -> WordNgramIndex | None:
        """The index of ``vocabulary``, or None where it does not :meth:`supports` it.

        The vocabulary's word pairs are split once, for the check and the index alike.
        """
        parts = cls._supported_parts(vocabulary, ngram_range)
        return None if parts is None else cls(vocabulary, idf, ngram_range, sublinear_tf, keep,
                                              _parts=parts)

    def _ids(self, token_lists: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Vocabulary id (or -1) of every kept token, and the number of its list.

        ``TokenLists`` are read as their one flat list, its line-break tokens between two
        lists dropped.
        """
        if isinstance(token_lists, TokenLists):
            tokens, breaks = token_lists.flat, np.array(token_lists.breaks, dtype=np.int64)
            owner = np.zeros(len(tokens), dtype=np.int64)
            owner[breaks] = 1
            owner = np.cumsum(owner)  # a break: the next list's (dropped below)
            each = tokens
        else:
            lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
            owner = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
            tokens, breaks, each = None, None, chain.from_iterable(token_lists)
        if self.keep is None:
            ids = np.fromiter(map(self._unigrams.get, each, repeat(_UNKNOWN)),
                              dtype=np.int64, count=len(owner))
        else:
            if len(self._codes) > _MAX_CODES:
                self._codes.clear()
            codes = self._codes
            ids = np.fromiter(map(codes.get, each, repeat(_UNSEEN)), dtype=np.int64,
                              count=len(owner))
            unseen = np.flatnonzero(ids == _UNSEEN)
            if len(unseen) and tokens is None:
                tokens = list(chain.from_iterable(token_lists))
            for position in unseen.tolist():
                token = tokens[position]
                code = codes.get(token)
                if code is None:
                    code = codes[token] = (self._unigrams.get(token, _UNKNOWN)
                                           if self.keep(token) else _DROPPED)
                ids[position] = code
        if breaks is None and self.keep is None:
            return ids, owner
        if breaks is not None:
            ids[breaks] = _DROPPED
        kept = np.flatnonzero(ids != _DROPPED)
        return np.take(ids, kept), np.take(owner, kept)

    def transform(self, token_lists: Sequence[list[str]]) -> sp.csr_matrix:
        """TF-IDF rows of the token lists (a list of lists, or ``TokenLists``)."""
        ids, owner = self._ids(token_lists)
        rows, columns = [], []
        known = ids >= 0
        if self._use_unigrams:
            at = np.flatnonzero(known)
            rows.append(np.take(owner, at))
            columns.append(np.take(ids, at))
        if self.ngram_range[1] == 2 and len(ids) > 1 and self._has_pairs:
            where = np.flatnonzero(known[:-1] & known[1:] & (owner[:-1] == owner[1:]))
            found = self._pairs.lookup(np.take(ids, where) * self._size
                                       + np.take(ids[1:], where))
            hit = np.flatnonzero(found >= 0)
            rows.append(np.take(owner, np.take(where, hit)))
            columns.append(np.take(found, hit))
        if not rows:
            return sp.csr_matrix((len(token_lists), len(self.idf)))
        return _weighted(rows, columns, len(token_lists),
                         self.idf, self.sublinear_tf)
