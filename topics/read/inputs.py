"""The one entry of the read stage: an input (file, ``-``, ``.jsonl``, folder) to what it holds.

:func:`read_input` reads one input: a report file (text, Word, PDF, HTML), standard input
(``-``) or a ``.jsonl`` file of units. :func:`read_inputs` reads many, folders expanded
(:func:`topics.read.files.expand_inputs`), an input that cannot be read held as its
``InputError`` (see :func:`topics.errors.failed`). Size limits are checked here, once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..config import MAX_BYTES
from ..errors import InputError, failed, outcome
from .documents import ReportText, read_report, report_from_bytes
from .files import REPORT_SUFFIXES, expand_inputs, report_name, size_message
from .jsonl import read_jsonl

#: The name of standard input (``-``) in messages and outputs.
STDIN = "<stdin>"
#: Inputs read as records of units, one JSON object (with a ``text`` field) a line.
UNITS_SUFFIX = ".jsonl"


@dataclass(frozen=True)
class ReadInput:
    """What one input holds: a report's text, or (``.jsonl``) records of units.

    ``name`` is the report's name (:func:`topics.read.files.report_name`; ``<stdin>``).
    Exactly one of ``report`` and ``records`` is set.
    """

    name: str
    report: ReportText | None = None
    records: list[dict] | None = None  # each with a non-blank "text"


def read_input(item: str, encoding: str | None = None, max_bytes: int = MAX_BYTES, *,
               stdin: BinaryIO | None = None) -> ReadInput:
    """Read one input: a report file, ``-`` (``stdin``, else ``sys.stdin.buffer``) or ``.jsonl``.

    A report is refused (``InputError`` naming it) when it is missing, not a regular file,
    over ``max_bytes``, of a format that is not read, undecodable or empty; standard input
    holds text, or a PDF or a Word .docx by its signature. ``encoding`` forces the text
    encoding of a report. Folders are inputs of :func:`read_inputs`.
    """
    if item == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(size_message(STDIN, None, max_bytes))
        return ReadInput(STDIN, report_from_bytes(data, STDIN, "", encoding, max_bytes))
    if str(item).lower().endswith(UNITS_SUFFIX):
        return ReadInput(report_name(item), records=read_jsonl(item, ("text",),
                                                                max_bytes=max_bytes))
    return ReadInput(report_name(item), read_report(item, encoding, max_bytes))


def read_inputs(items: Iterable[str], encoding: str | None = None,
                max_bytes: int = MAX_BYTES, *, stdin: BinaryIO | None = None
                ) -> Iterator[ReadInput | InputError]:
    """:func:`read_input` of every input, folders expanded to their reports, in order.

    An input that cannot be read (or a folder that holds no report) comes as its
    ``InputError``, and the others go on.
    """
    for item in expand_inputs(items, (*REPORT_SUFFIXES, UNITS_SUFFIX)):
        yield item if failed(item) else outcome(read_input, item, encoding, max_bytes,
                                                stdin=stdin)
