"""JSON Lines of labelled units, put together without ``json.dumps`` per unit.

Every line must equal ``json.dumps(unit_record(r), ensure_ascii=False)`` byte for byte
(tests/render/test_outputs.py checks it, by hypothesis too); :func:`four_places` must equal
``repr(round(v, 4))``.
"""

from __future__ import annotations

import json
from itertools import chain, repeat
from operator import attrgetter

import numpy as np

from ..classify.predictor import PredictionColumns
from ..pipeline.model import UnitResult
from ..text.sentences import Unit, section_paths, shown_texts

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


class _SectionJson(dict):
    """The end of a line, ``, "section": [...]}``, by section path (written once per path)."""

    def __missing__(self, section: tuple[str, ...]) -> str:
        text = self[section] = f', "section": {_JSON.encode(list(section))}}}\n'
        return text


def results_jsonl(results: list[UnitResult]) -> str:
    """One JSON object per unit: :func:`.records.unit_record` as ``json`` writes it.

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
    section_json = _SectionJson()
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
        lines.append(line + (', "heading": true' if r.is_heading else "")
                     + section_json[r.section])
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
    return _jsonl_columns(first.report, keys, results, [r.text for r in results],
                          [r.section for r in results], [r.theme for r in results],
                          [r.confidence for r in results],
                          [v for r in results for v in r.scores.values()])


def units_jsonl(units: list[Unit], columns: PredictionColumns) -> str:
    """:func:`results_jsonl` of units of one report, labelled without evidence or topics.

    Straight from the prediction columns (``ThemeModel.predict_units``), with no
    ``UnitResult`` made per unit; the units hold no ids. Texts as written
    (``Unit.shown``) and sections (``section_paths``), as ``ThemeModel`` gives results.
    """
    if not units:
        return ""
    return _jsonl_columns(units[0].report, columns.classes, units,
                          shown_texts(units), section_paths(units), columns.themes,
                          columns.confidences, columns.probabilities.ravel())


def _jsonl_columns(report: str, keys, units, texts: list[str], sections: list,
                   themes: list[str], confidences, scores) -> str:
    """The JSON lines of one report's units (or results) whose scores all have ``keys``.

    ``units`` give each line's index and heading flag, ``texts`` and ``sections`` its text
    and section path, ``scores`` the values of every line's keys one line after the other.
    The lines are put together column by column (``zip`` of the fields' texts and the
    constant parts between them), with no Python loop per line: twice as fast as line by line.
    """
    values = iter(four_places(scores))
    theme_json = {theme: _STRING(theme) for theme in set(themes)}
    columns = [repeat(f'{{"report": {_STRING(report)}, "index": '),
               map(int.__repr__, map(attrgetter("index"), units)), repeat(', "text": '),
               map(_STRING, texts), repeat(', "theme": '),
               map(theme_json.__getitem__, themes), repeat(', "confidence": '),
               four_places(confidences), repeat(', "scores": {')]
    for position, key in enumerate(keys):  # each line takes its next len(keys) values
        columns += [repeat((", " if position else "") + _STRING(key) + ": "), values]
    columns.append(['}, "heading": true' if u.is_heading else "}" for u in units])
    columns.append(map(_SectionJson().__getitem__, sections))
    return "".join(chain.from_iterable(zip(*columns, strict=False)))  # repeat() is endless
