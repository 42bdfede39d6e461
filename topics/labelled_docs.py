"""Labelled documents: whole reports whose units carry hand labels, for training in context.

A document set is a folder of ``.txt`` documents plus a JSON Lines file of their labelled
units, ``{"doc", "text", "label", "agreed"?, "genre"?, "weight"?, "source"?}`` in document order;
``text`` is a substring of the document (a unit as a reader counts it); ``weight`` (default 1) is
how much the unit counts in training the first stage, as in a label file; ``"source": "written"``
marks a document written to train the model, not a real publication (its units do not calibrate
the confidence of units alone: ``train.calibrating_rows``). Leading ``# genre:`` and
``# style-of:`` lines of a document are metadata, not text. Each labelled unit is matched to
the output unit of :func:`~topics.text.sentences.split_units` that it overlaps most; records with
``"agreed": false`` (annotators disagreed) label nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import LabelError
from .labels import record_weight
from .read.jsonl import read_jsonl
from .taxonomy import Taxonomy
from .text.sentences import Unit, split_units

_META = ("# genre:", "# style-of:")


@dataclass
class LabelledDocument:
    """A document's units and the hand label of each (None: unlabelled)."""

    name: str
    units: list[Unit]
    gold: list[str | None]
    genre: str = ""
    corpus: str = ""
    year: int | None = None  # the year its ``# style-of:`` line names, if any
    weights: list[float] | None = None  # each unit's training weight (None: all 1)
    source: str = "hand"  # "written": written to train the model, not a real publication


def _metadata_and_text(text: str) -> tuple[list[str], list[str]]:
    """The leading ``# genre:`` / ``# style-of:`` lines of ``text``, and its other lines."""
    lines = text.split("\n")
    n = 0
    while n < len(lines) and lines[n].startswith(_META):
        n += 1
    return lines[:n], lines[n:]


def metadata_year(text: str) -> int | None:
    """The year (1900-2099) the first leading ``# style-of:`` line names last, or None."""
    import re

    for line in _metadata_and_text(text)[0]:
        if line.startswith("# style-of:"):
            years = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", line)
            return int(years[-1]) if years else None
    return None


def strip_metadata(text: str) -> str:
    """The text without leading ``# genre:`` / ``# style-of:`` lines."""
    return "\n".join(_metadata_and_text(text)[1])


def _trigrams(text: str) -> set[str]:
    return {text[i:i + 3] for i in range(max(1, len(text) - 2))}


def match_labels(text: str, name: str, records: list[dict]) -> tuple[list[Unit], list]:
    """Split ``text`` and give each unit the label of the record that covers most of it."""
    units, gold, _ = _matched(text, name, records, [1.0] * len(records))
    return units, gold


def _matched(text: str, name: str, records: list[dict], record_weights: list[float]
             ) -> tuple[list[Unit], list[str | None], list[float]]:
    """:func:`match_labels`, and each unit's weight (its record's; 1 unlabelled)."""
    units = split_units(text, name)
    gold: list[str | None] = [None] * len(units)
    weights = [1.0] * len(units)
    for record, weight, best in zip(records, record_weights,
                                    label_owners(text, units, records), strict=True):
        if best is not None and gold[best] is None and record.get("agreed", True):
            gold[best] = record["label"]
            weights[best] = weight
    return units, gold, weights


def label_owners(text: str, units: list[Unit], records: list[dict]) -> list[int | None]:
    """For each record, the index of the unit of ``text`` it overlaps most (None: not found).

    Two records with one owner are two labelled sentences the splitter merged.
    """
    owners: list[int | None] = []
    grams = None
    position = 0
    for record in records:
        found = text.find(record["text"], position)
        if found < 0:
            found = text.find(record["text"])
        best, overlap = None, 0
        if found >= 0:
            position = found + len(record["text"])
            end = found + len(record["text"])
            for unit in units:
                shared = min(end, unit.end) - max(found, unit.start)
                if shared > overlap:
                    best, overlap = unit.index, shared
        else:  # a text cleaned when it was labelled: the unit sharing most character 3-grams
            grams = grams or [_trigrams(u.text) for u in units]
            wanted = _trigrams(record["text"])
            for unit, unit_grams in zip(units, grams, strict=True):
                shared = len(wanted & unit_grams)
                if shared > overlap:
                    best, overlap = unit.index, shared
            if overlap < 0.5 * len(wanted):
                best = None
        owners.append(best)
    return owners


def load_document_set(folder: str | os.PathLike, labels: str | os.PathLike,
                      taxonomy: Taxonomy, corpus: str = "") -> list[LabelledDocument]:
    """The labelled documents of one set (see the module's docstring)."""
    folder, labels = Path(folder), Path(labels)
    by_doc: dict[str, list[dict]] = {}
    for record in read_jsonl(labels, ("doc", "text", "label"), LabelError):
        if record["label"] not in taxonomy.ids:
            raise LabelError(f"{labels}: unknown theme {record['label']!r} "
                             f"(doc {record['doc']!r}: {record['text'][:20]}…)")
        by_doc.setdefault(str(record["doc"]), []).append(record)
    documents = []
    inside = folder.resolve()
    for doc, records in by_doc.items():
        path = folder / doc
        # an absolute "doc", "../", or a link out of the folder: not a document of the set
        if not path.is_file() or not path.resolve().is_relative_to(inside):
            raise LabelError(f"{labels}: labels for {doc}, which is not in {folder}")
        name = f"{corpus}/{doc}" if corpus else doc
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise LabelError(f"{labels}: labels for {doc}, which is not UTF-8 text (the documents "
                             f"of a set are UTF-8 .txt files)") from None
        units, gold, weights = _matched(strip_metadata(text), name, records,
                                        [record_weight(record, labels) for record in records])
        documents.append(LabelledDocument(
            name, units, gold, str(records[0].get("genre", "")), corpus, metadata_year(text),
            weights if any(w != 1.0 for w in weights) else None,
            str(records[0].get("source", "hand"))))
    return documents
