"""Bounds on what a report's parts expand to (decompression bombs) and on its units.

pdfminer decodes a stream whole (``zlib.decompress``, ``lzwdecode``, ``rldecode``): a 1 MB
PDF can hold a stream that expands to 1 GiB. :func:`expansion_budget` gives the current
context a byte budget; while one is open, pdfminer's decoders (replaced here, once) stop
with :class:`TooLarge` as soon as the streams of the document together expand past it,
having never held more than the budget. Outside a budget they behave as pdfminer's own
(tests/read/test_hostile.py checks both).

A .docx is a zip: :func:`check_zip` refuses too many members or a total expanded size over
the budget, from the sizes the zip declares and from what its members actually expand to,
read in chunks. :data:`MAX_UNITS` bounds the units a report splits into.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import zipfile
import zlib

_CHUNK = 1 << 20

#: Members a .docx may hold (a Word report has a few dozen; images add one each).
MAX_MEMBERS = 10_000

#: Units (sentences and headings) a report may split into. A report's text makes ~7,000
#: per MB, so 20 MB ~140,000; labelling holds ~2 KB per unit, so a file of millions of
#: tiny lines would take gigabytes (text.sentences.split_units refuses it).
MAX_UNITS = 500_000


class TooLarge(Exception):  # noqa: N818 (not an error of the user's making; becomes InputError)
    """The expanded parts of a document exceed its budget (``limit`` bytes)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("topics_expansion",
                                                                         default=None)


@contextlib.contextmanager
def expansion_budget(limit: int):
    """Within the block, PDF streams of the document expand to at most ``limit`` bytes in all."""
    _install()
    token = _budget.set([limit, limit])
    try:
        yield
    finally:
        _budget.reset(token)


def _spend(size: int) -> None:
    budget = _budget.get()
    if budget is not None:
        budget[0] -= size
        if budget[0] < 0:
            raise TooLarge(budget[1])


def _left() -> int | None:
    budget = _budget.get()
    return None if budget is None else max(budget[0], 0)


class _Decompressor:
    """``zlib.decompressobj()`` that spends the budget on what it returns."""

    def __init__(self, *args):
        self._inner = zlib.decompressobj(*args)

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        left = _left()
        if left is not None and (not max_length or max_length > left + 1):
            max_length = left + 1
        out = self._inner.decompress(data, max_length)
        _spend(len(out))
        return out

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _BoundedZlib:
    """What pdfminer's ``pdftypes`` module sees as ``zlib``."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes, *args) -> bytes:
        if _left() is None:
            return zlib.decompress(data, *args)
        inner = zlib.decompressobj(*args[:1])
        parts, pending = [], data
        while True:
            chunk = inner.decompress(pending, min(_CHUNK, _left() + 1))
            _spend(len(chunk))
            parts.append(chunk)
            pending = inner.unconsumed_tail
            if inner.eof or not pending and not chunk:
                break
        if not inner.eof:
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return b"".join(parts)

    @staticmethod
    def decompressobj(*args):
        return _Decompressor(*args)

    def __getattr__(self, name):
        return getattr(zlib, name)


def _lzwdecode(data: bytes) -> bytes:
    from pdfminer.lzw import LZWDecoder

    parts = []
    for part in LZWDecoder(io.BytesIO(data)).run():
        _spend(len(part))
        parts.append(part)
    return b"".join(parts)


def _rldecode(data: bytes) -> bytes:
    from pdfminer.runlength import rldecode

    size, position = 0, 0
    while position < len(data):  # the expanded size, from the run lengths alone
        length = data[position]
        if length == 128:
            break
        if length < 128:
            size += length + 1
            position += length + 2
        else:
            size += 257 - length
            position += 2
    _spend(size)
    return rldecode(data)


_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    from pdfminer import pdftypes

    pdftypes.zlib = _BoundedZlib()
    pdftypes.lzwdecode = _lzwdecode
    pdftypes.rldecode = _rldecode
    _installed = True


def check_zip(archive: zipfile.ZipFile, limit: int) -> None:
    """Refuse a zip with too many members, or whose members expand past ``limit`` bytes.

    The declared sizes are checked first (cheap); then every member is read in chunks and
    what it actually expands to is counted, so a zip that understates its sizes is caught
    without ever holding more than a chunk. A damaged member raises ``zipfile.BadZipFile``.
    """
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise TooLarge(limit) from ValueError(f"{len(members):,} members")
    if sum(m.file_size for m in members) > limit:
        raise TooLarge(limit)
    total = 0
    for member in members:
        with archive.open(member) as handle:
            while chunk := handle.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise TooLarge(limit)
