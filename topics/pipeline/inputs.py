"""Turn one classify input (report file, ``.jsonl`` of units, or stdin) into units."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..config import MAX_BYTES
from ..errors import InputError
from ..read.documents import read_report, report_from_bytes
from ..read.files import report_name
from ..read.jsonl import read_jsonl
from ..text.sentences import Unit, split_units


@dataclass
class InputUnits:
    """The units of one input and, for ``.jsonl`` input, the records' ids."""

    name: str
    units: list[Unit]
    ids: list | None = None
    in_context: bool = True  # consecutive units of one report are read together


def units_from_jsonl(path: str | Path, max_bytes: int | None = None) -> InputUnits:
    """Each record's ``text`` is one unit; its ``id`` (if any) is kept, order too.

    Records that all name their document (``report`` or ``doc``) are read in context:
    consecutive records of one document, in file order, are its units in text order.
    Otherwise each unit is labelled alone. A file over ``max_bytes`` is refused.
    """
    records = read_jsonl(path, ("text",), max_bytes=max_bytes)
    name = report_name(path)
    documents = [r.get("report", r.get("doc")) for r in records]
    in_context = all(d is not None for d in documents)
    units = [Unit(report=str(name if d is None else d), index=i, text=r["text"].strip(),
                  start=0, end=len(r["text"]))
             for i, (r, d) in enumerate(zip(records, documents, strict=True))]
    ids = [r.get("id") for r in records]
    return InputUnits(name, units, ids if any(i is not None for i in ids) else None,
                      in_context)


def read_stdin(stream: BinaryIO, encoding: str | None = None,
               max_bytes: int = MAX_BYTES) -> InputUnits:
    """Units of a report piped on standard input: text, or a PDF or Word .docx by its signature."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"<stdin>: more than the size limit of {max_bytes:,} bytes "
                         f"(--max-size raises it)")
    report = report_from_bytes(data, "<stdin>", "", encoding, max_bytes)
    return _split("<stdin>", report.text, report.rejoin)


def _split(name: str, text: str, rejoin: bool = True,
           plain_lines: frozenset[int] = frozenset()) -> InputUnits:
    if not text.strip():
        raise InputError(f"{name}: empty report (no text)")
    units = split_units(text, name, rejoin=rejoin, plain_lines=plain_lines)
    if not units:
        raise InputError(f"{name}: no sentences found (only punctuation or symbols)")
    return InputUnits(name, units)


def load_input(path: str, encoding: str | None = None,
               max_bytes: int = MAX_BYTES) -> InputUnits:
    """Units of a report file (text, Word, PDF) or of a ``.jsonl`` file of units.

    The report is named by ``path``'s name (see :func:`topics.read.files.report_name`).
    """
    if path.lower().endswith(".jsonl"):
        return units_from_jsonl(path, max_bytes)
    report = read_report(path, encoding, max_bytes)
    return _split(report_name(path), report.text, report.rejoin, report.plain_lines)
