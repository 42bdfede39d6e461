"""What a loaded classifier builds on first use, kept in the user cache between commands.

Every process that labels builds the same tables from a saved model's vocabularies: the
feature transforms' hash tables (~0.2 s) and, for explained output, the display names of
the features (~0.3 s). :class:`SavedTables` keeps them in ``TOPICS_HOME/tables`` (see
``config.cache_dir``) under a key of the model's manifest (every artifact's sha256) and of
the code that builds them, so the next process maps them back instead of building them. The
cache is only an aid: a file that is missing, unreadable, damaged or of other arrays than the
tables' is ignored (the tables are built again); one that cannot be written is not kept.

A kept file is mapped into memory, not read (see :func:`_mapped`): a process touches only
the pages it uses, and processes labelling at the same time share them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import mmap
import os
import re
import stat
from pathlib import Path

import numpy as np

from ..config import cache_dir
from ..fileio import replace_file

#: The models whose tables are kept: the others' files go, the oldest first.
KEPT_MODELS = 3
#: Files of the tables (``KEY.KIND.tables``) in the cache folder, and those of the layout
#: before (``.npz``, never read: pruned as the others).
SUFFIX, OLD_SUFFIXES = ".tables", (".npz",)


@functools.cache
def _code_digest() -> str:
    """sha256 of the modules that build the tables: tables of other code are never read."""
    from ..features import cues, definition, vectorize
    from . import predictor

    digest = hashlib.sha256()
    for module in (cues, definition, vectorize, predictor):  # cues: the cue columns' themes
        digest.update(Path(module.__file__).read_bytes() + b"\0")
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def tables_folder() -> Path:
    """Where the tables are kept."""
    return cache_dir() / "tables"


class SavedTables:
    """The kept tables of one saved model, by kind (``features``, ``display``).

    ``manifest`` is the model's manifest: its artifacts' sha256 name the model.
    """

    def __init__(self, manifest: dict):
        try:
            named = json.dumps(manifest, sort_keys=True).encode()
            self.key = hashlib.sha256(named + b"\0" + _code_digest().encode()).hexdigest()
        except (OSError, TypeError, ValueError):  # no source to name the code, say
            self.key = None

    def _path(self, kind: str) -> Path:
        return tables_folder() / f"{self.key}.{kind}{SUFFIX}"

    def load(self, kind: str) -> dict[str, np.ndarray] | None:
        """The arrays kept of ``kind`` (read-only), or None (none kept, or not such a file)."""
        if self.key is None:
            return None
        try:  # a regular file itself (not a link, FIFO or device), mapped where it is
            handle = os.open(self._path(kind), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            return _mapped(handle)
        finally:
            os.close(handle)

    def save(self, kind: str, arrays: dict[str, np.ndarray]) -> None:
        """Keep ``arrays`` as the tables of ``kind``; the oldest models' go past the limit."""
        if self.key is None:
            return
        try:
            data = _file_bytes(arrays)
        except TypeError:  # not arrays of numbers: not kept
            return
        try:
            folder = tables_folder()
            folder.mkdir(parents=True, exist_ok=True)
            replace_file(self._path(kind), data)
            _prune(folder)
        except OSError:
            pass


def _prune(folder: Path) -> None:
    """Remove the tables of all but the :data:`KEPT_MODELS` most recently written models."""
    newest: dict[str, float] = {}
    files = []
    for path in folder.iterdir():
        if path.suffix not in (SUFFIX, *OLD_SUFFIXES):
            continue
        try:
            when = path.stat().st_mtime
        except OSError:
            continue
        key = path.name.split(".", 1)[0]
        newest[key] = max(newest.get(key, when), when)
        files.append((key, path))
    kept = set(sorted(newest, key=newest.__getitem__, reverse=True)[:KEPT_MODELS])
    for key, path in files:
        if key not in kept:
            path.unlink(missing_ok=True)


# -- the file of a kind's arrays -----------------------------------------------------------
#
# MAGIC, the length of the index (8 bytes, little-endian), the index (JSON: the arrays'
# names, dtypes, shapes and offsets, and the sum of the data), then each array's bytes (C
# order) at an offset that is a multiple of ALIGN: mapped, every array is aligned as numpy
# allocates its own. Arrays are numbers and booleans only (no objects: nothing is
# unpickled), and each must lie within the file. The sum (of the data as 64-bit words,
# modulo 2**64) tells a file damaged on disk, as the CRC of an .npz did: any one word
# changed changes it. A kept file is never changed in place
# (``fileio.replace_file`` puts a new file in its place), so a mapping of it never changes
# under the arrays; another program that truncates one while a process labels with it
# kills that process (SIGBUS), as it would any program that maps files.

MAGIC = b"\x93TOPICS-TABLES2"
ALIGN = 64
#: The dtypes a kept array may have: booleans, integers and floats of either byte order.
_DTYPE = re.compile(r"[<>|](?:b1|u1|[iuf][248])")


def _file_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of the file keeping ``arrays`` (see :func:`_mapped`)."""
    arrays = {name: np.asarray(array, order="C") for name, array in arrays.items()}
    for name, array in arrays.items():
        if not _DTYPE.fullmatch(array.dtype.str):
            raise TypeError(f"{name}: {array.dtype} cannot be kept")
    index, offset = [], 0
    for name, array in arrays.items():
        index.append([name, array.dtype.str, list(array.shape), offset])
        offset += -(-array.nbytes // ALIGN) * ALIGN
    data = bytearray(offset)
    for (_, _, _, at), array in zip(index, arrays.values(), strict=True):
        data[at:at + array.nbytes] = array.tobytes()
    header = json.dumps({"arrays": index, "sum": _data_sum(data)}).encode()
    start = -(-(len(MAGIC) + 8 + len(header)) // ALIGN) * ALIGN
    head = MAGIC + len(header).to_bytes(8, "little") + header
    return head + bytes(start - len(head)) + bytes(data)


def _data_sum(data) -> int:
    """The sum of ``data`` (a whole number of 64-bit words) as such words, modulo 2**64."""
    return int(np.add.reduce(np.frombuffer(data, dtype="<u8"), dtype=np.uint64))


def _mapped(handle: int) -> dict[str, np.ndarray] | None:
    """The arrays of the file open as ``handle``, on a read-only mapping of it; or None.

    None when it is not a regular file of :func:`_file_bytes`'s layout whose every array
    lies, aligned, within it.
    """
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return None
        mapped = mmap.mmap(handle, 0, access=mmap.ACCESS_READ)  # lives as long as its arrays
        head = len(MAGIC) + 8
        if mapped[:len(MAGIC)] != MAGIC:
            return None
        length = int.from_bytes(mapped[len(MAGIC):head], "little")
        if head + length > len(mapped):
            return None
        index = json.loads(mapped[head:head + length])
        start = -(-(head + length) // ALIGN) * ALIGN
        if (not isinstance(index, dict) or type(index.get("sum")) is not int
                or (len(mapped) - start) % 8 or start > len(mapped)
                or _data_sum(memoryview(mapped)[start:]) != index["sum"]):
            return None
        arrays = {}
        for name, dtype, shape, offset in index["arrays"]:
            if (not isinstance(name, str) or name in arrays or not isinstance(dtype, str)
                    or not _DTYPE.fullmatch(dtype) or not isinstance(shape, list)
                    or not all(type(n) is int and 0 <= n <= len(mapped) for n in shape)
                    or type(offset) is not int or offset < 0 or offset % ALIGN):
                return None
            dtype = np.dtype(dtype)
            count = math.prod(shape)
            if start + offset + count * dtype.itemsize > len(mapped):
                return None
            arrays[name] = np.frombuffer(mapped, dtype, count, start + offset).reshape(tuple(shape))
        return arrays
    except (OSError, ValueError, TypeError, KeyError, OverflowError, RecursionError):
        return None


# -- a JSON document's long lists of strings, kept as text ------------------------------------
#
# A model's classifier.json is mostly two vocabularies of ~150,000 strings; json.loads of its
# 5 MB is most of loading a model. Kept as tables, each such list is its strings' UTF-8
# joined by line breaks (one array of bytes) and the rest of the document is JSON: turning
# them back is a decode and a split. This is exact because a list is kept only when none of
# its items holds a line break (so the split gives back exactly the items, empty ones too)
# and all are strings that encode to UTF-8; the rest goes through json.dumps/json.loads,
# which give back what json.loads gave (numbers, strings, nesting, key order). A test
# compares :func:`document_of` (:func:`document_arrays` of a document) with the document.

#: Lists shorter than this stay in the JSON part.
_LONG = 1000


def document_arrays(document: dict) -> dict[str, np.ndarray] | None:
    """``document`` (a JSON object as ``json.loads`` gives it) as arrays of bytes; or None.

    :func:`document_of` turns them back into an equal document; None when ``document`` is
    not an object of JSON values, or has no list of :data:`_LONG` strings or more.
    """
    if not isinstance(document, dict):
        return None
    lists, rest = {}, {}
    for key, value in document.items():
        if (isinstance(value, list) and len(value) >= _LONG
                and all(type(item) is str for item in value)):
            text = "\n".join(value)
            if text.count("\n") == len(value) - 1:  # no item holds a line break
                try:
                    lists[key] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
                    continue
                except UnicodeEncodeError:  # a lone surrogate: left to the JSON part
                    pass
        rest[key] = value
    if not lists:  # nothing to gain
        return None
    try:
        head = json.dumps({"order": list(document), "rest": rest,
                           "lists": {key: len(document[key]) for key in lists}})
    except (TypeError, ValueError):
        return None
    arrays = {"head": np.frombuffer(head.encode("utf-8"), dtype=np.uint8)}
    arrays.update((f"list {number}", array) for number, array in enumerate(lists.values()))
    return arrays


def document_of(arrays: dict[str, np.ndarray]) -> dict | None:
    """The document whose :func:`document_arrays` ``arrays`` are; None if they cannot be."""
    try:
        head = json.loads(arrays["head"].tobytes().decode("utf-8"))
        order, rest, counts = head["order"], head["rest"], head["lists"]
        lists = {}
        for number, (key, count) in enumerate(counts.items()):
            items = arrays[f"list {number}"].tobytes().decode("utf-8").split("\n")
            if count != len(items) or count < _LONG:
                return None
            lists[key] = items
        if sorted(order) != sorted([*rest, *lists]) or len(order) != len(rest) + len(lists):
            return None
        return {key: lists[key] if key in lists else rest[key] for key in order}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
