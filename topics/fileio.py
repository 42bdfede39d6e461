"""Files: written atomically (a temporary file beside the target, then a rename), hashed."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import OutputError


def _create(name: str) -> int:
    """A descriptor of a new file ``name``, readable and writable by its owner only.

    Like ``tempfile.mkstemp``'s: it fails with ``FileExistsError`` when ``name`` exists, and
    follows no symbolic link.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.open(name, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0),
                   0o600)


@contextlib.contextmanager
def _temporary(path: Path, failed: Callable[[OSError], Exception] | None = None
               ) -> Iterator[tuple[int, str]]:
    """A new temporary file beside ``path`` (descriptor, name), removed on any error.

    Its name (64 random bits: this call's alone) is drawn before the file is made, so an
    exception at any moment, even Ctrl-C arriving while the file is made, removes it.
    (Signals cannot be held back instead: Python runs their handlers in the main thread
    whichever thread takes them, and numpy's threads do not block them.) ``failed`` makes
    the error raised when it cannot be made (default: the ``OSError``).
    """
    while True:
        tmp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = _create(tmp)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            if failed is None:
                raise
            raise failed(exc) from None
        except BaseException:  # interrupted: made just before, or never
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    try:
        yield fd, tmp
    except BaseException:  # the block closes the file it made of ``fd``
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: What an ``OSError`` of writing a file means to its user, by errno.
_WRITE_PROBLEMS = {
    errno.ENOENT: "no such folder",
    errno.ENOTDIR: "no such folder (a part of the path is a file)",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large (over the file-size limit)",
    errno.EISDIR: "is a folder",
    errno.EIO: "input/output error",
    errno.ENXIO: "nothing reads it (a pipe with no reader yet, or no such device)",
}


def write_error(target: str | os.PathLike, exc: OSError) -> OutputError:
    """The one-line error of failing to write ``target`` ("standard output" or a file)."""
    reason = _WRITE_PROBLEMS.get(exc.errno) or (exc.strerror or type(exc).__name__).lower()
    return OutputError(f"cannot write {target}: {reason}")


class _Output:
    """A binary file whose failed writes raise :class:`OutputError` naming the target."""

    def __init__(self, handle: BinaryIO, target: Path):
        self._handle, self._target = handle, target

    def write(self, data) -> int:
        """Write ``data``; an ``OSError`` becomes an ``OutputError`` naming the target."""
        try:
            return self._handle.write(data)
        except OSError as exc:
            raise write_error(self._target, exc) from None

    def __getattr__(self, name):
        return getattr(self._handle, name)


def _mode_for(path: Path) -> int:
    """The permissions of the file that ``path`` replaces, else those of a new file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def special_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a folder (a device, a pipe)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def _direct(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened for writing as it is, failures as :class:`OutputError`.

    It is opened without waiting: a pipe that no process reads is refused (``ENXIO``), not
    waited on forever; writes then wait as usual.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise write_error(path, exc) from None
    os.set_blocking(fd, True)
    handle = os.fdopen(fd, "wb")  # noqa: SIM115 (closed below, its errors reported)
    try:
        yield _Output(handle, path)
        try:
            handle.close()
        except OSError as exc:
            raise write_error(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            handle.close()


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file that appears at ``path`` whole when the block ends, or not at all.

    It is written to a temporary file beside ``path`` (removed on any error, Ctrl-C and
    SIGTERM included) and renamed; a symbolic link stays a link to the new file, and a
    device or pipe (``/dev/stdout``, a FIFO) is written directly. A failed write (missing
    folder, no permission, disk full, file-size limit) raises :class:`OutputError` naming
    ``path``, not the temporary file.
    """
    path = Path(path)
    if special_file(path):  # a device or pipe (/dev/stdout, a FIFO): nothing to rename
        with _direct(path) as handle:
            yield handle
        return
    if path.is_symlink():  # write the file it points to: the link stays a link
        path = path.resolve()
    with _temporary(path, lambda exc: write_error(path, exc)) as (fd, tmp):
        handle = os.fdopen(fd, "wb")
        try:
            yield _Output(handle, path)
            try:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
                os.chmod(tmp, _mode_for(path))
                os.replace(tmp, path)
            except OSError as exc:
                raise write_error(path, exc) from None
        except BaseException:
            with contextlib.suppress(OSError):
                handle.close()  # its buffer may not flush (disk full): the file goes anyway
            raise


def atomic_write(path: str | os.PathLike, data: str | bytes, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    Text that ``encoding`` cannot hold (a lone surrogate of a file name that is not UTF-8)
    is written as a backslash escape.
    """
    with atomic_file(path) as handle:
        handle.write(data.encode(encoding, "backslashreplace") if isinstance(data, str) else data)


def replace_file(path: str | os.PathLike, data: bytes) -> None:
    """Put a new regular file holding ``data`` in ``path``'s place (for caches, not outputs).

    Unlike :func:`atomic_write`, whatever is at ``path`` (a symbolic link, a FIFO) is replaced
    itself: nothing is written through it. The temporary file is unique and never left behind.
    """
    path = Path(path)
    with _temporary(path) as (handle, tmp):
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(tmp, path)


def read_regular(path: str | os.PathLike) -> bytes | None:
    """``path``'s bytes if it is a regular file itself (not a link, FIFO or device), else None."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        return file.read() if stat.S_ISREG(os.fstat(file.fileno()).st_mode) else None


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
