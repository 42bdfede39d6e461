"""What a loaded classifier builds on first use, kept in the user cache between commands.

Every process that labels builds the same tables from a saved model's vocabularies: the
feature transforms' hash tables (~0.2 s) and, for explained output, the display names of
the features (~0.3 s). :class:`SavedTables` keeps them in ``TOPICS_HOME/tables`` (see
``config.cache_dir``) under a key of the model's manifest (every artifact's sha256) and of
the code that builds them, so the next process reads them back instead of building them. The cache
is only an aid: a file that is missing, unreadable, damaged or of other arrays than the
tables' is ignored (the tables are built again); one that cannot be written is not kept.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import numpy as np

from ..config import cache_dir
from ..fileio import replace_file

#: The models whose tables are kept: the others' files go, the oldest first.
KEPT_MODELS = 3
#: Files of the tables (``KEY.KIND.npz``) in the cache folder.
SUFFIX = ".npz"


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
        """The arrays kept of ``kind``, or None (none kept, or not readable as arrays)."""
        if self.key is None:
            return None
        try:  # a regular file itself (not a link, FIFO or device), read where it is
            handle = os.open(self._path(kind), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return None
            with os.fdopen(handle, "rb", closefd=False) as file, \
                    np.load(file, allow_pickle=False) as arrays:
                return {name: arrays[name] for name in arrays.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
            return None
        finally:
            os.close(handle)

    def save(self, kind: str, arrays: dict[str, np.ndarray]) -> None:
        """Keep ``arrays`` as the tables of ``kind``; the oldest models' go past the limit."""
        if self.key is None:
            return
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        try:
            folder = tables_folder()
            folder.mkdir(parents=True, exist_ok=True)
            replace_file(self._path(kind), buffer.getvalue())
            _prune(folder)
        except OSError:
            pass


def _prune(folder: Path) -> None:
    """Remove the tables of all but the :data:`KEPT_MODELS` most recently written models."""
    newest: dict[str, float] = {}
    files = []
    for path in folder.glob(f"*{SUFFIX}"):
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
