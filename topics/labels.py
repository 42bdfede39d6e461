"""Labelled sentences: loading and validation against a taxonomy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .errors import LabelError
from .read.jsonl import read_jsonl
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
        out.append(LabelledSentence(record["text"], label, report, index, group, source,
                                    record_weight(record, path)))
    return out


def record_weight(record: dict, path: str | Path) -> float:
    """A label record's ``weight`` (default 1): how much its sentence counts in training.

    Raises ``LabelError`` naming the file and line unless it is a finite positive number.
    """
    weight = record.get("weight", 1.0)
    if (isinstance(weight, bool) or not isinstance(weight, int | float)
            or not math.isfinite(weight) or weight <= 0):
        raise LabelError(f"{path}, line {record['_line']}: 'weight' must be a positive number, "
                         f"not {weight!r}")
    return float(weight)


def by_report(sentences: list[LabelledSentence]) -> dict[str, dict[int, LabelledSentence]]:
    """The sentences that name a report and an index, by report name, then index.

    They label units of that report in its context (a labelled document); a later sentence
    of the same report and index wins.
    """
    out: dict[str, dict[int, LabelledSentence]] = {}
    for s in sentences:
        if s.report and s.index is not None:
            out.setdefault(s.report, {})[s.index] = s
    return out
