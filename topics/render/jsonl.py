"""JSON Lines of labelled units: one writer, put together without ``json.dumps`` per unit.

Every line must equal ``json.dumps(unit_record(r), ensure_ascii=False)`` byte for byte
(tests/render/test_outputs.py checks it, by hypothesis too); numbers are written by
:func:`._numbers.four_places`. :func:`write_jsonl` writes the fields of
:data:`.records.RECORD_FIELDS` column by column, from labelled units (:func:`labelled_jsonl`)
or results (:func:`results_jsonl`) alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter

from ..pipeline.model import LabelledUnits, UnitResult
from ..text.sentences import shown_texts
from ._numbers import four_places, per_report
from .records import RECORD_FIELDS

_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps makes one per call
_STRING = json.encoder.encode_basestring  # how that encoder writes a string


class _SectionJson(dict):
    """The end of a line, ``, "section": [...]}``, by section path (written once per path)."""

    def __missing__(self, section: tuple[str, ...]) -> str:
        text = self[section] = f', "section": {_JSON.encode(list(section))}}}\n'
        return text


@dataclass
class RecordColumns:
    """The fields of labelled units' records as columns, a row per unit (see :func:`write_jsonl`).

    ``confidences`` and ``scores`` are numbers as :func:`four_places` writes them: ``keys``
    are the score keys of every row (one tuple), or of each row (a list of them); ``scores``
    every row's values of its keys, one row after the other. ``ids``,
    ``evidence`` and ``topics`` (with ``topic_themes``) are None when no row has them; a
    row's own None leaves its field out.
    """

    reports: Sequence[str]
    indexes: Sequence[int]
    ids: Sequence | None
    texts: Sequence[str]
    themes: Sequence[str]
    confidences: Sequence[str]
    keys: tuple[str, ...] | list[tuple[str, ...]]
    scores: Sequence[str]
    evidence: Sequence[list[tuple[str, float]] | None] | None
    topics: Sequence[int | None] | None
    topic_themes: Sequence[str | None] | None
    headings: Sequence[bool]
    sections: Sequence[tuple[str, ...]]


def _each_once(encode: Callable[[str], str], values: Sequence[str]) -> Iterable[str]:
    """``encode`` of every value, each distinct one written once (reports, themes: few).

    One value (one report) repeats without end: the other columns end the lines.
    """
    distinct = set(values)
    if len(distinct) == 1:
        return repeat(encode(distinct.pop()))
    return map({value: encode(value) for value in distinct}.__getitem__, values)


def _optional(values: Sequence | None, text: Callable) -> list[Iterable[str]]:
    """The column of a field that a row may leave out (its value None): ``text(value)``."""
    if values is None:
        return []
    return [["" if value is None else text(value) for value in values]]


def _scores(keys, numbers: Sequence[str]) -> list[Iterable[str]]:
    """``, "scores": {...}`` of every row: column by column when every row has ``keys``."""
    if isinstance(keys, tuple):  # every row's keys: each row takes its next len(keys) values
        numbers = iter(numbers)
        columns: list[Iterable[str]] = [repeat(', "scores": {')]
        for position, key in enumerate(keys):
            columns += [repeat((", " if position else "") + _STRING(key) + ": "), numbers]
        return [*columns, repeat("}")]
    texts, first, templates = [], 0, {}
    for row_keys in keys:
        template = templates.get(row_keys)
        if template is None:
            template = templates[row_keys] = ", ".join(
                _STRING(k).replace("{", "{{").replace("}", "}}") + ": {}" for k in row_keys)
        texts.append(f', "scores": {{{template.format(*numbers[first:first + len(row_keys)])}}}')
        first += len(row_keys)
    return [texts]


def _evidence_field(evidence: list[tuple[str, float]]) -> str:
    """``, "evidence": [[term, weight], ...]`` as the encoder writes it.

    Strings and finite floats are written as the encoder writes them (``_STRING``,
    ``float.__repr__``), in one join; anything else (never so from labelling: an int, NaN)
    goes to the encoder itself.
    """
    try:
        text = ", ".join([f"[{_STRING(term)}, {float.__repr__(weight)}]"
                          for term, weight in evidence])
    except (TypeError, ValueError):
        text = None
    if text is None or "nan" in text or "inf" in text:  # or a term that holds them
        return ', "evidence": ' + _JSON.encode([[term, weight] for term, weight in evidence])
    return f', "evidence": [{text}]'


#: How each field of :data:`.records.RECORD_FIELDS` is written: the columns of its text.
_FIELD_COLUMNS: dict[str, Callable[[RecordColumns], list[Iterable[str]]]] = {
    "report": lambda c: [_each_once(lambda r: '{"report": ' + _STRING(r), c.reports)],
    "index": lambda c: [repeat(', "index": '), map(int.__repr__, c.indexes)],
    "id": lambda c: _optional(c.ids, lambda i: ', "id": ' + _JSON.encode(i)),
    "text": lambda c: [repeat(', "text": '), map(_STRING, c.texts)],
    "theme": lambda c: [_each_once(lambda t: ', "theme": ' + _STRING(t), c.themes)],
    "confidence": lambda c: [repeat(', "confidence": '), c.confidences],
    "scores": lambda c: _scores(c.keys, c.scores),
    "evidence": lambda c: _optional(c.evidence, _evidence_field),
    "topic": lambda c: [] if c.topics is None else [[
        "" if topic is None else f', "topic": {int.__repr__(topic)}, "topic_theme": {theme}'
        # not strict: one distinct theme repeats without end (_each_once)
        for topic, theme in zip(c.topics, _each_once(_JSON.encode, c.topic_themes),
                                strict=False)]],
    "topic_theme": lambda c: [],  # written with the topic
    "heading": lambda c: [[', "heading": true' if h else "" for h in c.headings]],
    "section": lambda c: [map(_SectionJson().__getitem__, c.sections)],
}


def write_jsonl(columns: RecordColumns) -> str:
    """One JSON object per row, the fields in :data:`.records.RECORD_FIELDS` order.

    The lines are put together column by column (``zip`` of the fields' texts and the
    constant parts between them), with no Python call per line for most fields.
    """
    if not columns.texts:
        return ""
    parts = [part for field in RECORD_FIELDS for part in _FIELD_COLUMNS[field](columns)]
    return "".join(chain.from_iterable(zip(*parts, strict=False)))  # repeat() is endless


def labelled_jsonl(labelled: LabelledUnits) -> str:
    """The JSON Lines of units labelled as columns, with no result made per unit.

    The same text as :func:`results_jsonl` of ``labelled.results()``.
    """
    return labelled_jsonl_many([labelled])[0]


def labelled_jsonl_many(labelled: list[LabelledUnits]) -> list[str]:
    """:func:`labelled_jsonl` of each, the numbers of all written at once (:func:`four_places`)."""
    return [_labelled_jsonl(x, *numbers) for x, numbers in zip(
        labelled, per_report(labelled, lambda x: x.columns.probabilities, four_places),
        strict=True)]


def _labelled_jsonl(labelled: LabelledUnits, confidences: list[str], scores: list[str]) -> str:
    """:func:`labelled_jsonl`, its confidences and scores written (:func:`four_places`)."""
    units, columns = labelled.units, labelled.columns
    topics = labelled.topics
    return write_jsonl(RecordColumns(
        list(map(attrgetter("report"), units)), list(map(attrgetter("index"), units)),
        labelled.ids if labelled.ids is not None and any(
            i is not None for i in labelled.ids) else None,
        shown_texts(units), columns.themes, confidences, tuple(columns.classes), scores,
        None if columns.evidence.count(None) == len(units) else columns.evidence,
        topics, None if topics is None else [labelled.topic_themes[t] for t in topics],
        list(map(attrgetter("is_heading"), units)), labelled.sections))


def results_jsonl(results: list[UnitResult]) -> str:
    """One JSON object per unit: :func:`.records.unit_record` as ``json`` writes it."""
    if not results:
        return ""
    field = lambda name: list(map(attrgetter(name), results))  # noqa: E731
    keys = list(map(tuple, field("scores")))
    ids, evidence, topics = field("id"), field("evidence"), field("topic")
    return write_jsonl(RecordColumns(
        field("report"), field("index"), None if ids.count(None) == len(ids) else ids,
        field("text"), field("theme"), four_places(field("confidence")),
        keys[0] if keys.count(keys[0]) == len(keys) else keys,
        four_places([v for r in results for v in r.scores.values()]),
        None if evidence.count(None) == len(evidence) else evidence,
        None if topics.count(None) == len(topics) else topics, field("topic_theme"),
        field("is_heading"), field("section")))
