"""Render labelled units as a terminal table, JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter

import numpy as np

from ..classify.predictor import PredictionColumns
from ..compare import Comparison
from ..pipeline.model import ThemeProfile, UnitResult, theme_profile
from ..taxonomy import Taxonomy
from ..text.sentences import Unit


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


_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps makes one per call
_STRING = json.encoder.encode_basestring  # how that encoder writes a string
_FOUR_PLACES: list[str] = []  # repr(k / 10_000) for k = 0 ... 10_000


def four_places(values) -> list[str]:
    """``repr(round(v, 4))`` of each value, as ``json`` writes it, for a whole array at once.

    A finite value in [0, 1] not within a millionth of a tie at the fifth decimal rounds
    to ``k / 10_000`` with ``k = rint(10_000 * v)``, whose text comes from a table; the
    others take Python's ``round`` itself.
    """
    if not _FOUR_PLACES:
        _FOUR_PLACES.extend(repr(k / 10_000) for k in range(10_001))
    values = np.asarray(values, dtype=np.float64)
    in_range = ~np.signbit(values) & (values <= 1.0)  # -0.0 keeps its sign
    scaled = np.where(in_range, values, 0.0) * 10_000.0
    plain = in_range & (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6)
    steps = np.where(plain, np.rint(scaled), 0.0).astype(np.int64)
    texts = [_FOUR_PLACES[k] for k in steps.tolist()]
    for i in np.flatnonzero(~plain).tolist():
        texts[i] = float.__repr__(round(float(values[i]), 4))
    return texts


def results_jsonl(results: list[UnitResult]) -> str:
    """One JSON object per unit: ``UnitResult.to_record`` as ``json`` writes it.

    The lines are put together here, field by field and numbers for the whole list at
    once, for speed; a test checks them against ``json`` byte for byte.
    """
    if not results:
        return ""
    plain = _plain_jsonl(results)
    if plain is not None:
        return plain
    confidences = four_places([r.confidence for r in results])
    scores = four_places([v for r in results for v in r.scores.values()])
    keys, template, first = None, "", 0
    report, report_json = None, ""
    lines = []
    for r, confidence in zip(results, confidences, strict=True):
        if tuple(r.scores) != keys:
            keys = tuple(r.scores)
            template = ", ".join(_STRING(k).replace("{", "{{").replace("}", "}}") + ": {}"
                                 for k in keys)
        if r.report != report:
            report, report_json = r.report, _STRING(r.report)
        line = f'{{"report": {report_json}, "index": {int.__repr__(r.index)}'
        if r.id is not None:
            line += f', "id": {_JSON.encode(r.id)}'
        line += (f', "text": {_STRING(r.text)}, "theme": {_STRING(r.theme)}, "confidence": '
                 f'{confidence}, "scores": {{{template.format(*scores[first:first + len(keys)])}}}')
        first += len(keys)
        if r.evidence is not None:
            line += f', "evidence": {_JSON.encode([[t, w] for t, w in r.evidence])}'
        if r.topic is not None:
            line += (f', "topic": {int.__repr__(r.topic)}, '
                     f'"topic_theme": {_JSON.encode(r.topic_theme)}')
        lines.append(line + (', "heading": true}\n' if r.is_heading else "}\n"))
    return "".join(lines)


_PLAIN = attrgetter("id", "evidence", "topic", "report")


def _plain_jsonl(results: list[UnitResult]) -> str | None:
    """:func:`results_jsonl` of the usual report, or None for another.

    Usual: one report, the same theme keys in every ``scores``, no ids, evidence or topics.
    """
    first = results[0]
    keys = tuple(first.scores)
    if (not all(map((None, None, None, first.report).__eq__, map(_PLAIN, results)))
            or not all(map(keys.__eq__, map(tuple, map(attrgetter("scores"), results))))):
        return None
    return _jsonl_columns(first.report, keys, results, [r.theme for r in results],
                          [r.confidence for r in results],
                          [v for r in results for v in r.scores.values()])


def units_jsonl(units: list[Unit], columns: PredictionColumns) -> str:
    """:func:`results_jsonl` of units of one report, labelled without evidence or topics.

    Straight from the prediction columns (``ThemeModel.predict_units``), with no
    ``UnitResult`` made per unit; the units hold no ids.
    """
    if not units:
        return ""
    return _jsonl_columns(units[0].report, columns.classes, units, columns.themes,
                          columns.confidences, columns.probabilities.ravel())


def _jsonl_columns(report: str, keys, units, themes: list[str], confidences,
                   scores) -> str:
    """The JSON lines of one report's units (or results) whose scores all have ``keys``.

    ``units`` give each line's index, text and heading flag, ``scores`` the values of every
    line's keys one line after the other. The lines are put together column by column
    (``zip`` of the fields' texts and the constant parts between them), with no Python
    loop per line: twice as fast as line by line.
    """
    values = iter(four_places(scores))
    theme_json = {theme: _STRING(theme) for theme in set(themes)}
    columns = [repeat(f'{{"report": {_STRING(report)}, "index": '),
               map(int.__repr__, map(attrgetter("index"), units)), repeat(', "text": '),
               map(_STRING, map(attrgetter("text"), units)), repeat(', "theme": '),
               map(theme_json.__getitem__, themes), repeat(', "confidence": '),
               four_places(confidences), repeat(', "scores": {')]
    for position, key in enumerate(keys):  # each line takes its next len(keys) values
        columns += [repeat((", " if position else "") + _STRING(key) + ": "), values]
    columns.append(['}, "heading": true}\n' if u.is_heading else "}}\n" for u in units])
    return "".join(chain.from_iterable(zip(*columns, strict=False)))  # repeat() is endless


@dataclass(frozen=True)
class Renderer:
    """Renders one labelled report in a streamed format where it is labelled (picklable).

    ``explain`` says whether the output shows each unit's evidence and topic, and so whether
    they must be computed. The caller adds what depends on the order of reports: the CSV
    header before the first, a blank line between tables.
    """

    fmt: str
    taxonomy: Taxonomy
    explain: bool = False

    def from_columns(self, units: list[Unit], ids: list | None) -> bool:
        """Whether these units can be written by :func:`units_jsonl`, with no results made.

        So they can in jsonl without evidence or topics, when the units are of one report
        and hold no ids.
        """
        return (self.fmt == "jsonl" and not self.explain and ids is None
                and len({unit.report for unit in units}) <= 1)

    def __call__(self, report: str, results: list[UnitResult]) -> str:
        """The output text of one report."""
        if self.fmt == "jsonl":
            return results_jsonl(results)
        if self.fmt == "csv":
            return results_csv(results, self.taxonomy.ids, header=False)
        return results_table(report, results, theme_profile(results, self.taxonomy.ids),
                             self.taxonomy)


def renderer(fmt: str, taxonomy: Taxonomy, explain: bool = False) -> Renderer | None:
    """The :class:`Renderer` of a streamed format (table, jsonl, csv), or None.

    A table shows no evidence or topics, whatever ``explain`` says.
    """
    if fmt not in ("jsonl", "csv", "table"):
        return None
    return Renderer(fmt, taxonomy, explain and fmt != "table")


def _terms(result: UnitResult) -> str:
    """The evidence terms of a unit, space-separated ("" when not computed)."""
    return " ".join(term for term, _ in result.evidence or ())


def results_csv(results: list[UnitResult], theme_ids: list[str], header: bool = True) -> str:
    """A CSV table of units with the score of every theme (write it with a UTF-8 BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(["report", "index", "id", "heading", "text", "theme", "confidence",
                         "evidence", "topic", "topic_theme", *[f"score_{t}" for t in theme_ids]])
    for r in results:
        writer.writerow([
            r.report, r.index, "" if r.id is None else r.id, int(r.is_heading), r.text, r.theme,
            f"{r.confidence:.4f}", _terms(r),
            "" if r.topic is None else r.topic, r.topic_theme or "",
            *[f"{r.scores.get(t, 0.0):.4f}" for t in theme_ids],
        ])
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
    sentences = [["report", "index", "id", "heading", "text", "theme", "theme_zh", "confidence",
                  "evidence", "topic", "topic_theme", *[f"score_{t}" for t in ids]]]
    names = {t.id: t.name_zh for t in taxonomy.themes}
    for _, results, _ in reports:
        for r in results:
            sentences.append([
                r.report, r.index, "" if r.id is None else str(r.id), r.is_heading, r.text,
                r.theme, names.get(r.theme, ""), round(r.confidence, 4),
                _terms(r), r.topic, r.topic_theme or "",
                *[round(r.scores.get(t, 0.0), 4) for t in ids]])
    profiles = [["report", "units", *[f"{t} {names[t]}" for t in ids]]]
    for name, _, profile in reports:
        profiles.append([name, profile.total, *[round(profile.shares[t], 4) for t in ids]])
    return _workbook_bytes([("sentences", sentences), ("profiles", profiles),
                            ("topics", topic_rows(topic_summary))])


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
    csv.writer(buffer, lineterminator="\r\n").writerows(comparison_rows(comparison, taxonomy))
    return buffer.getvalue()


def comparison_xlsx(comparison: Comparison, taxonomy: Taxonomy) -> bytes:
    """A workbook: shares and differences; typical sentences."""
    return _workbook_bytes([("shares", comparison_rows(comparison, taxonomy)),
                            ("typical", comparison_typical_rows(comparison))])
