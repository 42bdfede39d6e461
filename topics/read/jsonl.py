"""JSON Lines files of records (units to label, labels): read and checked line by line."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError


def read_jsonl(path: str | Path, required: tuple[str, ...] = ("text",),
               error: type[Exception] = InputError) -> list[dict]:
    """Read JSON Lines records, checking that each has the ``required`` string fields.

    Blank lines are skipped. Errors name the file and the line.
    """
    path = Path(path)
    try:
        handle = open(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    records = []
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise error(f"{path}, line {number}: malformed JSON: {exc.msg}") from None
                if not isinstance(record, dict):
                    raise error(f"{path}, line {number}: a record must be a JSON object")
                for key in required:
                    if not isinstance(record.get(key), str) or not record[key].strip():
                        raise error(f"{path}, line {number}: missing or empty {key!r} field")
                record["_line"] = number
                records.append(record)
        except UnicodeDecodeError as exc:
            raise error(f"{path}: not UTF-8: {exc}") from None
    if not records:
        raise error(f"{path}: no records")
    return records
