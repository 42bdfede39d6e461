"""A trained theme model: classifier plus topic model, labelling units and reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from .normalize import to_simplified_many
from .predictor import PredictionColumns, ThemePredictor, concat_columns
from .sentences import Unit, split_units
from .taxonomy import Taxonomy
from .topic_inference import TopicInference

#: Units labelled together: big enough for numpy to pay off, small enough to bound memory.
BATCH_UNITS = 4096


def _batches(items: list) -> Iterator[list]:
    """``items`` in slices of :data:`BATCH_UNITS`."""
    return (items[first:first + BATCH_UNITS] for first in range(0, len(items), BATCH_UNITS))


@dataclass(slots=True)  # not frozen: a frozen one takes 3x longer to make
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

    def to_record(self) -> dict:
        """The JSON Lines record of this unit (evidence and topic when they were computed)."""
        record = {"report": self.report, "index": self.index}
        if self.id is not None:
            record["id"] = self.id
        record.update({
            "text": self.text, "theme": self.theme, "confidence": round(self.confidence, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        })
        if self.evidence is not None:
            record["evidence"] = [[term, weight] for term, weight in self.evidence]
        if self.topic is not None:
            record["topic"], record["topic_theme"] = self.topic, self.topic_theme
        if self.is_heading:
            record["heading"] = True
        return record


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


@dataclass
class ThemeModel:
    """A theme classifier and a topic model trained together, with their manifest."""

    taxonomy: Taxonomy
    classifier: ThemePredictor
    topic_model: TopicInference
    manifest: dict = field(default_factory=dict)
    path: str | None = None

    def label(self, texts: list[str], n_evidence: int | None = 5, topics: bool = True):
        """Predictions and topics for plain sentences: ``(predictions, topic ids)``.

        Traditional characters are read as simplified ones; results keep the text as given.
        ``n_evidence=None`` skips the evidence and ``topics=False`` the topics (None).
        """
        columns, topic_ids = self._label_columns(texts, n_evidence, topics)
        return columns.predictions(), topic_ids

    def _label_columns(self, texts: list[str], n_evidence: int | None,
                       topics: bool) -> tuple[PredictionColumns, list[int] | None]:
        texts = to_simplified_many(texts)
        segmenter = self.classifier.segmenter
        segmented = segmenter.tokens_many(texts)
        columns = self.classifier.predict_columns(texts, n_evidence, segmented=segmented)
        if not topics:
            return columns, None
        distributions = self.topic_model.transform(segmenter.content_of(segmented))
        return columns, distributions.argmax(axis=1).tolist()

    def predict(self, texts: list[str]) -> list[str]:
        """Theme ids of plain sentences, read as :meth:`label` reads them (no evidence, topics)."""
        return [str(t) for t in self.classifier.predict(to_simplified_many(texts))]

    def classify_units(self, units: list[Unit], ids: list | None = None,
                       n_evidence: int = 5, explain: bool = True) -> list[UnitResult]:
        """Label units (from :func:`split_units` or made by the caller).

        With ``explain`` each result has its evidence and its topic; without, they are not
        computed (None), which halves the work. Units go through in batches of
        :data:`BATCH_UNITS`, so that memory stays bounded however long the report; a unit's
        label does not depend on its batch.
        """
        out = []
        batches = (zip(_batches(units), _batches(ids), strict=True) if ids is not None
                   else ((batch, None) for batch in _batches(units)))
        for batch, batch_ids in batches:
            out.extend(self._classify_batch(batch, batch_ids, n_evidence if explain else None,
                                            explain))
        return out

    def _classify_batch(self, units: list[Unit], ids: list | None, n_evidence: int | None,
                        topics: bool) -> list[UnitResult]:
        columns, topic_ids = self._label_columns([u.text for u in units], n_evidence, topics)
        themes = self.topic_model.topic_themes_
        if topic_ids is None:
            topic_ids = [None] * len(units)
        if ids is None:
            ids = [None] * len(units)
        return [UnitResult(unit.report, unit.index, unit.text, theme, confidence, scores, terms,
                           topic, None if topic is None else themes[topic], unit_id,
                           unit.is_heading, unit.start, unit.end)
                for unit, theme, confidence, scores, terms, topic, unit_id in zip(
                    units, columns.themes, columns.confidences, columns.scores,
                    columns.evidence, topic_ids, ids, strict=True)]

    def predict_units(self, units: list[Unit]) -> PredictionColumns:
        """Themes, confidences and probabilities of units, as columns (no evidence, topics).

        What :meth:`classify_units` computes with ``explain=False``, without making a
        result per unit; in batches of :data:`BATCH_UNITS` likewise.
        """
        parts = [self._label_columns([u.text for u in batch], None, False)[0]
                 for batch in _batches(units)]
        return concat_columns(parts) if parts else self.classifier.predict_columns([], None)

    def classify(self, text: str, report: str = "") -> list[UnitResult]:
        """Split a report's text into units and label every one."""
        return self.classify_units(split_units(text, report))

    def profile(self, results: list[UnitResult]) -> ThemeProfile:
        """The theme profile of labelled units."""
        return theme_profile(results, self.taxonomy.ids)
