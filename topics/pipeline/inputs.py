"""Turn one classify input (report file, ``.jsonl`` of units, or stdin) into units."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..config import MAX_BYTES
from ..errors import InputError
from ..read.documents import ReportText
from ..read.files import open_regular
from ..read.inputs import ReadInput, read_input
from ..text.sentences import Unit, split_units


@dataclass
class InputUnits:
    """The units of one input and, for ``.jsonl`` input, the records' ids."""

    name: str
    units: list[Unit]
    ids: list | None = None
    in_context: bool = True  # consecutive units of one report are read together


def _records_units(name: str, records: list[dict]) -> InputUnits:
    """Each record's ``text`` is one unit; its ``id`` (if any) is kept, order too.

    Records that all name their document (``report`` or ``doc``) are read in context:
    consecutive records of one document, in file order, are its units in text order.
    Otherwise each unit is labelled alone.
    """
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
    return _units(read_input("-", encoding, max_bytes, stdin=stream))


def _split(name: str, report: ReportText) -> InputUnits:
    """The units of a report read (never blank: :func:`report_from_bytes` refuses that).

    The whole :class:`ReportText` is taken, so that how it was read (``rejoin``, its
    ``plain_lines``) reaches the splitter whichever way the report came in.
    """
    units = split_units(report.text, name, rejoin=report.rejoin, plain_lines=report.plain_lines)
    if not units:
        raise InputError(f"{name}: no sentences found (only punctuation or symbols)")
    return InputUnits(name, units)


def _units(read: ReadInput) -> InputUnits:
    """The units of an input read: a report's split, or one per ``.jsonl`` record."""
    if read.records is not None:
        return _records_units(read.name, read.records)
    return _split(read.name, read.report)


def load_input(path: str, encoding: str | None = None,
               max_bytes: int = MAX_BYTES) -> InputUnits:
    """Units of a report file (text, Word, PDF) or of a ``.jsonl`` file of units.

    The report is named by ``path``'s name (see :func:`topics.read.files.report_name`).
    """
    return _units(read_input(path, encoding, max_bytes))


#: How much of a file :func:`earlier_output` reads.
SNIFF_BYTES = 1 << 16
#: The ``generator`` an html page of topics names, and the creator of its xlsx workbooks.
GENERATOR = "topics"


def _labelled_record(line: bytes) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and "theme" in record and "scores" in record


def _labelled_csv_header(line: str) -> bool:
    cells = set(line.strip().split(","))
    return {"report", "text", "theme", "confidence"} <= cells and any(
        cell.startswith("score_") for cell in cells)


def _our_workbook(path: str | Path) -> bool:
    try:
        with zipfile.ZipFile(path) as book:
            if "xl/workbook.xml" not in book.namelist():
                return False
            core = book.read("docProps/core.xml")[:SNIFF_BYTES]
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    return re.search(rb"<dc:creator[^>]*>" + GENERATOR.encode() + rb"</dc:creator>",
                     core) is not None


def earlier_output(path: str | Path) -> str | None:
    """What output of ``topics`` the file at ``path`` is, or None if it is none.

    Recognised by content, whatever the file is named: JSON Lines of labelled records
    (``theme`` and ``scores``), a csv of them (``theme``, ``confidence`` and ``score_``
    columns), a terminal table (``== NAME (N units)``), a comparison (csv or table), an
    html page or xlsx workbook made by topics. Only regular files are opened, and only
    their first 64 KB read.
    """
    try:
        with open_regular(path, float("inf")) as handle:
            head = handle.read(SNIFF_BYTES)
    except (InputError, OSError):
        return None
    if head.startswith(b"PK"):
        return "an xlsx workbook written by topics" if _our_workbook(path) else None
    text = head.removeprefix(b"\xef\xbb\xbf")
    first = text.lstrip().split(b"\n", 1)[0]
    if first.startswith(b"{") and _labelled_record(first):
        return "labelled records written by topics (an earlier output)"
    line = first.decode("utf-8", "replace")
    if _labelled_csv_header(line):
        return "a csv of labelled units written by topics (an earlier output)"
    if line.startswith("== ") and line.rstrip().endswith(" units)"):
        return "a table of labelled units written by topics (an earlier output)"
    if line.startswith("theme,theme_zh,share ") or line.startswith("Reports: [1] "):
        return "a comparison written by topics (an earlier output)"
    if text.lstrip().lower().startswith(b"<!doctype html") and \
            f'<meta name="generator" content="{GENERATOR}">'.encode() in text:
        return "an html page written by topics (an earlier output)"
    return None
