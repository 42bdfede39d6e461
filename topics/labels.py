"""Labelled sentences and JSON Lines unit files: loading and validation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, LabelError
from .taxonomy import Taxonomy


@dataclass(frozen=True)
class LabelledSentence:
    """A sentence and its theme; ``group`` keeps one report's sentences together in CV."""

    text: str
    label: str
    report: str = ""
    index: int | None = None
    group: str = ""
    source: str = "hand"
    weight: float = 1.0


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


def load_labels(path: str | Path, taxonomy: Taxonomy) -> list[LabelledSentence]:
    """Load a label file (JSON Lines with ``text`` and ``label``; ``report``, ``index`` optional).

    Every label must be a theme id of ``taxonomy``; a ``(report, index)`` pair
    may occur only once.
    """
    ids = set(taxonomy.ids)
    seen: dict[tuple[str, int], int] = {}
    out = []
    for record in read_jsonl(path, ("text", "label"), LabelError):
        number = record["_line"]
        label = record["label"]
        if label not in ids:
            raise LabelError(
                f"{path}, line {number}: unknown theme {label!r} "
                f"(the taxonomy has {', '.join(taxonomy.ids)})")
        report = str(record.get("report", ""))
        index = record.get("index")
        if index is not None:
            if not isinstance(index, int):
                raise LabelError(f"{path}, line {number}: 'index' must be an integer")
            key = (report, index)
            if key in seen:
                raise LabelError(
                    f"{path}, line {number}: duplicate id (report {report!r}, index {index}) "
                    f"first seen on line {seen[key]}")
            seen[key] = number
        group = str(record.get("group") or report or Path(path).stem)
        source = str(record.get("source", "hand"))
        weight = record.get("weight", 1.0)
        if not isinstance(weight, int | float) or weight <= 0:
            raise LabelError(f"{path}, line {number}: 'weight' must be a positive number")
        out.append(LabelledSentence(record["text"], label, report, index, group, source,
                                    float(weight)))
    return out
