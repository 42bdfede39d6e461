"""Tables: labelled units and comparisons for a terminal, as CSV and as xlsx workbooks."""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from ..compare import Comparison
from ..errors import printable
from ..pipeline.inputs import GENERATOR
from ..pipeline.model import ThemeProfile, UnitResult
from ..taxonomy import Taxonomy
from .records import FIELDS, score_columns, unit_values

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


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide CJK characters count two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def profile_table(profile: ThemeProfile, taxonomy: Taxonomy, bar_width: int = 30) -> str:
    """The theme profile: count, share and a bar per theme."""
    lines = []
    for theme in taxonomy.themes:
        count = profile.counts.get(theme.id, 0)
        share = profile.shares.get(theme.id, 0.0)
        bar = "█" * round(share * bar_width)
        name = pad(theme.id, 12) + pad(theme.name_zh, 10)
        lines.append(f"  {name}{count:5d}  {share:6.1%}  {bar}")
    lines.append(f"  {pad('total', 22)}{profile.total:5d}")
    return "\n".join(lines)


def results_table(report: str, results: list[UnitResult], profile: ThemeProfile,
                  taxonomy: Taxonomy) -> str:
    """One report: each unit with its theme and confidence, then the profile."""
    lines = [f"== {report} ({len(results)} units)"]
    for r in results:
        marker = "#" if r.is_heading else " "
        lines.append(f"{r.index:5d} {marker} {pad(r.theme, 12)}{r.confidence:5.2f}  {r.text}")
    lines.append("")
    lines.append(f"Theme profile of {report}:")
    lines.append(profile_table(profile, taxonomy))
    return "\n".join(lines) + "\n"


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
         *scores) = unit_values(r, theme_ids)
        writer.writerow([report, index, "" if id_ is None else id_, int(heading), text, theme,
                         f"{confidence:.4f}", evidence, "" if topic is None else topic,
                         topic_theme or "", *[f"{s:.4f}" for s in scores]])
    return buffer.getvalue()


def _cell_value(value, illegal):
    """``value``, or text with the characters that ``illegal`` matches escaped."""
    if isinstance(value, str):
        return illegal.sub(lambda match: printable(match.group()), value)
    return value


def _workbook_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    """An .xlsx file with one sheet per ``(title, rows)``; the first row is a bold header.

    Text is always a text cell, never a formula (``=…``) or an error value (``#N/A``), and
    carries Excel's quote prefix where editing it would make it a formula. Control
    characters that a worksheet cannot hold are written as escapes (a backslash, x01).
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    # what a worksheet cannot hold: control characters, lone surrogates (undecodable names)
    illegal = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff]")
    book = Workbook()
    book.properties.creator = GENERATOR  # so that a later run skips it as an input
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([_cell_value(value, illegal) for value in row])
            for cell in sheet[sheet.max_row]:
                if cell.data_type in ("f", "e") or (isinstance(cell.value, str)
                                                     and cell.value.startswith(FORMULA_STARTS)):
                    cell.data_type, cell.quotePrefix = "s", True
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
    """A workbook: sentences (theme, confidence, evidence), report profiles, topic words.

    A fourth sheet, "failed", lists the inputs that could not be read (``failed``:
    ``(name, reason)`` each), when there were some.
    """
    ids = taxonomy.ids
    at_theme = FIELDS.index("theme") + 1  # the theme's Chinese name follows the theme
    sentences = [[*FIELDS[:at_theme], "theme_zh", *FIELDS[at_theme:], *score_columns(ids)]]
    names = {t.id: t.name_zh for t in taxonomy.themes}
    for _, results, _ in reports:
        for r in results:
            (report, index, id_, heading, text, theme, confidence, evidence, topic, topic_theme,
             *scores) = unit_values(r, ids)
            sentences.append([report, index, "" if id_ is None else str(id_), heading, text,
                              theme, names.get(theme, ""), round(confidence, 4), evidence,
                              topic, topic_theme or "", *[round(s, 4) for s in scores]])
    profiles = [["report", "units", *[f"{t} {names[t]}" for t in ids]]]
    for name, _, profile in reports:
        profiles.append([name, profile.total, *[round(profile.shares[t], 4) for t in ids]])
    failed_sheet = [("failed", [["file", "reason"], *map(list, failed)])] if failed else []
    return _workbook_bytes([("sentences", sentences), ("profiles", profiles),
                            ("topics", topic_rows(topic_summary)), *failed_sheet])


def comparison_rows(comparison: Comparison, taxonomy: Taxonomy) -> list[list]:
    """Theme shares (%) side by side and differences from the first report (pp)."""
    names = comparison.names
    rows = [["theme", "theme_zh", *[f"share {n}" for n in names],
             *[f"pp {n} - {names[0]}" for n in names[1:]]]]
    for theme in taxonomy.themes:
        rows.append([theme.id, theme.name_zh,
                     *[round(100 * comparison.shares[n][theme.id], 1) for n in names],
                     *[comparison.differences[n][theme.id] for n in names[1:]]])
    return rows


def comparison_typical_rows(comparison: Comparison) -> list[list]:
    """Each report's typical sentences per theme."""
    rows = [["report", "theme", "rank", "confidence", "text"]]
    for name in comparison.names:
        for theme, results in comparison.typical[name].items():
            for rank, r in enumerate(results, start=1):
                rows.append([name, theme, rank, round(r.confidence, 4), r.text])
    return rows


def comparison_table(comparison: Comparison, taxonomy: Taxonomy) -> str:
    """The comparison for a terminal."""
    rows = comparison_rows(comparison, taxonomy)
    names = comparison.names
    lines = ["Reports: " + "; ".join(f"[{i + 1}] {n} ({comparison.profiles[n].total} units)"
                                      for i, n in enumerate(names))]
    header = pad("theme", 22) + "".join(f"{f'[{i + 1}]':>8}" for i in range(len(names)))
    header += "".join(f"{f'[{i + 2}]-[1]':>9}" for i in range(len(names) - 1))
    lines.append(header)
    for row in rows[1:]:
        shares = row[2:2 + len(names)]
        diffs = row[2 + len(names):]
        lines.append(pad(row[0], 12) + pad(row[1], 10) + "".join(f"{v:7.1f}%" for v in shares)
                     + "".join(f"{v:+8.1f} " for v in diffs))
    lines.append("(shares in %, differences in percentage points)")
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
    failed_sheet = [("failed", [["file", "reason"], *map(list, failed)])] if failed else []
    return _workbook_bytes([("shares", comparison_rows(comparison, taxonomy)),
                            ("typical", comparison_typical_rows(comparison)), *failed_sheet])
