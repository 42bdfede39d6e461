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


@dataclass(frozen=True)
class ReportText:
    """A report's text; ``rejoin`` says whether its lines may break inside a sentence."""

    text: str
    rejoin: bool = True


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
    text = docx_text(path) if suffix == ".docx" else pdf_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty report (no text)")
    return ReportText(text, rejoin=suffix == ".pdf")


def _heading_level(paragraph) -> int | None:
    """Level of a Word heading style (Heading 1, 标题 2, Title), else None."""
    try:
        name = paragraph.style.name or ""
    except (AttributeError, KeyError, ValueError):
        return None
    if name.lower() == "title" or name == "标题":
        return 1
    match = re.match(r"^(?:heading|标题)\s*(\d)$", name.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


def docx_text(path: str | Path) -> str:
    """Paragraphs and table rows of a Word document in order, one per line.

    Paragraphs in Word's heading styles become markdown headings (``#`` per level),
    so the splitter marks them as headings whatever their text looks like.
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
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                cells = [c for i, c in enumerate(cells) if c and c not in cells[:i]]
                if cells:
                    lines.append(" ｜ ".join(cells))
            continue
        text = block.text.strip()
        if not text:
            continue
        level = _heading_level(block)
        lines.append(f"{'#' * min(level, 6)} {text}" if level else text)
    return "\n".join(lines) + "\n"


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
