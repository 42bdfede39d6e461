"""Read Word and PDF reports into plain text the sentence splitter understands."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..config import MAX_BYTES
from ..errors import InputError
from .files import check_file, read_text
from .html import html_to_text, looks_like_html

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–·•]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?[\s\-—–·•]*$"
    r"|^[\s\-—–]*(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?[\s\-—–]*$")
_DIGITS = re.compile(r"\d+")
_EDGE_LINES = 2


_TERMINAL_END = re.compile(r"[。！？；!?;…：:，,]\s*$")
# A table's caption: 表1 / 附表2 / 图 3 …, or a title ending in 表 (统计表, 一览表).
_CAPTION = re.compile(r"^(?:附\s*)?[表图]\s*[\d０-９一二三四五六七八九十]+|表$")
_HEADER_CELL_CHARS = 15


@dataclass(frozen=True)
class ReportText:
    """A report's text; ``rejoin`` says whether its lines may break inside a sentence.

    ``plain_lines`` are the numbers (from 0) of lines that are body text whatever they look
    like (a Word table's rows and caption): ``split_units(..., plain_lines=)`` takes them.
    """

    text: str
    rejoin: bool = True
    plain_lines: frozenset[int] = frozenset()


def read_report(path: str | Path, encoding: str | None = None,
                max_bytes: int = MAX_BYTES) -> ReportText:
    """Read a ``.txt``/``.md``, ``.docx`` or ``.pdf`` report into text."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        text = read_text(path, encoding, max_bytes)
        if looks_like_html(text):
            text = html_to_text(text)
            if not text.strip():
                raise InputError(f"{path}: HTML markup but no text")
        return ReportText(text)
    check_file(path, max_bytes)
    report = docx_report(path) if suffix == ".docx" else ReportText(pdf_text(path))
    if not report.text.strip():
        raise InputError(f"{path}: empty report (no text)")
    return report


def _heading_level(paragraph) -> int | None:
    """Level of a Word heading style (Heading 1, 标题 2, Title), else None."""
    name = _style_name(paragraph)
    if name.lower() == "title" or name == "标题":
        return 1
    match = re.match(r"^(?:heading|标题)\s*(\d)$", name.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def _style_name(paragraph) -> str:
    try:
        return paragraph.style.name or ""
    except (AttributeError, KeyError, ValueError):
        return ""


def _is_caption(paragraph) -> bool:
    """A table's caption: Word's Caption (题注) style, or a short 表…/…表 line."""
    text = paragraph.text.strip()
    if _style_name(paragraph).lower() in ("caption", "题注"):
        return True
    return (len(text) <= 40 and _heading_level(paragraph) is None
            and not _TERMINAL_END.search(text) and _CAPTION.search(text) is not None)


def _row_cells(row) -> list[str]:
    """A row's cell texts, each on one line; merged cells (repeated) and empty ones once."""
    cells = [" ".join(c.text.split()) for c in row.cells]
    return [c for i, c in enumerate(cells) if c and c not in cells[:i]]


def _is_header_row(table, cells: list[str]) -> bool:
    """Whether a table's first row names its columns.

    So it does when Word marks it (repeat as header row), or when its cells are short
    labels without punctuation above at least one more row.
    """
    from docx.oxml.ns import qn

    properties = table.rows[0]._tr.trPr
    if properties is not None and properties.find(qn("w:tblHeader")) is not None:
        return True
    return (len(table.rows) > 1 and len(cells) > 1
            and all(len(c) <= _HEADER_CELL_CHARS and not _TERMINAL_END.search(c) for c in cells))


def docx_report(path: str | Path) -> ReportText:
    """Paragraphs and table rows of a Word document in order, one per line.

    Paragraphs in Word's heading styles become markdown headings (``#`` per level),
    so the splitter marks them as headings whatever their text looks like. A table's
    rows are body text, their cells joined by ``" ｜ "`` (never headings, however short);
    its header row (the column names) is left out; its caption (the paragraph just before
    or after it, in the Caption style or reading 表1…/…统计表) is body text too.
    """
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{path}: not a readable Word .docx file ({exc})") from None
    except Exception as exc:  # malformed XML inside a valid zip, and the like
        raise InputError(f"{path}: damaged Word .docx file ({type(exc).__name__}: {exc})") from None
    blocks = [b for b in document.iter_inner_content()
              if isinstance(b, Table) or b.text.strip()]
    entries: list[tuple[str, bool]] = []  # (line, plain)
    for position, block in enumerate(blocks):
        if isinstance(block, Table):
            for number, row in enumerate(block.rows):
                cells = _row_cells(row)
                if cells and not (number == 0 and _is_header_row(block, cells)):
                    entries.append((" ｜ ".join(cells), True))
            continue
        text = block.text.strip()
        next_to_table = any(0 <= p < len(blocks) and isinstance(blocks[p], Table)
                            for p in (position - 1, position + 1))
        if next_to_table and _is_caption(block):
            entries.append((text, True))
            continue
        level = _heading_level(block)
        entries.append((f"{'#' * min(level, 6)} {text}" if level else text, False))
    plain, number = set(), 0
    for text, is_plain in entries:
        count = len(text.splitlines()) or 1  # a line break inside a paragraph
        if is_plain:
            plain.update(range(number, number + count))
        number += count
    return ReportText("\n".join(text for text, _ in entries) + "\n", rejoin=False,
                      plain_lines=frozenset(plain))


def docx_text(path: str | Path) -> str:
    """The text of a Word document, as :func:`docx_report` reads it."""
    return docx_report(path).text


def _normalised(line: str) -> str:
    return _DIGITS.sub("#", line.strip())


def drop_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers/footers from the lines of each page.

    A line within the first or last two lines of a page is furniture when it is
    a page number, or when the same line (digits aside) stands at the edge of at
    least half of the pages (and at least two).
    """
    edge_counts: Counter[str] = Counter()
    for lines in pages:
        edges = {_normalised(x) for x in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]}
        edge_counts.update(e for e in edges if e)
    needed = max(2, (len(pages) + 1) // 2)
    repeated = {line for line, count in edge_counts.items() if count >= needed}
    cleaned = []
    for lines in pages:
        keep = []
        for position, line in enumerate(lines):
            at_edge = position < _EDGE_LINES or position >= len(lines) - _EDGE_LINES
            if at_edge and (_PAGE_NUMBER.match(line) or _normalised(line) in repeated):
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def pdf_text(path: str | Path) -> str:
    """The text layer of a PDF, pages joined, page numbers and running heads dropped."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [(page.extract_text() or "").splitlines() for page in pdf.pages]
    except PDFSyntaxError as exc:
        raise InputError(f"{path}: not a readable PDF ({exc})") from None
    except Exception as exc:  # truncated or encrypted files fail in many ways
        reason = f"{type(exc).__name__}: {exc}"
        raise InputError(f"{path}: damaged or unreadable PDF ({reason})") from None
    if not any(line.strip() for lines in pages for line in lines):
        raise InputError(f"{path}: the PDF has no text layer (a scan?); run OCR on it first")
    pages = drop_page_furniture([[line.rstrip() for line in lines] for lines in pages])
    return "\n".join(line for lines in pages for line in lines) + "\n"
