"""Tables: labelled units and comparisons for a terminal, as CSV and as xlsx workbooks."""

from __future__ import annotations

import csv
import io
import unicodedata

from ..compare import Comparison
from ..pipeline.model import NO_SECTION, ThemeProfile, UnitResult, section_profiles
from ..taxonomy import Taxonomy
from .records import FIELDS, score_columns, unit_values


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


#: How the units before a report's first heading are named in a section profile.
NO_SECTION_NAME = "（开头 opening）"


def section_name(section: str) -> str:
    """A top-level section's name as shown: its heading, or :data:`NO_SECTION_NAME`."""
    return NO_SECTION_NAME if section == NO_SECTION else section


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (with … when cut), padded to it."""
    if display_width(text) > width:
        while display_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return pad(text, width)


def section_table(sections: list[tuple[str, ThemeProfile]], taxonomy: Taxonomy,
                  name_width: int = 18) -> str:
    """The per-section profile: a row per top-level section, its units and theme shares (%)."""
    header = (pad("section", name_width) + f"{'units':>6}"
              + "".join(" " * (9 - display_width(theme.name_zh)) + theme.name_zh
                        for theme in taxonomy.themes))
    lines = [header]
    for section, profile in sections:
        lines.append(clip(section_name(section), name_width) + f"{profile.total:6d}"
                     + "".join(f"{100 * profile.shares.get(t, 0.0):8.0f}%" for t in taxonomy.ids))
    return "\n".join("  " + line for line in lines)


def results_table(report: str, results: list[UnitResult], profile: ThemeProfile,
                  taxonomy: Taxonomy) -> str:
    """One report: each unit with its theme and confidence, the profile, then per section."""
    lines = [f"== {report} ({len(results)} units)"]
    for r in results:
        marker = "#" if r.is_heading else " "
        lines.append(f"{r.index:5d} {marker} {pad(r.theme, 12)}{r.confidence:5.2f}  {r.text}")
    lines.append("")
    lines.append(f"Theme profile of {report}:")
    lines.append(profile_table(profile, taxonomy))
    sections = section_profiles(results, taxonomy.ids)
    if any(section != NO_SECTION for section, _ in sections):
        lines.append("")
        lines.append(f"Theme shares by section of {report} (% of the section's units):")
        lines.append(section_table(sections, taxonomy))
    return "\n".join(lines) + "\n"


def results_csv(results: list[UnitResult], theme_ids: list[str], header: bool = True) -> str:
    """A CSV table of units with the score of every theme (write it with a UTF-8 BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow([*FIELDS, *score_columns(theme_ids)])
    for r in results:
        (report, index, id_, heading, text, theme, confidence, evidence, topic, topic_theme,
         section, *scores) = unit_values(r, theme_ids)
        writer.writerow([report, index, "" if id_ is None else id_, int(heading), text, theme,
                         f"{confidence:.4f}", evidence, "" if topic is None else topic,
                         topic_theme or "", section, *[f"{s:.4f}" for s in scores]])
    return buffer.getvalue()


def _workbook_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    """An .xlsx file with one sheet per ``(title, rows)``; the first row is a bold header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
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
                 topic_summary: list[dict]) -> bytes:
    """A workbook: sentences (theme, confidence, evidence), report profiles, topic words."""
    ids = taxonomy.ids
    at_theme = FIELDS.index("theme") + 1  # the theme's Chinese name follows the theme
    sentences = [[*FIELDS[:at_theme], "theme_zh", *FIELDS[at_theme:], *score_columns(ids)]]
    names = {t.id: t.name_zh for t in taxonomy.themes}
    for _, results, _ in reports:
        for r in results:
            (report, index, id_, heading, text, theme, confidence, evidence, topic, topic_theme,
             section, *scores) = unit_values(r, ids)
            sentences.append([report, index, "" if id_ is None else str(id_), heading, text,
                              theme, names.get(theme, ""), round(confidence, 4), evidence,
                              topic, topic_theme or "", section, *[round(s, 4) for s in scores]])
    profiles = [["report", "units", *[f"{t} {names[t]}" for t in ids]]]
    for name, _, profile in reports:
        profiles.append([name, profile.total, *[round(profile.shares[t], 4) for t in ids]])
    return _workbook_bytes([("sentences", sentences), ("profiles", profiles),
                            ("sections", section_rows(reports, taxonomy)),
                            ("topics", topic_rows(topic_summary))])


def section_rows(reports: list[tuple[str, list[UnitResult], ThemeProfile]],
                 taxonomy: Taxonomy) -> list[list]:
    """Rows of the sections sheet: each report's top-level sections with their theme shares."""
    names = {t.id: t.name_zh for t in taxonomy.themes}
    rows = [["report", "section", "units", *[f"{t} {names[t]}" for t in taxonomy.ids]]]
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
    csv.writer(buffer, lineterminator="\r\n").writerows(comparison_rows(comparison, taxonomy))
    return buffer.getvalue()


def comparison_xlsx(comparison: Comparison, taxonomy: Taxonomy) -> bytes:
    """A workbook: shares and differences (by section too when compared so); typical sentences."""
    return _workbook_bytes([("shares", comparison_rows(comparison, taxonomy)),
                            ("typical", comparison_typical_rows(comparison))])
