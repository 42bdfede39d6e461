"""Read Word and PDF reports into plain text the sentence splitter understands."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..config import MAX_BYTES
from ..errors import InputError, printable
from .files import UNSUPPORTED, decode_bytes, read_bytes, unsupported_message
from .html import html_to_text, looks_like_html

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–·•]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?[\s\-—–·•]*$"
    r"|^[\s\-—–]*(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?[\s\-—–]*$")
_DIGITS = re.compile(r"\d+")
_EDGE_LINES = 2
_CID = re.compile(r"\(cid:\d+\)")

#: What the compressed parts of a .docx or the streams of a PDF may expand to, as a
#: multiple of the size limit (``--max-size``): 80 MB for the default 20 MB ...
EXPANSION_FACTOR = 4
#: ... and at least this (fonts and images of a small file may expand a lot).
MIN_EXPANSION = 32 << 20
#: Pages of a PDF read at most.
MAX_PAGES = 5_000


def expansion_limit(max_bytes: int) -> int:
    """The bytes the compressed parts of a document may expand to, for a size limit."""
    return max(EXPANSION_FACTOR * max_bytes, MIN_EXPANSION)


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


def sniff(data: bytes) -> str | None:
    """The kind of document ``data`` holds by its signature: ``pdf``, ``docx`` or None.

    An OLE2 file (.doc, .wps) is none: :func:`topics.read.files.decode_bytes` refuses it by
    its signature, with how to convert it.
    """
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
            return None  # no zip this module can open (NotImplementedError: a later zip version)
        return "docx" if "word/document.xml" in names else None
    return None


def read_report(path: str | Path, encoding: str | None = None,
                max_bytes: int = MAX_BYTES) -> ReportText:
    """Read a ``.txt``/``.md``, ``.docx`` or ``.pdf`` report into text.

    Only regular files of at most ``max_bytes`` are read. A text file that is a PDF or a
    Word document by its signature is read as one; ``.doc``, ``.wps`` and the like are
    refused with how to convert them.
    """
    suffix = os.path.splitext(path)[1].lower()
    if suffix in UNSUPPORTED:
        raise InputError(unsupported_message(str(path), UNSUPPORTED[suffix]))
    return report_from_bytes(read_bytes(path, max_bytes), str(path), suffix, encoding,
                             max_bytes)


def report_from_bytes(data: bytes, name: str, suffix: str = "", encoding: str | None = None,
                      max_bytes: int = MAX_BYTES) -> ReportText:
    """The text of a report's bytes (a file's, or standard input's with no ``suffix``).

    ``.docx`` and ``.pdf`` are read as such; other bytes as text, unless their signature
    says they are a PDF or a Word .docx.
    """
    kind = _KINDS.get(suffix) or sniff(data)
    if kind == "docx":
        import io

        report = docx_report(io.BytesIO(data), name, max_bytes)
    elif kind == "pdf":
        import io

        report = ReportText(pdf_text(io.BytesIO(data), name, max_bytes))
    else:
        text = decode_bytes(data, name, encoding)
        if looks_like_html(text):
            text = html_to_text(text)
            if not text.strip():
                raise InputError(f"{printable(name)}: HTML markup but no text")
        report = ReportText(text)
    if not report.text or report.text.isspace():
        raise InputError(f"{printable(name)}: empty report (no text)")
    return report


_KINDS = {".docx": "docx", ".pdf": "pdf"}  # the kind of document a suffix says


def _heading_level(style: str) -> int | None:
    """Level of a Word heading style name (Heading 1, 标题 2, Title), else None."""
    if style.lower() == "title" or style == "标题":
        return 1
    match = re.match(r"^(?:heading|标题)\s*(\d)$", style.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


class _StyleNames:
    """The style name of a document's paragraphs, each style looked up once.

    python-docx finds a paragraph's style by scanning every style of the document (an XPath
    and an enum parse per style). A paragraph's style depends on its style id alone, so a
    document's ids are looked up once each.
    """

    def __init__(self) -> None:
        self._names: dict[str | None, str] = {}

    def __call__(self, paragraph) -> str:
        style_id = paragraph._p.style
        name = self._names.get(style_id)
        if name is None:
            try:
                name = paragraph.style.name or ""
            except (AttributeError, KeyError, ValueError):
                name = ""
            self._names[style_id] = name
        return name


def _is_caption(text: str, style: str) -> bool:
    """A table's caption: Word's Caption (题注) style, or a short 表…/…表 line."""
    if style.lower() in ("caption", "题注"):
        return True
    return (len(text) <= 40 and _heading_level(style) is None
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


def _refuse_doctype(document, shown: str) -> None:
    """Refuse a .docx whose XML parts declare a DOCTYPE (Word never writes one).

    Its entities are left unexpanded by the parser, so text that uses them would be lost
    without a word: the file is refused instead.
    """
    for part in document.part.package.iter_parts():
        element = getattr(part, "element", None)  # XML parts; images and the like have none
        if element is not None and element.getroottree().docinfo.doctype:
            raise InputError(f"{shown}: not a Word .docx: its part {part.partname} declares a "
                             f"DOCTYPE (XML entities), which Word never writes")


def docx_report(source, name: str | None = None, max_bytes: int = MAX_BYTES) -> ReportText:
    """Paragraphs and table rows of a Word document in order, one per line.

    ``source`` is a path or a binary file. Paragraphs in Word's heading styles become
    markdown headings (``#`` per level), so the splitter marks them as headings whatever
    their text looks like. A table's rows are body text, their cells joined by ``" ｜ "``
    (never headings, however short); its header row (the column names) is left out; its
    caption (the paragraph just before or after it, in the Caption style or reading
    表1…/…统计表) is body text too. Its parts may expand to at most
    ``expansion_limit(max_bytes)`` bytes (a zip bomb is refused before it is expanded).
    XML entities are not expanded (python-docx's parser): a part that declares a DOCTYPE is
    refused; and lxml refuses XML nested too deep.
    """
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    from ._limits import MAX_MEMBERS, TooLarge, check_zip

    shown = printable(name if name is not None else source)
    limit = expansion_limit(max_bytes)
    try:
        with zipfile.ZipFile(source) as archive:
            check_zip(archive, limit)
        if hasattr(source, "seek"):
            source.seek(0)
        document = Document(source if hasattr(source, "read") else str(source))
    except TooLarge as exc:
        if exc.__cause__ is not None:
            raise InputError(f"{shown}: {exc.__cause__} in the .docx zip, more than "
                             f"{MAX_MEMBERS:,} (a zip bomb?)") from None
        raise InputError(f"{shown}: the .docx's parts expand to more than {limit:,} bytes (a "
                         f"zip bomb?); --max-size raises the limit") from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{shown}: not a readable Word .docx file ({exc})") from None
    except Exception as exc:  # malformed XML inside a valid zip, and the like
        raise InputError(f"{shown}: damaged Word .docx file ({type(exc).__name__}: {exc})"
                         ) from None
    _refuse_doctype(document, shown)
    blocks = [b for b in document.iter_inner_content()
              if isinstance(b, Table) or b.text.strip()]
    entries: list[tuple[str, bool]] = []  # (line, plain)
    style_of = _StyleNames()
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
        style = style_of(block)
        if next_to_table and _is_caption(text, style):
            entries.append((text, True))
            continue
        level = _heading_level(style)
        entries.append((f"{'#' * min(level, 6)} {text}" if level else text, False))
    plain, number = set(), 0
    for text, is_plain in entries:
        count = len(text.splitlines()) or 1  # a line break inside a paragraph
        if is_plain:
            plain.update(range(number, number + count))
        number += count
    return ReportText("\n".join(text for text, _ in entries) + "\n", rejoin=False,
                      plain_lines=frozenset(plain))


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


def _pdf_problem(exc: BaseException, limit: int) -> str | None:
    """The message of a known PDF failure (found in pdfplumber's wrapping), else None."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    from ._limits import TooLarge

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, TooLarge):
            return (f"its compressed streams expand to more than {limit:,} bytes (a "
                    f"decompression bomb?); --max-size raises the limit")
        if isinstance(exc, PDFPasswordIncorrect):
            return ("the PDF is password-protected; remove the password (or print it to a "
                    "new PDF) first")
        if isinstance(exc, PDFEncryptionError):
            return f"the PDF is encrypted in a way that cannot be read ({exc})"
        inner = [a for a in exc.args if isinstance(a, BaseException)]
        exc = inner[0] if inner else exc.__cause__ or exc.__context__
    return None


def pdf_text(source, name: str | None = None, max_bytes: int = MAX_BYTES) -> str:
    """The text layer of a PDF, pages joined, page numbers and running heads dropped.

    ``source`` is a path or a binary file. Its streams may expand to at most
    ``expansion_limit(max_bytes)`` bytes in all, its text be at most ``max_bytes``
    characters long and it may have at most ``MAX_PAGES`` pages. A text layer of
    ``(cid:N)`` glyph codes (fonts without a Unicode map) is refused like a scan.
    """
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    from ._limits import expansion_budget

    shown = printable(name if name is not None else source)
    limit = expansion_limit(max_bytes)
    pages, characters = [], 0
    try:
        with expansion_budget(limit), pdfplumber.open(source) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                if number > MAX_PAGES:
                    raise InputError(f"{shown}: more than {MAX_PAGES:,} pages")
                text = page.extract_text() or ""
                page.close()
                characters += len(text)
                if characters > max_bytes:
                    raise InputError(f"{shown}: more than {max_bytes:,} characters of text; "
                                     f"--max-size raises the limit")
                pages.append(text.splitlines())
    except InputError:
        raise
    except PDFSyntaxError as exc:
        raise InputError(f"{shown}: not a readable PDF ({exc})") from None
    except Exception as exc:  # truncated or encrypted files fail in many ways
        problem = _pdf_problem(exc, limit)
        if problem:
            raise InputError(f"{shown}: {problem}") from None
        reason = f"{type(exc).__name__}: {exc}"
        raise InputError(f"{shown}: damaged or unreadable PDF ({reason})") from None
    if not any(line.strip() for lines in pages for line in lines):
        raise InputError(f"{shown}: the PDF has no text layer (a scan?); run OCR on it first")
    pages = _without_glyph_codes(pages, shown)
    pages = drop_page_furniture([[line.rstrip() for line in lines] for lines in pages])
    return "\n".join(line for lines in pages for line in lines) + "\n"


def _without_glyph_codes(pages: list[list[str]], shown: str) -> list[list[str]]:
    """Pages without ``(cid:N)`` placeholders; refused when they are most of the text.

    pdfminer writes ``(cid:N)`` for a glyph whose font has no Unicode map: such a text
    layer holds no text, like a scan's.
    """
    text = "".join(line for lines in pages for line in lines)
    if "(cid:" not in text:
        return pages
    coded = sum(len(m) for m in _CID.findall(text))
    if coded >= 0.5 * len("".join(text.split())):
        raise InputError(f"{shown}: the PDF's text layer is glyph codes ((cid:N)) without a "
                         f"Unicode map, not text; run OCR on it first (or export it again "
                         f"from the original)")
    return [[_CID.sub("", line) for line in lines] for lines in pages]
