"""Render labelled units as a terminal table, JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

from .model import ThemeProfile, UnitResult
from .taxonomy import Taxonomy

FORMATS = ("table", "jsonl", "csv")


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


def results_jsonl(results: list[UnitResult]) -> str:
    """One JSON object per unit."""
    return "".join(json.dumps(r.to_record(), ensure_ascii=False) + "\n" for r in results)


def results_csv(results: list[UnitResult], theme_ids: list[str]) -> str:
    """A CSV table of units with the score of every theme (write it with a UTF-8 BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["report", "index", "id", "heading", "text", "theme", "confidence",
                     "evidence", "topic", "topic_theme", *[f"score_{t}" for t in theme_ids]])
    for r in results:
        writer.writerow([
            r.report, r.index, "" if r.id is None else r.id, int(r.is_heading), r.text, r.theme,
            f"{r.confidence:.4f}", " ".join(term for term, _ in r.evidence),
            "" if r.topic is None else r.topic, r.topic_theme or "",
            *[f"{r.scores.get(t, 0.0):.4f}" for t in theme_ids],
        ])
    return buffer.getvalue()
