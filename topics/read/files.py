"""Read report files into text: encodings, limits, and the list of inputs."""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import MAX_BYTES
from ..errors import InputError

#: Extensions read as reports when a directory is given.
REPORT_SUFFIXES = (".txt", ".md", ".docx", ".pdf")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode the bytes of a text report.

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised; anything
    else is detected with charset-normalizer among the Chinese encodings.
    """
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"{name}: cannot decode as {encoding}: {exc}") from None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: invalid {codec} text: {exc}") from None
    if b"\x00" in data:
        raise InputError(f"{name}: binary data (NUL bytes), not a text report")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is None:
        raise InputError(f"{name}: not text in a known encoding (tried UTF-8, GB18030, Big5)")
    return str(best)


def check_file(path: Path, max_bytes: int = MAX_BYTES) -> int:
    """The size of a readable report file; refuse missing, directories and oversized files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if path.is_dir():
        raise InputError(f"{path}: is a directory")
    if size > max_bytes:
        raise InputError(f"{path}: {size:,} bytes is over the size limit of {max_bytes:,} bytes "
                         f"(--max-size raises it)")
    return size


def read_text(path: str | os.PathLike, encoding: str | None = None,
              max_bytes: int = MAX_BYTES) -> str:
    """Read a text report, refusing missing, oversized or undecodable files."""
    path = Path(path)
    check_file(path, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    text = decode_bytes(data, str(path), encoding)
    if not text.strip():
        raise InputError(f"{path}: empty report (no text)")
    return text


def _matcher(exclude: Iterable[str | os.PathLike]):
    """A test of whether a path is one of ``exclude``.

    It is when it resolves to the same path or is the same file (inode), or is the
    temporary file that :func:`topics.fileio.atomic_file` writes beside it.
    """
    targets = []
    for raw in exclude:
        target = Path(raw)
        try:
            info = target.stat()
            inode = (info.st_dev, info.st_ino)
        except OSError:
            inode = None
        targets.append((target.resolve(), inode))

    def excluded(path: Path) -> bool:
        if not targets:
            return False
        resolved = path.resolve()
        for target, inode in targets:
            if resolved == target or (resolved.parent == target.parent
                                      and resolved.name.startswith(f".{target.name}.")
                                      and resolved.name.endswith(".tmp")):
                return True
            if inode is not None:
                try:
                    info = path.stat()
                except OSError:
                    continue
                if (info.st_dev, info.st_ino) == inode:
                    return True
        return False
    return excluded


def expand_inputs(paths: Iterable[str], suffixes: tuple[str, ...] = REPORT_SUFFIXES,
                  exclude: Iterable[str | os.PathLike] = ()) -> Iterator[str | InputError]:
    """Yield report paths from files and directories (recursively, sorted).

    ``-`` is passed through for stdin. Problems are yielded as ``InputError``
    values, not raised, so that a batch can go on past them. Files in ``exclude`` (the
    output being written: the same path, the same file under another name, or its
    temporary file) are never yielded.
    """
    excluded = _matcher(exclude)
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in suffixes)
            if not found:
                yield InputError(f"{path}: directory holds no reports ({', '.join(suffixes)})")
            yield from (str(p) for p in found if not excluded(p))
        elif path.exists():
            if not excluded(path):
                yield str(path)
        else:
            yield InputError(f"{path}: no such file or directory")
