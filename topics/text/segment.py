"""Word segmentation with a private jieba tokenizer, a domain dictionary and stop words."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from functools import cached_property
from importlib import resources
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from ..errors import InputError
from ._rjieba import rjieba_class

_RESOURCES = resources.files("topics.resources")
DOMAIN_DICT = "domain_dict.txt"
STOPWORDS = "stopwords.txt"

# Tokens that carry no theme whatever the stop-word list says: punctuation and
# symbols, numbers, dates, percentages, anonymised placeholders (x, xx, XX...).
_NOISE = re.compile(
    r"^(?:[\W_]+"
    r"|[xX×]+[\w%]*"
    r"|[\d０-９.,，%％]+[年月日号期次件人名个项万亿元余多]*"
    r"|第?[一二三四五六七八九十百千万两]+[是个项次条批年]?"
    r"|[a-zA-Z])$"
)


# Where jieba's HMM meets letters, digits and the marks . % - + # & _ that no dictionary
# word covers, jieba splits them with this pattern (its ``finalseg.re_skip``) and jieba-rs
# keeps them as one token ("xx.x%", "2024-05-16"); such tokens are split here as jieba does.
# A mark next to a letter or digit.
_MARKED = re.compile(r"[A-Za-z0-9][.%+#&_\-]|[.%+#&_\-][A-Za-z0-9]")
_MARKED_TOKEN = re.compile(r"[A-Za-z0-9+#&._%\-]*[+#&._%\-][A-Za-z0-9+#&._%\-]*")
_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# Only jieba-rs counts rare ideographs (extension A, U+9FD6-U+9FFF, compatibility and
# supplementary planes) as Chinese, so its runs differ: such sentences go to jieba itself.
_RARE = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# (_MARKED and _RARE define what _rare_and_marked_rows finds in one pass: a test compares.)
BACKENDS = ("auto", "rjieba", "jieba")
_MAX_REMEMBERED = 500_000  # tokens whose content-or-not verdict is kept


def _read_lines(text: str) -> list[str]:
    """Non-empty lines of a word list, without ``#`` comments."""
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return words


def _resource_text(name: str) -> str:
    return (_RESOURCES / name).read_text(encoding="utf-8")


def _file_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such word list") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read word list: {exc}") from None


def shipped_words(name: str) -> frozenset[str]:
    """A word list shipped in ``topics.resources``: a word a line, ``#`` starts a comment."""
    return frozenset(_read_lines(_resource_text(name)))


def load_stopwords(extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The shipped stop words plus those of the files in ``extra``."""
    words = set(_read_lines(_resource_text(STOPWORDS)))
    for path in extra:
        words.update(_read_lines(_file_text(path)))
    return frozenset(words)


def dictionary_entries(extra: tuple[str, ...] = ()) -> list[str]:
    """Lines (``词 [词频] [词性]``) of the domain dictionary and the user's."""
    lines = _read_lines(_resource_text(DOMAIN_DICT))
    for path in extra:
        lines.extend(_read_lines(_file_text(path)))
    return lines


def is_noise(token: str) -> bool:
    """Whether a token is punctuation, a number, a date or a placeholder."""
    return bool(_NOISE.match(token))


def _character_classes() -> np.ndarray:
    """Per code point below 0x40000 (and one past them, for all above): bits of its kind.

    :data:`_RARE` (1), a letter or digit beside which a mark counts (2), a mark of
    :data:`_MARKED` (4); a test compares :func:`_rare_and_marked_rows` with the patterns.
    """
    classes = np.zeros(0x40001, dtype=np.uint8)
    for low, high in ((0x3400, 0x4DBF), (0x9FD6, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF)):
        classes[low:high + 1] |= 1
    for low, high in (("A", "Z"), ("a", "z"), ("0", "9")):
        classes[ord(low):ord(high) + 1] |= 2
    classes[[ord(mark) for mark in ".%+#&_-"]] |= 4
    return classes


_CLASSES = _character_classes()


def _rare_and_marked_rows(texts: list[str], joined: str) -> tuple[list[int], list[int]]:
    """The numbers of the texts that :data:`_RARE` matches, and of those :data:`_MARKED` does.

    In order; one pass of numpy over ``joined``, the texts joined by line breaks.
    """
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = np.take(_CLASSES, codes, mode="clip")  # above 0x3ffff: the last, no kind
    rare = np.flatnonzero(classes & 1)
    alnum = (classes & 2) != 0
    beside = np.zeros(len(classes), dtype=bool)  # a letter or digit before or after
    beside[1:] = alnum[:-1]
    beside[:-1] |= alnum[1:]
    marked = np.flatnonzero(((classes & 4) != 0) & beside)
    if not len(rare) and not len(marked):
        return [], []
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    return tuple(sorted_unique(np.searchsorted(ends, at, side="right")).tolist()
                 for at in (rare, marked))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of a sorted 1-d array: the first of each run of equal values.

    (``np.unique`` itself imports ``numpy.ma`` on its first call, to ask whether ``values``
    is masked; a test compares the two.)
    """
    first = np.empty(len(values), dtype=bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return values[first]


class TokenLists(Sequence):
    """The token lists of a batch of texts, kept as one list until a text's list is asked for.

    ``flat`` holds every text's tokens in order, a line-break token between two texts (at
    the positions ``breaks``); no text's tokens hold one. Indexing and iterating give each
    text's list, as :meth:`Segmenter.tokens_many` gives them; the features read ``flat``
    without making the lists.
    """

    __slots__ = ("flat", "breaks", "_lists")

    def __init__(self, flat: list[str], breaks: list[int]):
        self.flat = flat
        self.breaks = breaks
        self._lists = None

    def _bounds(self, row: int) -> tuple[int, int]:
        breaks = self.breaks
        return (breaks[row - 1] + 1 if row else 0,
                breaks[row] if row < len(breaks) else len(self.flat))

    def tokens_of(self, row: int) -> list[str]:
        """The tokens of text ``row`` (from 0)."""
        return self.flat[slice(*self._bounds(row))]

    def lists(self) -> list[list[str]]:
        """Every text's tokens, a list each (made once)."""
        if self._lists is None:
            flat, breaks = self.flat, self.breaks
            starts = [0, *(b + 1 for b in breaks)]
            self._lists = list(map(flat.__getitem__, map(slice, starts, [*breaks, len(flat)])))
        return self._lists

    def replaced(self, rows: dict[int, list[str]]) -> TokenLists:
        """These lists with the tokens of some texts (by number) replaced."""
        flat, breaks, done = [], [], 0
        old_breaks, shift = self.breaks, 0
        for row in sorted(rows):
            start, end = self._bounds(row)
            flat += self.flat[done:start]
            flat += rows[row]
            done = end
            breaks += [b + shift for b in old_breaks[len(breaks):row]]
            shift += len(rows[row]) - (end - start)
        flat += self.flat[done:]
        breaks += [b + shift for b in old_breaks[len(breaks):]]
        return TokenLists(flat, breaks)

    def __len__(self) -> int:
        return len(self.breaks) + 1

    def __getitem__(self, item):
        return self.lists()[item]

    def __iter__(self):
        return iter(self.lists())

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and self.lists() == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"TokenLists({self.lists()!r})"


class Segmenter:
    """jieba precise-mode segmentation with the domain dictionary loaded.

    Each instance builds its own tokenizers on first use (never the global
    ones) and leaves them out of its pickled state. The ``rjieba`` backend
    (jieba-rs: jieba's dictionary and algorithm in Rust)
    gives the same tokens as jieba; the few sentences where the two group
    digits and marks differently are cut by jieba itself, so the output is
    jieba's, token for token.

    Parameters
    ----------
    user_dicts : tuple of str
        Extra dictionary files in jieba's format (``词 词频 词性``).
    stopword_files : tuple of str
        Extra stop-word files, one word per line.
    backend : {"auto", "rjieba", "jieba"}
        ``auto`` takes rjieba when it is installed, else jieba.
    """

    def __init__(self, user_dicts: tuple[str, ...] = (), stopword_files: tuple[str, ...] = (),
                 backend: str = "auto"):
        self.user_dicts = tuple(str(p) for p in user_dicts)
        self.stopword_files = tuple(str(p) for p in stopword_files)
        self.backend = backend

    @classmethod
    def from_lists(cls, entries: list[str], stopwords: list[str]) -> Segmenter:
        """A segmenter with exactly these dictionary lines and stop words (as saved in a bundle)."""
        segmenter = cls()
        segmenter.__dict__["entries"] = list(entries)
        segmenter.__dict__["stopwords"] = frozenset(stopwords)
        return segmenter

    def to_lists(self) -> dict[str, list[str]]:
        """Dictionary lines and sorted stop words: everything the segmenter depends on."""
        return {"entries": list(self.entries), "stopwords": sorted(self.stopwords)}

    #: What an instance builds for itself while it works, left out of its pickled state:
    #: the tokenizers (not picklable) and the memory of judged tokens. Every attribute set
    #: outside ``__init__`` and the cached dictionary lists must be named here (tested).
    _RUNTIME = ("_tokenizer", "_fast", "_judged", "_content", "_building")

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in self._RUNTIME}

    @property
    def backend_name(self) -> str:
        """The backend in use: ``rjieba`` or ``jieba``."""
        if self.backend not in BACKENDS:
            raise InputError(f"unknown segmenter backend {self.backend!r} (choose from "
                             f"{', '.join(BACKENDS)})")
        if self.backend == "jieba":
            return "jieba"
        if rjieba_class() is None:
            if self.backend == "rjieba":
                raise InputError("segmenter backend rjieba is not installed "
                                 "(pip install rjieba)") from None
            return "jieba"
        return "rjieba"

    def _entries_parsed(self):
        for line in self.entries:
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 and not parts[2].isdigit() else None
            yield parts[0], freq, tag

    @property
    def _rjieba(self):
        fast = self.__dict__.get("_fast")
        if fast is None:
            building = self.__dict__.pop("_building", None)  # see prepare
            fast = building.result() if building is not None else self._new_rjieba()
            self.__dict__["_fast"] = fast
        return fast

    def _new_rjieba(self):
        fast = rjieba_class()()
        for word, freq, tag in self._entries_parsed():
            if freq is None:  # as jieba does: just enough to keep the word whole
                freq = self._jieba.suggest_freq(word, False)
            fast.add_word(word, freq, tag)
        return fast

    def prepare(self) -> None:
        """Start building the rjieba tokenizer in a background thread (when it is used).

        jieba-rs builds its dictionary (about 0.1 s) without holding the GIL, so the
        process goes on meanwhile (loading the rest of a model, reading reports) on another
        core; the first segmentation takes the tokenizer, waiting for it if need be. The
        tokenizer is the one built otherwise, and a failure is raised there as it would be.
        """
        if "_fast" in self.__dict__ or "_building" in self.__dict__:
            return
        try:
            if self.backend_name != "rjieba":
                return
        except InputError:  # an unknown backend: the first segmentation says so
            return
        building: Future = Future()

        def build() -> None:
            try:
                building.set_result(self._new_rjieba())
            except BaseException as exc:  # raised where the tokenizer is taken
                building.set_exception(exc)

        self.__dict__["_building"] = building
        threading.Thread(target=build, name="rjieba-dictionary", daemon=True).start()

    def __setstate__(self, state):
        self.__dict__.update(state)

    @cached_property
    def entries(self) -> list[str]:
        """Dictionary lines loaded into the tokenizer."""
        return dictionary_entries(self.user_dicts)

    @cached_property
    def stopwords(self) -> frozenset[str]:
        """Words dropped by :meth:`content_tokens`."""
        return load_stopwords(self.stopword_files)

    @property
    def _jieba(self):
        tokenizer = self.__dict__.get("_tokenizer")
        if tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            for word, freq, tag in self._entries_parsed():
                tokenizer.add_word(word, freq, tag)
            self.__dict__["_tokenizer"] = tokenizer
        return tokenizer

    def fingerprint(self) -> str:
        """sha256 of the dictionary and stop words, recorded in model bundles."""
        digest = hashlib.sha256()
        for part in (*self.entries, "\0", *sorted(self.stopwords)):
            digest.update(part.encode("utf-8") + b"\n")
        return digest.hexdigest()

    def tokens(self, text: str) -> list[str]:
        """All tokens of ``text`` in order (jieba precise mode, HMM on)."""
        return self.tokens_many([text])[0]

    def tokens_many(self, texts: list[str]) -> Sequence[list[str]]:
        """:meth:`tokens` of every text: a list of token lists, or :class:`TokenLists`."""
        if self.backend_name != "rjieba":
            return [self._jieba.lcut(t, HMM=True) for t in texts]
        # a line break is no letter, digit or mark: checks of the whole batch find what
        # checks of each text would
        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1 or "\r\n" in joined:  # also no texts: -1
            out = list(map(self._rjieba.cut, texts, repeat(True)))
            for row, tokens in self._fixed(texts, joined, out.__getitem__).items():
                out[row] = tokens
            return out
        return self._cut_joined(texts, joined)

    def _fixed(self, texts: list[str], joined: str, tokens_of) -> dict[int, list[str]]:
        """The rows whose jieba-rs tokens (``tokens_of(row)``) differ from jieba's: theirs.

        ``joined`` is the texts joined by line breaks.
        """
        rare, marked = _rare_and_marked_rows(texts, joined)
        fixed = {row: self._jieba.lcut(texts[row], HMM=True) for row in rare}
        for row in set(marked).difference(rare):
            tokens = tokens_of(row)
            split = self._as_jieba(tokens)
            if len(split) != len(tokens):  # else no token was split: the same tokens
                fixed[row] = split
        return fixed

    def _cut_joined(self, texts: list[str], joined: str) -> TokenLists:
        """:meth:`tokens_many` of texts without line breaks, from one cut of ``joined``.

        ``joined`` is the texts joined by line breaks, none ending with a carriage return.
        jieba-rs cuts a line break out as a token of its own, apart from its neighbours
        (but for a carriage return before it: the two are one token), so the tokens
        between two line-break tokens are one text's, as it cuts the text alone (a test
        compares them); one call costs less than one per text.
        """
        flat = self._rjieba.cut(joined, True)
        breaks, find, start = [], flat.index, 0
        for _ in range(len(texts) - 1):
            start = find("\n", start)
            breaks.append(start)
            start += 1
        lists = TokenLists(flat, breaks)
        fixed = self._fixed(texts, joined, lists.tokens_of)
        return lists.replaced(fixed) if fixed else lists

    def _as_jieba(self, tokens: list[str]) -> list[str]:
        """jieba-rs tokens with marked runs outside the dictionary split as jieba splits them."""
        out: list[str] = []
        for token in tokens:
            if (len(token) > 1 and token.isascii() and _MARKED_TOKEN.fullmatch(token)
                    and not self._rjieba.has_word(token)):
                out.extend(piece for piece in _HMM_SKIP.split(token) if piece)
            else:
                out.append(token)
        return out

    def content_tokens(self, text: str) -> list[str]:
        """Tokens that may carry a theme: no stop words, noise or single characters."""
        return self.content_tokens_many([text])[0]

    def content_tokens_many(self, texts: list[str]) -> list[list[str]]:
        """:meth:`content_tokens` of every text."""
        return self.content_of(self.tokens_many(texts))

    def is_content(self, token: str) -> bool:
        """Whether :meth:`content_tokens` keeps ``token``."""
        return len(token) > 1 and token not in self.stopwords and not is_noise(token)

    def content_of(self, token_lists: list[list[str]]) -> list[list[str]]:
        """The content tokens of token lists from :meth:`tokens_many`."""
        judged, content = self.__dict__.get("_judged"), self.__dict__.get("_content")
        if judged is None or len(judged) > _MAX_REMEMBERED:
            judged = self.__dict__["_judged"] = set()
            content = self.__dict__["_content"] = set()
        for token in set(chain.from_iterable(token_lists)).difference(judged):
            judged.add(token)
            if self.is_content(token):
                content.add(token)
        keep = content.__contains__
        return [list(filter(keep, tokens)) for tokens in token_lists]
