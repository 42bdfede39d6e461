"""Turn one classify input (report file, ``.jsonl`` of units, or stdin) into units."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..config import MAX_BYTES
from ..errors import InputError
from ..read.documents import read_report
from ..read.files import decode_bytes
from ..read.jsonl import read_jsonl
from ..text.sentences import Unit, split_units


@dataclass
class InputUnits:
    """The units of one input and, for ``.jsonl`` input, the records' ids."""

    name: str
    units: list[Unit]
    ids: list | None = None
    in_context: bool = True  # consecutive units of one report are read together


def units_from_jsonl(path: str | Path) -> InputUnits:
    """Each record's ``text`` is one unit; its ``id`` (if any) is kept, order too.

    Records that all name their document (``report`` or ``doc``) are read in context:
    consecutive records of one document, in file order, are its units in text order.
    Otherwise each unit is labelled alone.
    """
    records = read_jsonl(path, ("text",))
    name = Path(path).name
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
    """Units of a report piped on standard input."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"<stdin>: more than the size limit of {max_bytes:,} bytes "
                         f"(--max-size raises it)")
    text = decode_bytes(data, "<stdin>", encoding)
    return _split("<stdin>", text)


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
    """Units of a report file (text, Word, PDF) or of a ``.jsonl`` file of units."""
    if path.lower().endswith(".jsonl"):
        return units_from_jsonl(path)
    report = read_report(path, encoding, max_bytes)
    return _split(Path(path).name, report.text, report.rejoin, report.plain_lines)
