"""The one record of a labelled unit: its fields, in the order every format shows them.

JSON Lines writes :func:`unit_record` (its fields: :data:`RECORD_FIELDS`); CSV and xlsx have a
column per :data:`FIELDS` entry and one per theme score (:func:`unit_values`); the terminal table
and the html page read the fields they show with :func:`unit_fields`. Each format only chooses
how a value is written.
"""

from __future__ import annotations

from operator import attrgetter

from ..pipeline.model import UnitResult

#: The fields of a unit's JSON Lines record (:func:`unit_record`), in the order it has them;
#: ``id``, ``evidence``, ``topic`` and ``topic_theme`` only when known, ``heading`` when true.
RECORD_FIELDS = ("report", "index", "id", "text", "theme", "confidence", "scores", "evidence",
                 "topic", "topic_theme", "heading", "section")
#: How a section path is written in one cell (CSV, xlsx, tables).
SECTION_SEPARATOR = " / "


def section_text(section) -> str:
    """A section path in one cell: the headings joined by :data:`SECTION_SEPARATOR`."""
    return SECTION_SEPARATOR.join(section)


def score_columns(theme_ids: list[str]) -> list[str]:
    """The names of the score columns, one per theme."""
    return [f"score_{t}" for t in theme_ids]


def evidence_terms(result: UnitResult, separator: str = " ") -> str:
    """The evidence terms of a unit, joined by ``separator`` ("" when not computed)."""
    return separator.join(term for term, _ in result.evidence or ())


#: The fields of a labelled unit, in column order, and how each is read from a result (then
#: ``score_<theme>`` for every theme). ``heading`` says whether the unit is a heading;
#: ``section`` is its section path (the headings it sits under, outermost first, a
#: heading's own text last) in one cell; ``evidence`` the terms, space-separated.
_READERS = {
    "report": attrgetter("report"), "index": attrgetter("index"), "id": attrgetter("id"),
    "heading": attrgetter("is_heading"), "text": attrgetter("text"),
    "theme": attrgetter("theme"), "confidence": attrgetter("confidence"),
    "evidence": evidence_terms, "topic": attrgetter("topic"),
    "topic_theme": attrgetter("topic_theme"),
    "section": lambda result: section_text(result.section),
}
FIELDS = tuple(_READERS)


def unit_fields(result: UnitResult, *names: str) -> tuple:
    """The values of the fields ``names`` (of :data:`FIELDS`) of a unit, unformatted.

    What every format shows of a unit comes from here or :func:`unit_values`.
    """
    return tuple(_READERS[name](result) for name in names)


def unit_values(result: UnitResult, theme_ids: list[str]) -> list:
    """The values of :data:`FIELDS` then of every theme's score (0.0 when absent), unformatted.

    ``evidence`` is :func:`evidence_terms`, ``section`` :func:`section_text`; ``id``,
    ``topic`` and ``topic_theme`` may be None.
    """
    return [*(read(result) for read in _READERS.values()),
            *[result.scores.get(t, 0.0) for t in theme_ids]]


def unit_record(result: UnitResult) -> dict:
    """The JSON Lines record of a unit: the reference that :mod:`.jsonl` writes byte for byte.

    Evidence and topic when they were computed, ``heading`` only when true; ``section``
    (a list of headings, outermost first) always, last.
    """
    record = {"report": result.report, "index": result.index}
    if result.id is not None:
        record["id"] = result.id
    record.update({
        "text": result.text, "theme": result.theme, "confidence": round(result.confidence, 4),
        "scores": {k: round(v, 4) for k, v in result.scores.items()},
    })
    if result.evidence is not None:
        record["evidence"] = [[term, weight] for term, weight in result.evidence]
    if result.topic is not None:
        record["topic"], record["topic_theme"] = result.topic, result.topic_theme
    if result.is_heading:
        record["heading"] = True
    record["section"] = list(result.section)
    return record
