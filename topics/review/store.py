"""The labels file of a review: every correction on disk before the page hears it was saved.

The file is JSON Lines in the format ``topics train --labels`` reads (``text``, ``label``,
``report``, ``index``) with what the review adds: the model's label and confidence and the
time. It holds at most one record per unit, so that ``train`` accepts it as it is:

- a unit reviewed for the first time is *appended* (write, flush, ``fsync``);
- a unit reviewed again is replaced by an *atomic rewrite* of the whole file (a temporary file
  beside it, ``fsync``, rename, ``fsync`` of the folder).

Either way the record is durable when :meth:`LabelStore.record` returns. A crash can leave
only a torn last line (an append cut short); :meth:`LabelStore.open` drops it (the unit it
held was never confirmed to the page) and truncates the file to the last whole line. A file
that names a unit twice (edited by hand) is read with the last record winning and rewritten
once so that it holds one record per unit.

One store at a time writes a file: :meth:`LabelStore.open` takes a lock beside it
(``.NAME.lock``), held until :meth:`LabelStore.close` or the process ends, however it ends.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import LabelError
from ..fileio import atomic_file

Key = tuple[str, int]


@dataclass(frozen=True)
class Opened:
    """What :meth:`LabelStore.open` found: records read, torn bytes dropped, duplicates."""

    records: int
    torn_bytes: int
    duplicates: int


def _fsync_folder(folder: Path) -> None:
    """Make a new or renamed entry of ``folder`` durable (a no-op where folders cannot)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


class LabelStore:
    """The reviewed units of a labels file, by ``(report, index)``; safe across threads."""

    def __init__(self, path: str | os.PathLike, theme_ids: list[str]):
        self.path = Path(path)
        self.theme_ids = list(theme_ids)
        self.records: dict[Key, dict] = {}
        self._lock = threading.Lock()
        self._file_lock = None

    def open(self) -> Opened:
        """Lock and read the file (creating its folder), repairing a torn last line."""
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LabelError(f"{self.path}: cannot create its folder: "
                             f"{exc.strerror or exc}") from None
        if self.path.is_dir():
            raise LabelError(f"{self.path}: is a folder, not a labels file")
        lock = FileLock(str(self.path.with_name(f".{self.path.name}.lock")), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise LabelError(f"{self.path}: in use by another topics review: stop that one, "
                             f"or give this one another --labels file") from None
        except OSError as exc:
            raise LabelError(f"{self.path}: cannot lock: {exc.strerror or exc}") from None
        self._file_lock = lock
        try:
            return self._read()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Let another store open the file."""
        if self._file_lock is not None:
            self._file_lock.release()
            self._file_lock = None

    def __enter__(self) -> LabelStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read(self) -> Opened:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            raise LabelError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        lines = data.split(b"\n")
        good_end, torn, duplicates = 0, 0, 0
        offset = 0
        for number, raw in enumerate(lines, start=1):
            last = number == len(lines)
            end = offset + len(raw) + (0 if last else 1)
            if raw.strip():
                record = self._parse(raw, number, last)
                if record is None:  # a torn last line
                    torn = len(data) - offset
                    break
                key = (record["report"], record["index"])
                duplicates += key in self.records
                self.records[key] = record
            good_end = end
            offset = end
        if data and not torn and not data.endswith(b"\n"):
            # a whole record without its newline: complete the line before appending
            self._append_bytes(b"\n")
        elif torn:
            self._truncate(good_end)
        if duplicates:
            self._rewrite()
        return Opened(len(self.records), torn, duplicates)

    def _parse(self, raw: bytes, number: int, last: bool) -> dict | None:
        """A record of the file, None for a torn last line; anything else wrong is an error."""
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            if last:
                return None
            raise LabelError(f"{self.path}, line {number}: not a JSON record; fix or remove "
                             f"that line (corrections before and after it are kept)") from None
        problem = None
        if not isinstance(record, dict):
            problem = "a record must be a JSON object"
        elif not isinstance(record.get("report"), str) or not isinstance(
                record.get("index"), int):
            problem = "a reviewed record needs 'report' (text) and 'index' (integer)"
        elif record.get("label") not in self.theme_ids:
            problem = (f"unknown theme {record.get('label')!r} (the taxonomy has "
                       f"{', '.join(self.theme_ids)})")
        elif not isinstance(record.get("text"), str):
            problem = "missing 'text'"
        if problem:
            raise LabelError(f"{self.path}, line {number}: {problem}")
        return record

    def _truncate(self, size: int) -> None:
        with open(self.path, "r+b") as handle:
            handle.truncate(size)
            handle.flush()
            os.fsync(handle.fileno())

    def _append_bytes(self, data: bytes) -> None:
        new = not self.path.exists()
        try:
            with open(self.path, "ab") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise LabelError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        if new:
            _fsync_folder(self.path.parent)

    def _rewrite(self) -> None:
        try:
            with atomic_file(self.path) as handle:
                for record in self.records.values():
                    handle.write(_line(record))
        except OSError as exc:
            raise LabelError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        _fsync_folder(self.path.parent)

    def get(self, key: Key) -> dict | None:
        """The record of a unit, None when it was not reviewed."""
        return self.records.get(key)

    def record(self, report: str, index: int, text: str, label: str, model_label: str,
               confidence: float) -> dict:
        """Save the analyst's label of a unit durably; return the record written."""
        if label not in self.theme_ids:
            raise LabelError(f"unknown theme {label!r}")
        record = {"report": report, "index": index, "text": text, "label": label,
                  "model_label": model_label, "confidence": round(float(confidence), 4),
                  "time": datetime.now(UTC).isoformat(timespec="seconds")}
        key = (report, index)
        with self._lock:
            again = key in self.records
            previous = self.records.get(key)
            self.records[key] = record
            try:
                if again:
                    self._rewrite()
                else:
                    self._append_bytes(_line(record))
            except BaseException:
                if previous is None:
                    del self.records[key]
                else:
                    self.records[key] = previous
                raise
        return record
