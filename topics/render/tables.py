"""Tables: labelled units and comparisons for a terminal, as CSV and as xlsx workbooks."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from operator import attrgetter

import numpy as np

from ..compare import Comparison
from ..errors import printable
from ..pipeline.inputs import GENERATOR
from ..pipeline.model import (
    NO_SECTION,
    LabelledUnits,
    ThemeProfile,
    UnitResult,
    section_profiles,
)
from ..pipeline.terms import MIN_DOCUMENTS
from ..taxonomy import Taxonomy
from ..text.sentences import shown_texts
from ._numbers import fixed_four, per_report
from .records import FIELDS, score_columns, section_text, unit_fields, unit_values

#: First characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection
#: guidance: = + - @, tab and carriage return), and the full-width forms of the first four,
#: which Excel with an East Asian input method may take as the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_text(value):
    """A CSV cell that a spreadsheet shows as the text it is, never runs as a formula.

    Text that starts with one of :data:`FORMULA_STARTS` gets a leading single quote
    (OWASP); anything else, numbers included, is returned as it is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SpreadsheetWriter:
    """``csv.writer`` (CRLF lines) whose text cells pass through :func:`spreadsheet_text`."""

    def __init__(self, buffer: io.StringIO):
        self._writer = csv.writer(buffer, lineterminator="\r\n")

    def writerow(self, row) -> None:
        """Write one row."""
        self._writer.writerow([spreadsheet_text(value) for value in row])

    def writerows(self, rows) -> None:
        """Write rows."""
        for row in rows:
            self.writerow(row)


class _CharWidths(dict):
    """Columns each character takes in a terminal (wide CJK two), found once per character."""

    def __missing__(self, char: str) -> int:
        width = self[char] = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        return width


_WIDTHS = _CharWidths()


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide CJK characters count two)."""
    return sum(map(_WIDTHS.__getitem__, text))


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


#: Characters that do not start a line when text is wrapped (they stay with what they close).
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’…—,.;:?!)]}%")
#: Characters that do not end a line (they stay with what they open).
_NO_LINE_END = frozenset("（《「『【〔“‘([{")
#: Runs wrapped as one piece: latin words and numbers (with their decimal point or percent).
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.%\-]*|\s+|.", re.DOTALL)


def wrap_columns(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` terminal columns (at least one line).

    Chinese breaks between any two characters, latin words and numbers only at their
    ends (unless one is longer than a line); punctuation that closes (，。）”) does not start
    a line (the character before it moves down with it) and one that opens (“《) does not
    end one. Every character is kept, in order, but spaces where a line breaks.
    """
    width = max(width, 2)
    if display_width(text) <= width:  # every piece fits: the loop's one line (tested)
        return [text]
    return _wrapped(text, width)


def _wrapped(text: str, width: int) -> list[str]:
    """:func:`wrap_columns` piece by piece (``width`` at least 2)."""
    lines: list[str] = []
    line, used = "", 0
    widths = _WIDTHS
    for piece in _WORD.findall(text):
        size = widths[piece] if len(piece) == 1 else display_width(piece)
        if used + size <= width:
            line, used = line + piece, used + size
            continue
        if piece.isspace():  # a break: the space is not shown
            lines.append(line.rstrip())
            line, used = "", 0
            continue
        if size > width:  # a latin run longer than a line: cut it by characters
            for char in piece:
                if used + display_width(char) > width and line:
                    lines.append(line.rstrip())
                    line, used = "", 0
                line, used = line + char, used + display_width(char)
            continue
        cut = len(line)
        while (cut > 1 and ((piece if cut == len(line) else line[cut])[0] in _NO_LINE_START
                            or line[cut - 1] in _NO_LINE_END)
               and display_width(line[cut - 1:]) + size <= width):
            cut -= 1  # a closer takes the character before it down; an opener goes down
        if line[:cut].rstrip():
            lines.append(line[:cut].rstrip())
        line = line[cut:] + piece
        used = display_width(line)
    lines.append(line)
    return lines


#: Terminal columns of the theme in a results table: Chinese name, then the id.
_ZH_COLUMNS, _ID_COLUMNS = 9, 12
#: The narrowest text column a results table wraps to, however narrow the terminal.
MIN_TEXT_COLUMNS = 20


def theme_label(theme_id: str, taxonomy: Taxonomy) -> str:
    """A theme's Chinese name and id in two aligned columns (the id alone if unknown)."""
    name = taxonomy[theme_id].name_zh if theme_id in taxonomy.ids else ""
    return pad(name, _ZH_COLUMNS) + pad(theme_id, _ID_COLUMNS)


def profile_table(profile: ThemeProfile, taxonomy: Taxonomy, bar_width: int = 30) -> str:
    """The theme profile: Chinese name, id, count, share and a bar per theme."""
    lines = [f"  {pad('theme 主题', _ZH_COLUMNS + _ID_COLUMNS)}{'units':>5}  {'share':>6}"]
    for theme in taxonomy.themes:
        count = profile.counts.get(theme.id, 0)
        share = profile.shares.get(theme.id, 0.0)
        bar = "█" * round(share * bar_width)
        lines.append(f"  {theme_label(theme.id, taxonomy)}{count:5d}  {share:6.1%}  {bar}")
    lines.append(f"  {pad('total 合计', _ZH_COLUMNS + _ID_COLUMNS)}{profile.total:5d}")
    return "\n".join(lines)


#: How the units before a report's first heading are named in a section profile.
NO_SECTION_NAME = "（开头 opening）"


def section_name(section: str) -> str:
    """A top-level section's name as shown: its heading, or :data:`NO_SECTION_NAME`."""
    return NO_SECTION_NAME if section == NO_SECTION else section


def headed_sections(results: list[UnitResult], theme_ids: list[str]
                    ) -> list[tuple[str, ThemeProfile]]:
    """:func:`section_profiles` of a report that has headings; [] for one that has none."""
    sections = section_profiles(results, theme_ids)
    return sections if any(section != NO_SECTION for section, _ in sections) else []


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (with … when cut), padded to it."""
    if display_width(text) > width:  # its longest start that fits width - 1 columns, then …
        text = text[:bisect_right(list(accumulate(map(_WIDTHS.__getitem__, text))),
                                  width - 1)] + "…"
    return pad(text, width)


def section_table(sections: list[tuple[str, ThemeProfile]], taxonomy: Taxonomy,
                  width: int | None = None, name_width: int = 18) -> str:
    """The per-section profile: a row per top-level section, its units and theme shares (%).

    When the full table (a column per theme) is wider than ``width``, each section is one
    line of its units and its themes by share instead, wrapped to ``width``.
    """
    header = (pad("section", name_width) + f"{'units':>6}"
              + "".join(" " * (9 - display_width(theme.name_zh)) + theme.name_zh
                        for theme in taxonomy.themes))
    if width is None or display_width(header) + 2 <= width:
        lines = [header]
        for section, profile in sections:
            lines.append(clip(section_name(section), name_width) + f"{profile.total:6d}"
                         + "".join(f"{100 * profile.shares.get(t, 0.0):8.0f}%"
                                   for t in taxonomy.ids))
        return "\n".join("  " + line for line in lines)
    lines = []
    for section, profile in sections:
        shares = sorted(((s, t) for t, s in profile.shares.items() if s > 0), reverse=True)
        lines.append("  " + clip(f"{profile.total:3d} units  {section_name(section)}",
                                 width - 2).rstrip())
        line = "    "
        for share, theme in shares:
            item = f"{taxonomy[theme].name_zh} {share:.0%}"
            if line.strip() and display_width(line) + 3 + display_width(item) > width:
                lines.append(line)
                line = "    "
            line += (" · " if line.strip() else "") + item
        lines.append(line)
    return "\n".join(lines)


def _bar_width(width: int | None) -> int:
    """The longest profile bar that fits ``width`` columns (30 when not fitting any)."""
    return 30 if width is None else max(5, min(30, width - 2 - _ZH_COLUMNS - _ID_COLUMNS - 17))


def results_table(report: str, results: list[UnitResult], profile: ThemeProfile,
                  taxonomy: Taxonomy, width: int | None = None,
                  profile_only: bool = False) -> str:
    """One report for a terminal: its profile, then each unit with its theme and confidence.

    ``width`` is the terminal's: each unit's text is wrapped under its column to fit it;
    None writes every unit on one line (for ``--wide`` and output that is not a terminal).
    ``profile_only`` leaves out the units.
    """
    lines = [f"== {report} ({len(results)} units)", f"Theme profile of {report}:",
             profile_table(profile, taxonomy, _bar_width(width))]
    sections = headed_sections(results, taxonomy.ids)
    if sections:
        lines += ["", f"Theme shares by section of {report} (% of the section's units):",
                  section_table(sections, taxonomy, width)]
    if profile_only:
        return "\n".join(lines) + "\n"
    indent = 5 + 3 + _ZH_COLUMNS + _ID_COLUMNS + 4 + 2
    text_width = None if width is None else max(MIN_TEXT_COLUMNS, width - indent - 1)
    lines += ["", f"{'index':>5}   {pad('theme 主题', _ZH_COLUMNS + _ID_COLUMNS)}conf  text "
                  "(# heading)"]
    labels = {theme: theme_label(theme, taxonomy) for theme in {r.theme for r in results}}
    for r in results:
        index, heading, text, theme, confidence = unit_fields(r, "index", "heading", "text",
                                                              "theme", "confidence")
        marker = "#" if heading else " "
        text = [text] if text_width is None else wrap_columns(text, text_width)
        lines.append(f"{index:5d} {marker} {labels[theme]}"
                     f"{confidence:4.2f}  {text[0]}")
        lines.extend(" " * indent + more for more in text[1:])
    return "\n".join(lines) + "\n"


def overall_table(n_reports: int, profile: ThemeProfile, taxonomy: Taxonomy,
                  width: int | None = None) -> str:
    """The theme profile of a whole batch of reports (every unit counted once)."""
    return (f"== all {n_reports} reports ({profile.total} units)\nTheme profile of all reports:\n"
            f"{profile_table(profile, taxonomy, _bar_width(width))}\n")


def failed_table(failed: list[tuple[str, str]]) -> str:
    """The inputs that could not be read, for the end of a terminal table (one line each)."""
    if not failed:
        return ""
    lines = [f"\nFailed inputs ({len(failed)}, not labelled):"]
    lines.extend(f"  {printable(name)}: {printable(reason)}" for name, reason in failed)
    return "\n".join(lines) + "\n"


def results_csv(results: list[UnitResult], theme_ids: list[str], header: bool = True) -> str:
    """A CSV table of units with the score of every theme (write it with a UTF-8 BOM)."""
    buffer = io.StringIO()
    writer = _SpreadsheetWriter(buffer)
    if header:
        writer.writerow([*FIELDS, *score_columns(theme_ids)])
    for r in results:
        (report, index, id_, heading, text, theme, confidence, evidence, topic, topic_theme,
         section, *scores) = unit_values(r, theme_ids)
        writer.writerow([report, index, "" if id_ is None else id_, int(heading), text, theme,
                         f"{confidence:.4f}", evidence, "" if topic is None else topic,
                         topic_theme or "", section, *[f"{s:.4f}" for s in scores]])
    return buffer.getvalue()


def _spreadsheet_column(values: list) -> list:
    """:func:`spreadsheet_text` of every cell of a column of strings (or anything)."""
    try:
        starts = list(map(str.startswith, values, repeat(FORMULA_STARTS)))
    except TypeError:  # not every cell is a string
        return list(map(spreadsheet_text, values))
    if any(starts):
        return [("'" + v) if start else v for v, start in zip(values, starts, strict=True)]
    return values


_CSV_SPECIAL = re.compile('[,"\r\n]')  # what csv.writer quotes a cell for (QUOTE_MINIMAL)


def _csv_cell(value) -> str:
    """A cell's text as ``csv.writer`` takes it: None empty, a float its repr, else str."""
    if value is None:
        return ""
    return float.__repr__(value) if isinstance(value, float) else str(value)


def _csv_column(values: list) -> list[str]:
    """Each cell as ``csv.writer`` writes it in a row (``QUOTE_MINIMAL``, ``","``, CRLF).

    A cell that holds a comma, a double quote or a line break is quoted, its quotes doubled;
    the others are written as they are. Must equal ``csv.writer`` cell for cell
    (tests/render/test_outputs.py, by hypothesis).
    """
    if not all(map(isinstance, values, repeat(str))):
        values = list(map(_csv_cell, values))
    if not _CSV_SPECIAL.search("".join(values)):  # one scan: no cell needs quotes
        return values
    values = list(values)
    for i in compress(range(len(values)), map(_CSV_SPECIAL.search, values)):
        values[i] = '"' + values[i].replace('"', '""') + '"'
    return values


def _csv_rows(columns: list[Iterable[str]]) -> str:
    """The CSV text (CRLF lines) of rows whose cells are ``columns``' (from :func:`_csv_column`).

    A column may be endless (``repeat``): the others end the rows.
    """
    rows = list(map(",".join, zip(*columns, strict=False)))
    return "\r\n".join(rows) + "\r\n" if rows else ""


def labelled_csv_many(labelled: list[LabelledUnits], theme_ids: list[str]) -> list[str]:
    """:func:`results_csv` (no header) of each report's ``labelled.results()``, column by column.

    No result is made per unit: the cells come from the columns (the numbers of every
    report formatted at once), in :func:`results_csv`'s order, each text cell through
    :func:`spreadsheet_text`, and ``csv.writer`` writes the rows.
    """
    def written(values: np.ndarray) -> list[str]:
        numbers = fixed_four(values)
        if "-" in "".join(numbers):  # the only formula start that "%.4f" writes ("-0.0000")
            numbers = _spreadsheet_column(numbers)
        return numbers

    return [_labelled_csv(x, *numbers, len(theme_ids)) for x, numbers in zip(
        labelled, per_report(labelled, lambda x: _theme_scores(x.columns, theme_ids), written),
        strict=True)]


def _theme_scores(columns, theme_ids: list[str]) -> np.ndarray:
    """Each row's probability of every theme of ``theme_ids`` (0.0 for a theme not a class)."""
    position = {c: i for i, c in enumerate(columns.classes)}  # the last of a class named twice
    out = np.zeros((len(columns.themes), len(theme_ids)))
    for j, theme in enumerate(theme_ids):
        if theme in position:
            out[:, j] = columns.probabilities[:, position[theme]]
    return out


def _labelled_csv(labelled: LabelledUnits, confidences: list[str], scores: list[str],
                  n_themes: int) -> str:
    """The rows of one report, its numbers written (``confidences``, ``scores`` row by row)."""
    units, columns = labelled.units, labelled.columns
    if not units:
        return ""
    ids, topics, themes = labelled.ids, labelled.topics, labelled.topic_themes
    texts = lambda values: _csv_column(_spreadsheet_column(values))  # noqa: E731
    return _csv_rows([
        texts(list(map(attrgetter("report"), units))),
        list(map(str, map(attrgetter("index"), units))),
        repeat("") if ids is None else texts(["" if i is None else i for i in ids]),
        list(map(str, map(int, map(attrgetter("is_heading"), units)))),
        texts(shown_texts(units)),
        texts(columns.themes),
        confidences,
        repeat("") if columns.evidence.count(None) == len(units) else texts(
            [" ".join([term for term, _ in e]) if e else "" for e in columns.evidence]),
        repeat("") if topics is None else list(map(str, topics)),
        repeat("") if topics is None else texts([themes[t] or "" for t in topics]),
        texts(list(map(section_text, labelled.sections))),
        *(scores[j::n_themes] for j in range(n_themes)),
    ])


def _workbook_bytes(sheets: list[tuple[str, list[list]]], styles=None,
                    failed: list[tuple[str, str]] = ()) -> bytes:
    """An .xlsx file with one sheet per ``(title, rows)``; the first row is a bold header.

    The inputs that could not be read (``failed``: ``(name, reason)`` each), when there
    were some, are a last sheet "failed".

    Text is always a text cell, never a formula (``=…``) or an error value (``#N/A``), and
    carries Excel's quote prefix where editing it would make it a formula. Control
    characters that a worksheet cannot hold are written as escapes (a backslash, x01).

    Every sheet has its header frozen and an autofilter. ``styles`` maps a sheet's title
    to its :class:`SheetStyle` (widths, the cells' alignment and number format, a chart).

    openpyxl makes the workbook (styles, layout, chart, properties: every part of the
    file) in write-only mode, its sheets' cells left out; :func:`_sheet_data` writes the
    cells, as openpyxl writes them (inline strings) but about ten times faster, into each
    sheet's ``<sheetData>``.
    """
    import zipfile

    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # what a worksheet cannot hold: control characters, lone surrogates (undecodable
    # names), and the two characters that XML does not allow (U+FFFE, U+FFFF)
    illegal = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
    book = Workbook(write_only=True)
    book.properties.creator = GENERATOR  # so that a later run skips it as an input
    if failed:
        sheets = [*sheets, ("failed", [["file", "reason"], *map(list, failed)])]
    styles = styles or {}

    def style_ids(sheet, **style) -> tuple[int, int]:
        """The workbook's style ids of a cell with ``style``: plain, and quote-prefixed."""
        plain = Cell(sheet, row=1, column=1)
        for name, value in style.items():
            setattr(plain, name, value)
        quoted = Cell(sheet, row=1, column=1, style_array=plain._style)
        quoted.quotePrefix = True
        return plain.style_id, quoted.style_id  # style_id adds the style to the workbook

    data = {}
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        style = styles.get(title, SheetStyle())
        rows = rows or [[]]  # an empty sheet has its first cell (bold, empty)
        width = max(1, *map(len, rows))  # the sheet's columns, as ``max_column`` says
        n_rows = len(rows)
        dimension = f"A1:{get_column_letter(width)}{n_rows}"
        sheet.calculate_dimension = lambda dimension=dimension: dimension  # its <dimension>
        sheet.freeze_panes = "A2"
        if n_rows > 1:
            sheet.auto_filter.ref = dimension
        for letter, columns in style.widths.items():
            sheet.column_dimensions[letter].width = columns
        header = style_ids(sheet, font=Font(bold=True))
        columns = {column: style_ids(sheet, **cell_style)
                   for column, cell_style in style.columns.items()}
        data[sheet] = _sheet_data(rows, width, header, columns, style_ids(sheet)[1], illegal)
        if style.chart is not None:
            style.chart(sheet, n_rows)
    made = io.BytesIO()
    book.save(made)
    buffer = io.BytesIO()
    with zipfile.ZipFile(made) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        parts = {sheet.path[1:]: cells for sheet, cells in data.items()}
        for item in source.infolist():
            part = source.read(item)
            if item.filename in parts:
                part, found = _EMPTY_SHEET_DATA.subn(
                    lambda _, name=item.filename: parts[name], part, count=1)
                if not found:
                    raise AssertionError(f"no <sheetData> in {item.filename}")
            archive.writestr(item, part)
    return buffer.getvalue()


#: The empty ``<sheetData>`` of a write-only sheet that no row was appended to.
_EMPTY_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")


def _sheet_data(rows: list[list], width: int, header: tuple[int, int],
                columns: dict[int, tuple[int, int]], quoted: int, illegal) -> bytes:
    """A sheet's ``<sheetData>`` element (UTF-8) as openpyxl writes its cells.

    ``header``: the style ids (plain, quote-prefixed) of the header's cells, which are all
    ``width`` columns; ``columns``: those of a styled column's cells below it, which are
    in every row; ``quoted``: the style id of another quote-prefixed cell. Text is an
    inline string cut to 32,767 characters (openpyxl's ``check_string``), ``illegal``
    characters escaped; booleans and numbers are values (numbers as ``%.16g``, NaN and
    infinities empty, as openpyxl's ``safe_string`` writes them); None is no cell unless styled.
    """
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.compat.numbers import NUMERIC_TYPES
    from openpyxl.compat.strings import safe_string
    from openpyxl.utils import get_column_letter

    last_styled = max(columns, default=0)
    letters = [get_column_letter(column) for column in range(1, max(width, last_styled) + 1)]
    out = ["<sheetData>"]
    for number, row in enumerate(rows, start=1):
        styled = dict.fromkeys(range(1, width + 1), header) if number == 1 else columns
        end = max(len(row), width if number == 1 else last_styled)
        out.append(f'<row r="{number}">')
        for column in range(1, end + 1):
            value = row[column - 1] if column <= len(row) else None
            ids = styled.get(column)
            where = f'<c r="{letters[column - 1]}{number}"'
            if isinstance(value, str):
                value = illegal.sub(lambda match: printable(match.group()), value)[:32767]
                if value.startswith(FORMULA_STARTS) or value in ERROR_CODES:
                    style = ids[1] if ids else quoted
                else:
                    style = ids[0] if ids else None
                where += "" if style is None else f' s="{style}"'
                if not value:
                    out.append(f'{where} t="inlineStr"/>')
                    continue
                space = ' xml:space="preserve"' if value != value.strip() else ""
                value = (value.replace("&", "&amp;").replace("<", "&lt;")
                         .replace(">", "&gt;").replace("\r", "&#13;"))  # as lxml escapes
                out.append(f'{where} t="inlineStr"><is><t{space}>{value}</t></is></c>')
                continue
            where += "" if ids is None else f' s="{ids[0]}"'
            if value is None:
                if ids is not None:
                    out.append(f"{where}/>")
            elif isinstance(value, bool):  # numpy's bool is a number to openpyxl
                out.append(f'{where} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, NUMERIC_TYPES):
                out.append(f'{where} t="n"><v>{safe_string(value)}</v></c>')
            else:
                raise TypeError(f"a cell of an xlsx sheet cannot hold {value!r}")
        out.append("</row>")
    out.append("</sheetData>")
    return "".join(out).encode("utf-8")


#: Width of the sentence column in an xlsx sheet (characters), its text wrapped.
XLSX_TEXT_WIDTH = 60
#: The number format of a share (a fraction shown as a percentage).
XLSX_PERCENT = "0.0%"


@dataclass
class SheetStyle:
    """How :func:`_workbook_bytes` lays out one sheet.

    ``widths``: column letter -> width (characters). ``columns``: column number (from 1) ->
    the style of that column's cells below the header (``alignment``, ``number_format``:
    openpyxl's cell attributes). ``chart``: called with the sheet and its number of rows
    (header included) once they are written, to add a chart.
    """

    widths: dict[str, float] = field(default_factory=dict)
    columns: dict[int, dict] = field(default_factory=dict)
    chart: Callable | None = None


def _results_styles(n_themes: int) -> dict[str, SheetStyle]:
    """Widths and wrapping of the sentences sheet; percentages and a chart of the profiles."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths = {"report": 24, "text": XLSX_TEXT_WIDTH, "evidence": 30, "theme": 13}
    wrap = {"alignment": Alignment(wrap_text=True, vertical="top")}
    percent = {"number_format": XLSX_PERCENT}
    sentences = SheetStyle(
        widths={get_column_letter(FIELDS.index(name) + 1): width
                for name, width in widths.items()},
        columns={FIELDS.index(name) + 1: wrap for name in ("text", "evidence")})
    profiles = SheetStyle(
        widths={"A": 24, **{get_column_letter(column): 15
                            for column in range(3, 3 + n_themes)}},
        columns={column: percent for column in range(3, 3 + n_themes)},
        chart=lambda sheet, n_rows: _profiles_chart(sheet, n_rows, n_themes))
    sections = SheetStyle(widths={"B": 30},
                          columns={column: percent for column in range(4, 4 + n_themes)})
    return {"sentences": sentences, "profiles": profiles, "sections": sections}


def _profiles_chart(profiles, n_rows: int, n_themes: int) -> None:
    """A bar chart of each report's theme shares below the profiles (none without reports)."""
    from openpyxl.chart import BarChart, Reference

    if n_rows < 2:
        return
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "percentStacked", 100
    chart.title = "主题占比 Theme profile"
    chart.y_axis.number_format = "0%"
    chart.y_axis.title = "share of units"
    chart.height = max(7.5, 2 + 0.8 * (n_rows - 1))
    chart.width = 24
    data = Reference(profiles, min_col=3, max_col=2 + n_themes, min_row=1, max_row=n_rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(profiles, min_col=1, min_row=2, max_row=n_rows))
    profiles.add_chart(chart, f"A{n_rows + 3}")


def topic_rows(topic_summary: list[dict]) -> list[list]:
    """Rows of the topic-words sheet."""
    rows = [["topic", "theme", "c_v", "u_mass", "words"]]
    for topic in topic_summary:
        coherence = topic.get("coherence", {})
        rows.append([topic["id"], topic["theme"] or "free", coherence.get("c_v"),
                     coherence.get("u_mass"), " ".join(w for w, _ in topic["words"])])
    return rows


def results_xlsx(reports: list[tuple[str, list[UnitResult], ThemeProfile]], taxonomy: Taxonomy,
                 topic_summary: list[dict], failed: list[tuple[str, str]] = ()) -> bytes:
    """A workbook: sentences (as in CSV), report profiles with a chart, sections, topic words.

    The sentences sheet has the CSV's columns (:data:`FIELDS`, then every theme's score in
    taxonomy order): theme ids, no Chinese names, as in CSV and JSON Lines. The profiles
    sheet names each theme in Chinese and English; its shares are percentages. A last
    sheet, "failed", lists the inputs that could not be read (``failed``: ``(name, reason)``
    each), when there were some.
    """
    ids = taxonomy.ids
    sentences = [[*FIELDS, *score_columns(ids)]]
    for _, results, _ in reports:
        for r in results:
            (report, index, id_, heading, text, theme, confidence, evidence, topic, topic_theme,
             section, *scores) = unit_values(r, ids)
            sentences.append([report, index, "" if id_ is None else str(id_), heading, text,
                              theme, round(confidence, 4), evidence, topic, topic_theme or "",
                              section, *[round(s, 4) for s in scores]])
    profiles = [["report", "units", *[f"{t.name_zh} {t.id}" for t in taxonomy.themes]]]
    for name, _, profile in reports:
        profiles.append([name, profile.total, *[round(profile.shares[t], 4) for t in ids]])
    return _workbook_bytes([("sentences", sentences), ("profiles", profiles),
                            ("sections", section_rows(reports, taxonomy)),
                            ("topics", topic_rows(topic_summary))],
                           _results_styles(len(ids)), failed)


def section_rows(reports: list[tuple[str, list[UnitResult], ThemeProfile]],
                 taxonomy: Taxonomy) -> list[list]:
    """Rows of the sections sheet: each report's top-level sections with their theme shares."""
    names = {t.id: t.name_zh for t in taxonomy.themes}
    rows = [["report", "section", "units", *[f"{names[t]} {t}" for t in taxonomy.ids]]]
    for name, results, _ in reports:
        for section, profile in section_profiles(results, taxonomy.ids):
            rows.append([name, section_name(section), profile.total,
                         *[round(profile.shares[t], 4) for t in taxonomy.ids]])
    return rows


def comparison_rows(comparison: Comparison, taxonomy: Taxonomy) -> list[list]:
    """Theme shares (%) side by side and differences from the first report (pp).

    Compared by section, a long table: first the whole reports (section ``all``), then
    each section position with each report's heading there.
    """
    names = comparison.names
    rows = [["theme", "theme_zh", *[f"share {n}" for n in names],
             *[f"pp {n} - {names[0]}" for n in names[1:]]]]
    for theme in taxonomy.themes:
        rows.append([theme.id, theme.name_zh,
                     *[round(100 * comparison.shares[n][theme.id], 1) for n in names],
                     *[comparison.differences[n][theme.id] for n in names[1:]]])
    if not comparison.sections:
        return rows
    long = [["section", *[f"heading {n}" for n in names], *rows[0]]]
    long += [["all", *[""] * len(names), *row] for row in rows[1:]]
    for section in comparison.sections:
        for theme in taxonomy.themes:
            long.append([section.position, *[section.headings[n] for n in names], theme.id,
                         theme.name_zh,
                         *[round(100 * section.shares[n][theme.id], 1) for n in names],
                         *[section.differences[n][theme.id] for n in names[1:]]])
    return long


def comparison_typical_rows(comparison: Comparison) -> list[list]:
    """Each report's typical sentences per theme."""
    rows = [["report", "theme", "rank", "confidence", "text"]]
    for name in comparison.names:
        for theme, results in comparison.typical[name].items():
            for rank, r in enumerate(results, start=1):
                rows.append([name, theme, rank, round(r.confidence, 4), r.text])
    return rows


def _shares_lines(shares, differences, names: list[str], taxonomy: Taxonomy,
                  skip_empty: bool = False) -> list[str]:
    header = pad("theme", 22) + "".join(f"{f'[{i + 1}]':>8}" for i in range(len(names)))
    header += "".join(f"{f'[{i + 2}]-[1]':>9}" for i in range(len(names) - 1))
    lines = [header]
    for theme in taxonomy.themes:
        values = [100 * shares[n][theme.id] for n in names]
        if skip_empty and not any(values):
            continue
        lines.append(pad(theme.id, 12) + pad(theme.name_zh, 10)
                     + "".join(f"{v:7.1f}%" for v in values)
                     + "".join(f"{differences[n][theme.id]:+8.1f} " for n in names[1:]))
    return lines


def comparison_table(comparison: Comparison, taxonomy: Taxonomy) -> str:
    """The comparison for a terminal (one input: its profile alone)."""
    names = comparison.names

    def described(i: int, name: str) -> str:
        source = comparison.sources.get(name, name)
        where = f"{source}, " if source != name else ""
        return f"[{i + 1}] {name} ({where}{comparison.profiles[name].total} units)"

    lines = ["Reports: " + "; ".join(described(i, n) for i, n in enumerate(names))]
    lines += _shares_lines(comparison.shares, comparison.differences, names, taxonomy)
    lines.append("(shares in %, differences in percentage points)" if len(names) > 1
                 else "(shares in %)")
    if comparison.sections:
        lines.append("\nBy section (matched by position: the first with the first; "
                     "% of the section's units):")
        for section in comparison.sections:
            label = "opening" if section.position == 0 else f"section {section.position}"
            lines.append(f"\n{label}: " + "; ".join(
                f"[{i + 1}] {section.headings[n] or '—'} ({section.profiles[n].total} units)"
                for i, n in enumerate(names)))
            lines += _shares_lines(section.shares, section.differences, names, taxonomy,
                                   skip_empty=True)
    for theme in taxonomy.themes:
        lines.append(f"\n{theme.id} {theme.name_zh}:")
        for i, name in enumerate(names):
            for r in comparison.typical[name][theme.id]:
                lines.append(f"  [{i + 1}] {r.confidence:.2f}  {r.text}")
    return "\n".join(lines) + "\n"


def comparison_csv(comparison: Comparison, taxonomy: Taxonomy) -> str:
    """The shares and differences as CSV (write it with a UTF-8 BOM)."""
    buffer = io.StringIO()
    _SpreadsheetWriter(buffer).writerows(comparison_rows(comparison, taxonomy))
    return buffer.getvalue()


def comparison_xlsx(comparison: Comparison, taxonomy: Taxonomy,
                    failed: list[tuple[str, str]] = ()) -> bytes:
    """A workbook: shares and differences; typical sentences; the inputs not read, if any."""
    return _workbook_bytes([("shares", comparison_rows(comparison, taxonomy)),
                            ("typical", comparison_typical_rows(comparison))], failed=failed)


def _term_lines(terms: list[str], width: int, indent: str) -> list[str]:
    """``terms`` two spaces apart, wrapped between terms to ``width`` columns."""
    lines, line = [], ""
    for term in terms:
        joined = f"{line}  {term}" if line else term
        if line and display_width(indent + joined) > width:
            lines.append(indent + line)
            joined = term
        line = joined
    lines.append(indent + (line or "—"))
    return lines


def words_table(topics: list[dict], themes: dict[str, list], taxonomy: Taxonomy,
                model: str, width: int = 100) -> str:
    """``topics words`` for a terminal: per theme its terms, then the topics it owns.

    ``topics`` is the topic model's ``summary`` (id, theme, coherence, words), ``themes``
    each theme's terms (``topics.pipeline.terms.theme_terms``); free topics come last.
    ``model`` names the model in the first line.
    """
    n_free = sum(1 for t in topics if t["theme"] not in taxonomy.ids)
    lines = [f"topics words: {model}",
             f"{len(topics)} 个话题 topics ({len(topics) - n_free} tied to a theme, {n_free} free)"
             f"; 词 terms: words that decide a theme, in ≥ {MIN_DOCUMENTS} training documents",
             ""]

    def topic_lines(topic: dict) -> list[str]:
        coherence = topic.get("coherence", {}).get("c_v")
        head = f"    话题 topic {topic['id']:>2}" + (f"  (c_v {coherence:.2f})"
                                                    if coherence is not None else "")
        return [head] + _term_lines([w for w, *_ in topic["words"]], width, " " * 8)

    for theme in taxonomy.themes:
        lines.append(f"{theme.name_zh} {theme.id} · {theme.name_en}")
        lines.append("    词 terms")
        lines.extend(_term_lines([t for t, *_ in themes.get(theme.id, [])], width, " " * 8))
        for topic in topics:
            if topic["theme"] == theme.id:
                lines.extend(topic_lines(topic))
        lines.append("")
    free = [t for t in topics if t["theme"] not in taxonomy.ids]
    if free:
        lines.append("自由话题 free topics (seeded by no theme)")
        for topic in free:
            lines.extend(topic_lines(topic))
    return "\n".join(lines).rstrip("\n")
