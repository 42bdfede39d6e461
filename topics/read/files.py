"""Read report files into text: encodings, limits, and the list of inputs."""

from __future__ import annotations

import codecs
import logging
import os
import stat
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

from ..config import MAX_BYTES
from ..errors import InputError, printable

_log = logging.getLogger("topics")

#: Extensions read as reports when a directory is given.
REPORT_SUFFIXES = (".txt", ".md", ".docx", ".pdf")

#: Formats that are not read, but listed in a folder so that they are reported, not skipped
#: without a word: extension -> what it is.
UNSUPPORTED = {".doc": "Word 97-2003 .doc", ".wps": "WPS Office .wps", ".et": "WPS .et",
               ".dps": "WPS .dps", ".rtf": "RTF", ".odt": "OpenDocument .odt",
               ".xls": "Excel .xls", ".xlsx": "Excel .xlsx", ".ppt": "PowerPoint .ppt",
               ".pptx": "PowerPoint .pptx"}
#: The signature of OLE2 compound files (.doc, .wps, .xls, .ppt of Office 97-2003 and WPS).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def unsupported_message(name: str, what: str) -> str:
    """``NAME: FORMAT files are not supported; convert ...`` for a format that is not read."""
    return (f"{printable(name)}: {what} files are not supported; save it as .docx (or .txt) "
            f"first, e.g. with LibreOffice: soffice --headless --convert-to docx "
            f"\"{printable(os.path.basename(name))}\"")


def size_message(name: str, size: int | None, max_bytes: int) -> str:
    """The message of a file over the size limit."""
    what = f"{size:,} bytes is over" if size is not None else "more than"
    return (f"{printable(name)}: {what} the size limit of {max_bytes:,} bytes "
            f"(--max-size raises it)")


def _plausible(char: str) -> bool:
    """Whether a character is likely in a Chinese report: CJK, its punctuation, ASCII, space."""
    code = ord(char)
    return (0x20 <= code < 0x7F or char in "\r\n\t" or 0xA0 <= code <= 0xFF
            or 0x2000 <= code <= 0x206F or 0x3000 <= code <= 0x303F
            or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xFF00 <= code <= 0xFFEF)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a byte-order mark, when it is plausibly a Chinese report; else None.

    Text in UTF-16 has NUL bytes in the high half of ASCII characters (newlines, digits),
    so most of its NULs stand at odd offsets (little-endian) or at even ones (big-endian);
    the byte order with more of them is tried, and the text is accepted when it decodes and
    at least 95% of its characters are CJK, CJK punctuation, ASCII or white space (random
    bytes decode to about a third of such characters).
    """
    if len(data) % 2 or len(data) < 4:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    try:
        text = data.decode("utf-16-le" if odd >= even else "utf-16-be")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or sum(map(_plausible, text)) < 0.95 * len(text):
        return None
    return text


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode the bytes of a text report.

    UTF-8 (with or without BOM), UTF-16 and UTF-32 with BOM, and UTF-16 without BOM (by
    where its NUL bytes stand) are recognised; anything else is detected with
    charset-normalizer among the Chinese encodings. Text with NUL characters is binary.
    """
    shown = printable(name)
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"{shown}: cannot decode as {encoding}: {exc}") from None
        return _not_binary(text, shown)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"{shown}: invalid {codec} text: {exc}") from None
            return _not_binary(text, shown)
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text
        if data.startswith(OLE2_SIGNATURE):
            raise InputError(f"{unsupported_message(name, 'Word 97-2003 .doc (or other OLE2)')}")
        raise InputError(f"{shown}: binary data (NUL bytes), not a text report (if it is "
                         f"UTF-16 text, try --encoding utf-16-le or utf-16-be)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is None:
        raise InputError(f"{shown}: not text in a known encoding (tried UTF-8, GB18030, Big5)")
    return _not_binary(str(best), shown)


def _not_binary(text: str, shown: str) -> str:
    if "\x00" in text:
        raise InputError(f"{shown}: binary data (NUL characters), not a text report")
    return text


def _kind_problem(mode: int) -> str | None:
    """What is wrong with a file of this ``st_mode`` as a report; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file; pipe it to standard input (-) instead"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return f"cannot read: {exc.strerror or type(exc).__name__}"


def check_file(path: str | os.PathLike, max_bytes: int | float = MAX_BYTES) -> int:
    """The size of a readable report file; refuse missing, non-regular and oversized files.

    Only regular files are reports: a directory, a FIFO (which would block), a device such
    as ``/dev/zero`` (which never ends) or a socket is refused, symlinks followed.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(f"{printable(path)}: {_os_problem(exc)}") from None
    problem = _kind_problem(info.st_mode)
    if problem:
        raise InputError(f"{printable(path)}: {problem}")
    if info.st_size > max_bytes:
        raise InputError(size_message(os.fspath(path), info.st_size, max_bytes))
    return info.st_size


def _open_descriptor(path: str | os.PathLike, max_bytes: int | float) -> tuple[int, int]:
    """A descriptor open for reading on a regular file of at most ``max_bytes``, and its size.

    The file is checked before it is opened, opened without blocking (a FIFO put in its
    place meanwhile does not hang) and checked again; the caller closes the descriptor.
    """
    check_file(path, max_bytes)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                             | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{printable(path)}: {_os_problem(exc)}") from None
    try:
        info = os.fstat(descriptor)
    except OSError as exc:
        os.close(descriptor)
        raise InputError(f"{printable(path)}: {_os_problem(exc)}") from None
    problem = _kind_problem(info.st_mode)
    if problem:
        os.close(descriptor)
        raise InputError(f"{printable(path)}: {problem}")
    return descriptor, info.st_size


def open_regular(path: str | os.PathLike, max_bytes: int | float = MAX_BYTES):
    """A binary handle on a regular file of at most ``max_bytes``; else an InputError.

    The file is checked before it is opened, opened without blocking (a FIFO put in its
    place meanwhile does not hang) and checked again.
    """
    descriptor, _ = _open_descriptor(path, max_bytes)
    return open(descriptor, "rb")


def _read_all(descriptor: int, size: int, limit: int) -> bytes:
    """The bytes of ``descriptor`` to its end, or its first ``limit + 1`` if it holds more.

    ``size`` (the file's size when opened) is how much is asked for first: the whole file
    in one read and an empty read at its end, as for a file of that size read whole.
    """
    parts = []
    total = 0
    ask = min(size, limit) + 1
    while total <= limit:
        part = os.read(descriptor, min(max(ask - total, 1 << 16), limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_bytes(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (checked as by :func:`open_regular`).

    Never more than ``max_bytes + 1`` bytes are read: a file that grows meanwhile is
    refused, not read whole.
    """
    descriptor, size = _open_descriptor(path, max_bytes)
    try:
        data = _read_all(descriptor, size, max_bytes)
    except OSError as exc:
        raise InputError(f"{printable(path)}: {_os_problem(exc)}") from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise InputError(size_message(os.fspath(path), None, max_bytes))
    return data


def read_text(path: str | os.PathLike, encoding: str | None = None,
              max_bytes: int = MAX_BYTES) -> str:
    """Read a text report, refusing missing, oversized or undecodable files."""
    text = decode_bytes(read_bytes(path, max_bytes), os.fspath(path), encoding)
    if not text.strip():
        raise InputError(f"{printable(path)}: empty report (no text)")
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
        targets.append((_resolved(target), inode))

    def excluded(path: Path) -> bool:
        if not targets:
            return False
        resolved = _resolved(path)
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


# -- the list of inputs ---------------------------------------------------------------------


class InputPath(str):
    """A path to read (the ``str``), carrying the name its report is known by (``report``).

    A file found in a folder given as input is named by the folder's own name and its path
    inside it (``2023/工作报告.txt``, ``batch/sub/news.txt``); a file given directly by its
    own name. The name is printable (see :func:`topics.errors.printable`). It survives
    pickling, so that worker processes name reports as this process does.
    """

    report: str

    def __new__(cls, path: str, report: str):
        """A path ``path`` whose report is named ``report``."""
        self = super().__new__(cls, path)
        self.report = report
        return self

    def __reduce__(self):
        """Pickled as the path and the name."""
        return InputPath, (str(self), self.report)


def report_name(path: str | os.PathLike) -> str:
    """The name of the report read from ``path``: its :class:`InputPath` name, else its own."""
    name = getattr(path, "report", None)
    return name if name is not None else printable(Path(path).name)


def _natural_key():
    from natsort import natsort_keygen, ns

    return natsort_keygen(alg=ns.PATH)


def _skipped(name: str) -> str | None:
    """Why a file or folder found in a folder is not listed, or None."""
    if name.startswith("."):
        return "hidden"
    if name.startswith("~$"):
        return "an Office lock file"
    return None


def _walk(root: Path, suffixes: tuple[str, ...], excluded: Callable[[Path], bool]
          ) -> list[InputPath | InputError]:
    """The reports under ``root`` in natural order of their paths, walked iteratively.

    Problems (an unreadable folder, a format that is not read) are listed in place.
    Symlinked folders are not followed (no loops); symlinked files are listed.
    """
    base = root.name if root.name not in ("", ".", "..") else ""
    found: list[tuple[str, InputPath | InputError]] = []
    stack: list[tuple[str, Path]] = [(base, root)]
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as scanned:
                entries = list(scanned)
        except OSError as exc:
            found.append((prefix, InputError(
                f"{printable(folder)}: cannot read folder: "
                f"{exc.strerror or type(exc).__name__}")))
            continue
        for entry in entries:
            path = folder / entry.name
            inside = f"{prefix}/{entry.name}" if prefix else entry.name
            why = _skipped(entry.name)
            if why:
                _log.info("skipped %s (%s)", printable(path), why)
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append((inside, path))
                continue
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix not in suffixes and suffix not in UNSUPPORTED:
                continue
            if excluded(path):
                _log.info("skipped %s (the output file)", printable(path))
            elif suffix not in suffixes:
                found.append((inside, InputError(
                    unsupported_message(str(path), UNSUPPORTED[suffix]))))
            else:
                found.append((inside, InputPath(str(path), printable(inside))))
    key = _natural_key()
    return [item for _, item in sorted(found, key=lambda pair: key(pair[0]))]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def expand_inputs(paths: Iterable[str], suffixes: tuple[str, ...] = REPORT_SUFFIXES,
                  exclude: Collection[str | os.PathLike] = ()) -> Iterator[InputPath | str
                                                                          | InputError]:
    """Yield report paths from files and directories (recursively, in natural order).

    ``-`` is passed through for stdin. Problems are yielded as ``InputError`` values, not
    raised, so that a batch can go on past them: a missing path, an unreadable folder, a
    folder with no reports, a file of a format that is not read (``.doc``, ``.wps``: with how
    to convert it). Hidden files and folders (``.git``, ``.DS_Store``) and Office lock files
    (``~$x.docx``) in folders are skipped (said at ``-v``). Paths in ``exclude`` (resolved;
    e.g. the output file being written) are never listed.

    Paths are :class:`InputPath` values naming their report: a file in a folder argument by
    the folder's name and its path inside it (``2023/工作报告.txt``), so that the same
    file name in two folders (``topics classify 2023 2024``) stays two names; a file given
    directly by its own name. Names are distinct: reports that would share one are named
    by as many of their parent folders as tell them apart (``2023/工作报告.txt`` and
    ``2024/工作报告.txt`` given directly; ``a/2023/x.txt`` and ``b/2023/x.txt``).
    """
    yield from _distinct(list(_listed(paths, suffixes, exclude)))


def _distinct(items: list) -> list:
    """``items`` with reports that share a name renamed by their parent folders (see above)."""
    from collections import defaultdict

    groups: defaultdict[str, list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        if isinstance(item, InputPath):
            groups[item.report].append(position)
    for name, positions in groups.items():
        if len(positions) < 2:
            continue
        parts = [Path(os.path.abspath(items[p])).parts for p in positions]
        depth = name.count("/") + 1
        while depth < max(map(len, parts)):
            depth += 1
            names = ["/".join(p[-depth:]).lstrip("/") for p in parts]
            if len(set(names)) == len(names):
                for position, new in zip(positions, names, strict=True):
                    items[position] = InputPath(str(items[position]), printable(new))
                break
    return items


def _listed(paths: Iterable[str], suffixes: tuple[str, ...],
            exclude: Collection[str | os.PathLike]) -> Iterator[InputPath | str | InputError]:
    excluded = _matcher(exclude)
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        try:
            info = os.stat(path)
        except OSError as exc:
            problem = ("no such file or directory" if isinstance(exc, FileNotFoundError)
                       else _os_problem(exc))
            yield InputError(f"{printable(path)}: {problem}")
            continue
        if stat.S_ISDIR(info.st_mode):
            found = _walk(path, suffixes, excluded)
            yield from found
            if not found:
                yield InputError(f"{printable(path)}: directory holds no reports "
                                 f"({', '.join(suffixes)})")
        elif excluded(path):
            _log.info("skipped %s (the output file)", printable(path))
        else:
            yield InputPath(str(path), printable(path.name))
