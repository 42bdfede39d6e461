"""A trained theme model: classifier plus topic model, labelling units and reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..classify.context import ContextModel, heading_positions
from ..classify.predictor import PredictionColumns, ThemePredictor
from ..config import N_EVIDENCE
from ..taxonomy import Taxonomy
from ..text.sentences import Unit, section_paths, split_units
from ..text.simplify import to_simplified_many
from ..topic.inference import TopicInference

#: Units labelled together: big enough for numpy to pay off, small enough to bound memory.
BATCH_UNITS = 4096


def _batches(items: list) -> Iterator[list]:
    """``items`` in slices of :data:`BATCH_UNITS`."""
    return (items[first:first + BATCH_UNITS] for first in range(0, len(items), BATCH_UNITS))


@dataclass(slots=True)  # not frozen: one is made per unit; nothing changes it once made
class UnitResult:
    """A labelled unit: what ``classify`` reports for each sentence or heading."""

    report: str
    index: int
    text: str
    theme: str
    confidence: float
    scores: dict[str, float]
    evidence: list[tuple[str, float]] | None  # None: not asked for
    topic: int | None  # None: not asked for
    topic_theme: str | None
    id: object = None
    is_heading: bool = False
    start: int | None = None
    end: int | None = None
    paragraph: int | None = None  # the unit's paragraph in its report (None: not known)
    section: tuple[str, ...] = ()  # the headings it sits under, outermost first (itself last)


@dataclass(frozen=True)
class ThemeProfile:
    """How many units of a report fall under each theme, and their share."""

    counts: dict[str, int]
    total: int

    @property
    def shares(self) -> dict[str, float]:
        """Share of each theme among the report's units (0 when there are none)."""
        return {k: (v / self.total if self.total else 0.0) for k, v in self.counts.items()}


def theme_profile(results: list[UnitResult], theme_ids: list[str]) -> ThemeProfile:
    """Count the units of each theme (headings included), in taxonomy order."""
    counts = Counter(r.theme for r in results)
    return ThemeProfile({t: counts.get(t, 0) for t in theme_ids}, len(results))


#: The key of the units before a report's first section (its title and opening).
NO_SECTION = ""


def section_profiles(results: list[UnitResult], theme_ids: list[str]
                     ) -> list[tuple[str, ThemeProfile]]:
    """The theme profile of each top-level section of one report, in text order.

    A unit's top-level section is the first heading of its ``section`` path; units before
    the first heading (title, salutation, opening) are under :data:`NO_SECTION`.
    """
    groups: dict[str, list[UnitResult]] = {}
    for r in results:
        groups.setdefault(r.section[0] if r.section else NO_SECTION, []).append(r)
    return [(name, theme_profile(members, theme_ids)) for name, members in groups.items()]


def _report_runs(units: list[Unit]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each run of consecutive units of one report."""
    start = 0
    for i in range(1, len(units) + 1):
        if i == len(units) or units[i].report != units[start].report:
            yield start, i
            start = i


@dataclass
class ThemeModel:
    """A theme classifier, its second stage and a topic model, with their manifest.

    Units are labelled in two stages: the classifier scores each unit alone, then
    ``context`` (:class:`~topics.classify.context.ContextModel`) combines those scores with the
    unit's neighbours, headings and report into calibrated probabilities. Units given
    without their report get the second stage's calibration alone.
    """

    taxonomy: Taxonomy
    classifier: ThemePredictor
    topic_model: TopicInference
    manifest: dict = field(default_factory=dict)
    path: str | None = None
    context: ContextModel | None = None

    @property
    def threshold(self) -> float | None:
        """Probability under which the fallback theme is given (the second stage's)."""
        return None if self.context is None else self.context.threshold

    def label(self, texts: list[str], n_evidence: int | None = N_EVIDENCE, topics: bool = True):
        """Predictions and topics for plain sentences, each alone: ``(predictions, topics)``.

        Traditional characters are read as simplified ones; results keep the text as given.
        ``n_evidence=None`` skips the evidence and ``topics=False`` the topics (None).
        """
        texts = to_simplified_many(texts)
        segmented = self.classifier.segmenter.tokens_many(texts)
        proba, blocks = self._first_stage(texts, segmented)
        proba = self._second_stage(None, proba, False)
        columns, topic_ids = self._columns(texts, segmented, proba, n_evidence, topics, blocks)
        return columns.predictions(), topic_ids

    def _first_stage(self, texts: list[str], segmented: list[list[str]] | None):
        """The classifier's probabilities of simplified texts and the features they read.

        Probabilities in classifier class order; features as ``FeatureBlocks``, for evidence.
        """
        blocks = self.classifier.blocks(texts, segmented)
        return self.classifier.block_probabilities(blocks), blocks

    def _second_stage(self, units: list[Unit] | None, proba: np.ndarray,
                      in_context: bool) -> np.ndarray:
        if self.context is None:
            return proba
        if not in_context or units is None:
            return self.context.alone(proba)
        out = np.empty_like(proba)
        for start, end in _report_runs(units):
            out[start:end] = self.context.in_context(proba[start:end],
                                                     heading_positions(units[start:end]))
        return out

    def _columns(self, texts: list[str], segmented: list[list[str]] | None, proba: np.ndarray,
                 n_evidence: int | None, topics: bool, blocks=None
                 ) -> tuple[PredictionColumns, list[int] | None]:
        columns = self.classifier.predict_columns(texts, n_evidence, segmented, proba,
                                                  self.threshold, blocks)
        if not topics:
            return columns, None
        if segmented is None:
            segmented = self.classifier.segmenter.tokens_many(texts)
        content = self.classifier.segmenter.content_of(segmented)
        return columns, self.topic_model.transform(content).argmax(axis=1).tolist()

    def probabilities(self, units: list[Unit], in_context: bool = True, keep: bool = False
                      ) -> tuple[np.ndarray, list[tuple] | None]:
        """Final probabilities of ``units`` (classifier class order), batch by batch.

        Also the batches' simplified texts, tokens and None when there is a single batch (so
        that evidence and topics need not segment again), else None. With ``keep``, every
        batch's texts, tokens and features (``FeatureBlocks``), for evidence and topics:
        memory then grows with the report, not only the batch.
        """
        parts, kept = [], []
        for batch in _batches(units):
            texts = to_simplified_many([u.text for u in batch])
            segmented = self.classifier.segmenter.tokens_many(texts)
            proba, blocks = self._first_stage(texts, segmented)
            parts.append(proba)
            if keep or not kept:  # without ``keep``, the others' tokens are not kept
                kept.append((texts, segmented, blocks if keep else None))
        if not parts:
            return np.zeros((0, len(self.classifier.classes_))), None
        proba = self._second_stage(units, np.vstack(parts), in_context)
        return proba, (kept if keep or len(parts) == 1 else None)

    def predict(self, texts: list[str]) -> list[str]:
        """Theme ids of plain sentences, each alone, read as :meth:`label` reads them."""
        texts = to_simplified_many(texts)
        proba = self._second_stage(None, self._first_stage(texts, None)[0], False)
        return [str(t) for t in self.classifier.decide(proba, self.threshold)]

    def classify_units(self, units: list[Unit], ids: list | None = None,
                       n_evidence: int = N_EVIDENCE, explain: bool = True,
                       in_context: bool = True) -> list[UnitResult]:
        """Label units (from :func:`split_units` or made by the caller).

        ``in_context``: consecutive units of one report are read together (neighbours,
        headings, the report's profile); else each unit alone. With ``explain`` each result
        has its evidence and its topic; without, they are not computed (None). Units go
        through in batches of :data:`BATCH_UNITS`, so memory stays bounded by the batch and
        the report.
        """
        if ids is not None and len(ids) != len(units):
            raise ValueError(f"{len(ids)} ids for {len(units)} units")
        proba, kept = self.probabilities(units, in_context, keep=explain)
        sections = section_paths(units)
        out = []
        batch_ids = _batches(ids) if ids is not None else None
        start = 0
        for number, batch in enumerate(_batches(units)):
            end = start + len(batch)
            texts, segmented, blocks = (kept[number] if kept is not None
                                        else (to_simplified_many([u.text for u in batch]),
                                              None, None))
            columns, topic_ids = self._columns(texts, segmented, proba[start:end],
                                               n_evidence if explain else None, explain,
                                               blocks)
            this_ids = next(batch_ids) if batch_ids is not None else [None] * len(batch)
            out.extend(self._results(batch, this_ids, columns, topic_ids, sections[start:end]))
            start = end
        return out

    def _results(self, units: list[Unit], ids: list, columns: PredictionColumns,
                 topic_ids: list[int] | None, sections: list[tuple[str, ...]]
                 ) -> list[UnitResult]:
        """A result per unit, with the unit's text as written (``Unit.shown``)."""
        themes = self.topic_model.topic_themes_
        if topic_ids is None:
            topic_ids = [None] * len(units)
        return [UnitResult(unit.report, unit.index, unit.shown, theme, confidence, scores, terms,
                           topic, None if topic is None else themes[topic], unit_id,
                           unit.is_heading, unit.start, unit.end, unit.paragraph, section)
                for unit, theme, confidence, scores, terms, topic, unit_id, section in zip(
                    units, columns.themes, columns.confidences, columns.scores,
                    columns.evidence, topic_ids, ids, sections, strict=True)]

    def predict_units(self, units: list[Unit], in_context: bool = True) -> PredictionColumns:
        """Themes, confidences and probabilities of units, as columns (no evidence, topics).

        What :meth:`classify_units` computes with ``explain=False``, without making a
        result per unit.
        """
        proba, _ = self.probabilities(units, in_context)
        return self.classifier.predict_columns([u.text for u in units], None, None, proba,
                                               self.threshold)

    def predict_units_many(self, inputs: list[tuple[list[Unit], bool]]
                           ) -> list[PredictionColumns]:
        """:meth:`predict_units` of several inputs at once: ``(units, in_context)`` each.

        The first stage reads the units of all of them in batches of :data:`BATCH_UNITS`,
        across inputs (a unit's first-stage scores do not depend on the other units of its
        batch: tested), the second stage each input alone. Many small reports so cost a
        few batches, not a batch each.
        """
        units = [unit for group, _ in inputs for unit in group]
        first = []
        for batch in _batches(units):
            texts = to_simplified_many([u.text for u in batch])
            first.append(self._first_stage(texts,
                                           self.classifier.segmenter.tokens_many(texts))[0])
        proba = np.vstack(first) if first else None
        out, start = [], 0
        for group, in_context in inputs:
            end = start + len(group)
            final = (self._second_stage(group, proba[start:end], in_context) if group
                     else None)
            out.append(self.classifier.predict_columns([u.text for u in group], None, None,
                                                       final, self.threshold))
            start = end
        return out

    def classify_units_many(self, inputs: list[tuple[list[Unit], list | None, bool]],
                            n_evidence: int = N_EVIDENCE, explain: bool = True
                            ) -> list[list[UnitResult]]:
        """:meth:`classify_units` of several inputs at once: ``(units, ids, in_context)`` each.

        As :meth:`predict_units_many`, the first stage, the evidence and the topics read
        the units of all of them in batches of :data:`BATCH_UNITS` (each unit's do not
        depend on its batch: tested), the second stage and the sections each input alone.
        """
        for units, ids, _ in inputs:
            if ids is not None and len(ids) != len(units):
                raise ValueError(f"{len(ids)} ids for {len(units)} units")
        units = [unit for group, _, _ in inputs for unit in group]
        kept, first = [], []
        for batch in _batches(units):
            texts = to_simplified_many([u.text for u in batch])
            segmented = self.classifier.segmenter.tokens_many(texts)
            proba, blocks = self._first_stage(texts, segmented)
            first.append(proba)
            kept.append((texts, segmented, blocks if explain else None))
        if not units:
            return [[] for _ in inputs]
        proba = np.vstack(first)
        start = 0
        for group, _, in_context in inputs:
            end = start + len(group)
            if group:
                proba[start:end] = self._second_stage(group, proba[start:end], in_context)
            start = end
        parts, topic_ids, start = [], [], 0
        for texts, segmented, blocks in kept:
            end = start + len(texts)
            columns, topics = self._columns(texts, segmented, proba[start:end],
                                            n_evidence if explain else None, explain, blocks)
            parts.append(columns)
            topic_ids += topics if topics is not None else [None] * len(texts)
            start = end
        columns = PredictionColumns([t for c in parts for t in c.themes],
                                    [x for c in parts for x in c.confidences],
                                    np.vstack([c.probabilities for c in parts]),
                                    parts[0].classes, [e for c in parts for e in c.evidence])
        ids = [i for group, group_ids, _ in inputs
               for i in (group_ids if group_ids is not None else [None] * len(group))]
        sections = [path for group, _, _ in inputs for path in section_paths(group)]
        results = self._results(units, ids, columns, topic_ids, sections)
        out, start = [], 0
        for group, _, _ in inputs:
            out.append(results[start:start + len(group)])
            start += len(group)
        return out

    def classify(self, text: str, report: str = "") -> list[UnitResult]:
        """Split a report's text into units and label every one in its context."""
        return self.classify_units(split_units(text, report))

    def profile(self, results: list[UnitResult]) -> ThemeProfile:
        """The theme profile of labelled units."""
        return theme_profile(results, self.taxonomy.ids)
