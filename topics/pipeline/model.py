"""A trained theme model: classifier plus topic model, labelling units and reports."""

from __future__ import annotations

import functools
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


@dataclass
class LabelledUnits:
    """Units labelled by :meth:`ThemeModel.label_units`, as columns: a row per unit.

    ``columns`` hold each unit's theme, confidence, probabilities and evidence (None when
    not asked for); ``topics`` its topic (None: not asked for), ``topic_themes`` the theme
    of each topic id, ``sections`` its section path. :meth:`results` makes a
    :class:`UnitResult` per unit; outputs that need none (JSON Lines) read the columns.
    """

    units: list[Unit]
    columns: PredictionColumns
    ids: list | None
    topics: list[int] | None
    topic_themes: list[str]
    sections: list[tuple[str, ...]]

    def __len__(self) -> int:
        """The number of units."""
        return len(self.units)

    def results(self) -> list[UnitResult]:
        """A result per unit, with the unit's text as written (``Unit.shown``)."""
        themes, columns, n = self.topic_themes, self.columns, len(self.units)
        topics = self.topics if self.topics is not None else [None] * n
        ids = self.ids if self.ids is not None else [None] * n
        return [UnitResult(unit.report, unit.index, unit.shown, theme, confidence, scores, terms,
                           topic, None if topic is None else themes[topic], unit_id,
                           unit.is_heading, unit.start, unit.end, unit.paragraph, section)
                for unit, theme, confidence, scores, terms, topic, unit_id, section in zip(
                    self.units, columns.themes, columns.confidences, columns.scores,
                    columns.evidence, topics, ids, self.sections, strict=True)]


def _joined(parts: list[PredictionColumns]) -> PredictionColumns:
    """The columns of consecutive batches as one (the one batch's own when there is one)."""
    if len(parts) == 1:
        return parts[0]
    return PredictionColumns([t for p in parts for t in p.themes],
                             [c for p in parts for c in p.confidences],
                             np.vstack([p.probabilities for p in parts]), parts[0].classes,
                             [e for p in parts for e in p.evidence])


def _sliced(columns: PredictionColumns, start: int, end: int) -> PredictionColumns:
    """Rows ``start:end`` of ``columns`` (``columns`` itself when that is every row)."""
    if start == 0 and end == len(columns.themes):
        return columns
    return PredictionColumns(columns.themes[start:end], columns.confidences[start:end],
                             columns.probabilities[start:end], columns.classes,
                             columns.evidence[start:end])


@dataclass(frozen=True)
class ThemeProfile:
    """How many units of a report fall under each theme, and their share."""

    counts: dict[str, int]
    total: int

    @functools.cached_property
    def shares(self) -> dict[str, float]:
        """Share of each theme among the report's units (0 when there are none); made once."""
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


def _alone(texts: list[str]) -> list[Unit]:
    """Plain sentences as units, each one alone (no report, no offsets into one)."""
    return [Unit("", index, text, 0, len(text)) for index, text in enumerate(texts)]


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

    def prepare(self, background: bool = True) -> ThemeModel:
        """Build now what labelling builds on first use (``ThemePredictor.prepare``); self.

        A process that is about to label calls it once the model is loaded. With
        ``background`` part of the work runs in a thread while the process goes on: worth
        it where a core is free (one process labelling), not where every core labels.
        """
        self.classifier.prepare(background)
        return self

    def label(self, texts: list[str], n_evidence: int | None = N_EVIDENCE, topics: bool = True):
        """Predictions and topics for plain sentences, each alone: ``(predictions, topics)``.

        A thin wrapper of :meth:`label_units` (each text one unit, read alone).
        Traditional characters are read as simplified ones. ``n_evidence=None`` skips the
        evidence and ``topics=False`` the topics (None).
        """
        labelled = self.label_units(_alone(texts), in_context=False, n_evidence=n_evidence,
                                    topics=topics)
        return labelled.columns.predictions(), labelled.topics

    def _first_stage(self, texts: list[str], segmented: list[list[str]] | None):
        """The classifier's probabilities of simplified texts and the features they read.

        Probabilities in classifier class order; features as ``FeatureBlocks``, for evidence.
        """
        blocks = self.classifier.blocks(texts, segmented)
        return self.classifier.block_probabilities(blocks), blocks

    def _in_context(self, proba: np.ndarray, runs: list[tuple[int, int, list[Unit]]]) -> None:
        """The second stage in context of each report ``(start, end, units)``, in place.

        The reports are read together (``ContextModel.in_context_many``): the same numbers
        as report by report.
        """
        lengths = [end - start for start, end, _ in runs]
        headings = [heading_positions(units) for _, _, units in runs]
        rows = np.concatenate([np.arange(start, end) for start, end, _ in runs])
        proba[rows] = self.context.in_context_many(proba[rows], lengths, headings)

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

    def label_units(self, units: list[Unit], ids: list | None = None, *,
                    in_context: bool = True, n_evidence: int | None = N_EVIDENCE,
                    topics: bool = True) -> LabelledUnits:
        """Label units (from :func:`split_units` or made by the caller).

        ``in_context``: consecutive units of one report are read together (neighbours,
        headings, the report's profile); else each unit alone. ``n_evidence=None`` skips
        the evidence and ``topics=False`` the topics (None). One input of
        :meth:`label_units_many`, the one batch path; every other labelling method is a
        thin wrapper of these two.
        """
        return self.label_units_many([(units, ids, in_context)], n_evidence=n_evidence,
                                     topics=topics)[0]

    def label_units_many(self, inputs: list[tuple[list[Unit], list | None, bool]], *,
                         n_evidence: int | None = N_EVIDENCE, topics: bool = True
                         ) -> list[LabelledUnits]:
        """Label the units of several inputs, ``(units, ids, in_context)`` each, at once.

        The first stage, the evidence and the topics read the units of all inputs in
        batches of :data:`BATCH_UNITS`, across inputs (a unit's scores, evidence and topic
        do not depend on the other units of its batch: tested), so many small reports cost
        a few batches, not one each; the second stage reads the reports of all inputs
        together (each in its own context), or each unit alone where ``in_context`` is off;
        the sections read each input alone. Without evidence and topics, memory stays
        bounded by a batch and the probabilities; with them, by the inputs' units.
        """
        for group, group_ids, _ in inputs:
            if group_ids is not None and len(group_ids) != len(group):
                raise ValueError(f"{len(group_ids)} ids for {len(group)} units")
        explain = n_evidence is not None or topics
        units = [unit for group, _, _ in inputs for unit in group]
        parts, kept = [], []
        for batch in _batches(units):
            texts = to_simplified_many([u.text for u in batch])
            segmented = self.classifier.segmenter.tokens_many(texts)
            proba, blocks = self._first_stage(texts, segmented)
            parts.append(proba)
            if explain:
                kept.append((texts, segmented, blocks))
        proba = (np.vstack(parts) if parts
                 else np.zeros((0, len(self.classifier.classes_))))
        bounds, start, runs = [], 0, []
        for group, _, in_context in inputs:
            bounds.append((start, start + len(group)))
            if group and in_context and self.context is not None:  # the reports of all inputs
                runs += [(start + s, start + e, group[s:e]) for s, e in _report_runs(group)]
            elif group and self.context is not None:  # each unit alone
                proba[start:start + len(group)] = self.context.alone(
                    proba[start:start + len(group)])
            start += len(group)
        if runs:
            self._in_context(proba, runs)
        topic_ids = [] if topics else None
        if explain:
            columns, start = [], 0
            for texts, segmented, blocks in kept:
                end = start + len(texts)
                batch_columns, batch_topics = self._columns(texts, segmented, proba[start:end],
                                                            n_evidence, topics, blocks)
                columns.append(batch_columns)
                if topics:
                    topic_ids.extend(batch_topics)
                start = end
            joined = _joined(columns) if columns else self.classifier.predict_columns([], None)
        else:
            joined = self.classifier.predict_columns([u.text for u in units], None, None, proba,
                                                     self.threshold)
        return [LabelledUnits(group, _sliced(joined, start, end), group_ids,
                              None if topic_ids is None else topic_ids[start:end],
                              self.topic_model.topic_themes_, section_paths(group))
                for (group, group_ids, _), (start, end) in zip(inputs, bounds, strict=True)]

    def predict(self, texts: list[str]) -> list[str]:
        """Theme ids of plain sentences, each alone (a thin wrapper of :meth:`label_units`)."""
        return self.label_units(_alone(texts), in_context=False, n_evidence=None,
                                topics=False).columns.themes

    def classify_units(self, units: list[Unit], ids: list | None = None,
                       n_evidence: int = N_EVIDENCE, explain: bool = True,
                       in_context: bool = True) -> list[UnitResult]:
        """A result per unit: :meth:`label_units`, then its results (a thin wrapper).

        With ``explain`` each result has its evidence and its topic; without, they are not
        computed (None).
        """
        return self.label_units(units, ids, in_context=in_context,
                                n_evidence=n_evidence if explain else None,
                                topics=explain).results()

    def predict_units(self, units: list[Unit], in_context: bool = True) -> PredictionColumns:
        """Themes, confidences and probabilities of units, as columns (no evidence, topics).

        A thin wrapper of :meth:`label_units`, with no result made per unit.
        """
        return self.label_units(units, in_context=in_context, n_evidence=None,
                                topics=False).columns

    def classify(self, text: str, report: str = "") -> list[UnitResult]:
        """Split a report's text into units and label every one in its context."""
        return self.classify_units(split_units(text, report))

    def profile(self, results: list[UnitResult]) -> ThemeProfile:
        """The theme profile of labelled units."""
        return theme_profile(results, self.taxonomy.ids)
