"""Training: assemble labelled sentences, cross-validate by report, fit both models."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .classifier import ThemeClassifier
from .documents import read_report
from .errors import InputError, LabelError
from .evaluate import score_predictions
from .fileio import file_sha256
from .labels import LabelledSentence, load_labels
from .lda import ThemeTopicModel
from .model import BATCH_UNITS, ThemeModel
from .reader import DEFAULT_MAX_BYTES
from .segment import Segmenter
from .sentences import split_units
from .taxonomy import Taxonomy
from .weak import WeakLabel, agreement, weak_labels

#: Weight of a weak (outline or cue-word) label relative to a hand label.
WEAK_WEIGHT = 0.5
#: Most weak-labelled sentences the classifier trains on (a seeded uniform sample).
MAX_WEAK = 50_000

Progress = Callable[[str], None]


@dataclass
class TrainingData:
    """Labelled sentences plus the report texts they came from."""

    sentences: list[LabelledSentence]
    inputs: dict[str, str]  # path -> sha256 of every file read
    weak_agreement: dict | None = None
    unlabelled_reports: list[str] = field(default_factory=list)  # every unit goes to LDA
    weak_found: int = 0  # weak labels found, of which at most MAX_WEAK are in sentences
    max_bytes: int = DEFAULT_MAX_BYTES  # size limit the reports were read with


def _quiet(_message: str) -> None:
    pass


#: Runs ``function(path, *args)`` for every path and yields the results in path order
#: (an ``InputError`` may come back as a value). :func:`map_here` runs them in this
#: process; ``topics.cluster`` has one that runs them on a Dask cluster.
Mapper = Callable[[Callable, list[str], tuple], Iterable]


def map_here(function: Callable, paths: list[str], args: tuple) -> Iterator:
    """The :data:`Mapper` of this process: one path after the other."""
    for path in paths:
        yield function(path, *args)


def _results(mapper: Mapper, function: Callable, paths: list[str], args: tuple) -> Iterator:
    for result in mapper(function, paths, args):
        if isinstance(result, InputError):
            raise result
        yield result


@dataclass
class ReportWeakLabels:
    """One report's name, sha256 and units with their weak labels."""

    name: str
    sha256: str
    units: list[tuple[int, str, WeakLabel]]  # (index, text, weak label)


def weak_labels_of_report(path: str, taxonomy: Taxonomy, max_bytes: int) -> ReportWeakLabels:
    """Read and split one report and weak-label its units."""
    name = Path(path).name
    report = read_report(path, max_bytes=max_bytes)
    units = split_units(report.text, name, rejoin=report.rejoin)
    weak = weak_labels(units, taxonomy)
    return ReportWeakLabels(name, file_sha256(path),
                            [(u.index, u.text, w) for u, w in zip(units, weak, strict=True)])


#: Segmenters in this process by fingerprint: tasks that each bring a copy (on a cluster)
#: share one tokenizer instead of building it per task.
_SEGMENTERS: dict[str, Segmenter] = {}


def documents_of_report(path: str, segmenter: Segmenter, max_bytes: int) -> list[list[str]]:
    """The content tokens of every unit of one report (units without any left out)."""
    segmenter = _SEGMENTERS.setdefault(segmenter.fingerprint(), segmenter)
    report = read_report(path, max_bytes=max_bytes)
    texts = [u.text for u in split_units(report.text, Path(path).name, rejoin=report.rejoin)]
    return list(_segmented(texts, segmenter))


def collect_training_data(taxonomy: Taxonomy, label_files: list[str | os.PathLike],
                          reports: list[str | os.PathLike],
                          max_bytes: int = DEFAULT_MAX_BYTES, max_weak: int = MAX_WEAK,
                          seed: int = 0, mapper: Mapper = map_here) -> TrainingData:
    """Hand labels from ``label_files``; weak labels for reports that have none.

    A report counts as hand-labelled when a label file names it (by file name)
    in its ``report`` field. For hand-labelled reports the weak labeller is still
    run, to measure its coverage and agreement with the hand labels. Reports are
    read one at a time (by ``mapper``); of their weak labels at most ``max_weak`` are
    kept (a seeded uniform sample), so memory does not grow with the number of reports.
    """
    sentences: list[LabelledSentence] = []
    inputs: dict[str, str] = {}
    for path in label_files:
        sentences.extend(load_labels(path, taxonomy))
        inputs[str(path)] = file_sha256(path)
    by_report: dict[str, dict[int, str]] = {}
    for s in sentences:
        if s.report and s.index is not None:
            by_report.setdefault(s.report, {})[s.index] = s.label
    weak_pairs: list[tuple[object, str]] = []
    weak_sample: list[tuple[int, LabelledSentence]] = []  # (position in the stream, ...)
    n_weak = 0
    rng = random.Random(seed)
    unlabelled = []
    paths = [str(p) for p in reports]
    for path, report in zip(paths, _results(mapper, weak_labels_of_report, paths,
                                            (taxonomy, max_bytes)), strict=True):
        inputs[path] = report.sha256
        gold = by_report.get(report.name)
        if gold is not None:
            weak_pairs.extend((w, gold[index]) for index, _, w in report.units if index in gold)
            continue
        unlabelled.append(path)
        for index, text, w in report.units:
            if w.label is None:
                continue
            sentence = LabelledSentence(text, w.label, report.name, index, report.name,
                                        f"weak-{w.source}", WEAK_WEIGHT)
            if n_weak < max_weak:
                weak_sample.append((n_weak, sentence))
            elif (slot := rng.randrange(n_weak + 1)) < max_weak:
                weak_sample[slot] = (n_weak, sentence)
            n_weak += 1
    sentences.extend(sentence for _, sentence in sorted(weak_sample, key=lambda p: p[0]))
    if not sentences:
        raise LabelError("no labelled sentences: give --labels files or reports with outlines")
    weak_report = None
    if weak_pairs:
        weak_report = agreement([w for w, _ in weak_pairs], [g for _, g in weak_pairs])
    return TrainingData(sentences, inputs, weak_report, unlabelled, n_weak, max_bytes)


def report_folds(sentences: list[LabelledSentence]) -> list[str]:
    """Groups that can be held out: reports with hand labels (never authored or weak ones)."""
    return sorted({s.group for s in sentences if s.source == "hand"})


def cross_validate(data: TrainingData, taxonomy: Taxonomy, params: dict,
                   segmenter: Segmenter, progress: Progress = _quiet) -> dict:
    """Leave-one-report-out scores of the classifier on hand labels.

    Each fold trains on every other sentence (other reports, authored examples,
    weak labels) and predicts the hand-labelled sentences of one report.
    """
    sentences = data.sentences
    groups = report_folds(sentences)
    if len(groups) < 2:
        return {"folds": 0, "note": "fewer than two hand-labelled reports: no report-split CV"}
    gold, predicted, per_fold = [], [], {}
    for number, group in enumerate(groups, start=1):
        progress(f"cross-validation fold {number}/{len(groups)}: holding out {group}")
        train = [s for s in sentences if s.group != group]
        test = [s for s in sentences if s.group == group and s.source == "hand"]
        model = ThemeClassifier(taxonomy=taxonomy, segmenter=segmenter, **params)
        model.fit([s.text for s in train], [s.label for s in train],
                  sample_weight=[s.weight for s in train])
        fold_pred = list(model.predict([s.text for s in test]))
        fold_gold = [s.label for s in test]
        per_fold[group] = score_predictions(fold_gold, fold_pred, taxonomy.ids)["macro_f1"]
        gold.extend(fold_gold)
        predicted.extend(fold_pred)
    scores = score_predictions(gold, predicted, taxonomy.ids)
    scores.update({"folds": len(groups), "split": "leave-one-report-out",
                   "macro_f1_by_report": per_fold})
    return scores


#: Parameters tried by ``select_params`` (``topics train --select``).
PARAM_GRID = {"C": [2.0, 8.0, 32.0], "cue_weight": [0.5, 1.0, 2.0]}


def select_params(data: TrainingData, taxonomy: Taxonomy, segmenter: Segmenter, seed: int = 0,
                  progress: Progress = _quiet) -> tuple[dict, list[dict]]:
    """Choose classifier parameters by report-split macro-F1 over ``PARAM_GRID``.

    Returns the best parameters and every candidate's scores.
    """
    from sklearn.model_selection import ParameterGrid

    trials = []
    for candidate in ParameterGrid(PARAM_GRID):
        params = dict(candidate, random_state=seed)
        scores = cross_validate(data, taxonomy, params, segmenter)
        if not scores.get("folds"):
            raise LabelError("--select needs hand labels from at least two reports")
        progress(f"parameters {candidate}: macro-F1 {scores['macro_f1']:.3f}")
        trials.append({"params": candidate, "macro_f1": scores["macro_f1"],
                       "accuracy": scores["accuracy"]})
    best = max(trials, key=lambda t: t["macro_f1"])
    return dict(best["params"]), trials


def train_model(taxonomy: Taxonomy, data: TrainingData, seed: int = 0, n_free_topics: int = 3,
                classifier_params: dict | None = None, segmenter: Segmenter | None = None,
                evaluate: bool = True, progress: Progress = _quiet,
                mapper: Mapper = map_here) -> ThemeModel:
    """Fit the classifier and the topic model; record parameters and CV scores.

    ``mapper`` reads and segments the reports without hand labels for the topic model
    (:func:`map_here`: in this process).
    """
    segmenter = segmenter or Segmenter()
    params = dict(classifier_params or {})
    params["random_state"] = seed
    metrics: dict = {}
    if evaluate:
        metrics["classifier_cv"] = cross_validate(data, taxonomy, params, segmenter, progress)
    if data.weak_agreement is not None:
        metrics["weak_labels"] = data.weak_agreement
    progress(f"training the classifier on {len(data.sentences)} sentences")
    classifier = ThemeClassifier(taxonomy=taxonomy, segmenter=segmenter, **params)
    classifier.fit([s.text for s in data.sentences], [s.label for s in data.sentences],
                   sample_weight=[s.weight for s in data.sentences])
    progress("training the topic model")
    topic_model = ThemeTopicModel(taxonomy=taxonomy, n_free_topics=n_free_topics,
                                  random_state=seed).fit(_topic_documents(data, segmenter, mapper))
    metrics["topic_coherence"] = {
        "mean_c_v": _mean(c.get("c_v") for c in topic_model.coherence_),
        "mean_u_mass": _mean(c.get("u_mass") for c in topic_model.coherence_),
    }
    sources: dict[str, int] = {}
    for s in data.sentences:
        sources[s.source] = sources.get(s.source, 0) + 1
    manifest = {
        "seed": seed,
        "classifier": {"params": {k: v for k, v in classifier.get_params().items()
                                  if k not in ("taxonomy", "segmenter")}},
        "segmenter": {"fingerprint": segmenter.fingerprint(), "algorithm": "jieba-precise-hmm",
                      "backend": segmenter.backend_name,
                      "user_dicts": list(segmenter.user_dicts),
                      "stopword_files": list(segmenter.stopword_files)},
        "training": {"inputs": data.inputs, "sentences": len(data.sentences),
                     "by_source": sources, "weak_labels_found": data.weak_found,
                     "topic_model_documents": topic_model.n_documents_,
                     "topic_model_passes": topic_model.passes_},
        "metrics": metrics,
    }
    return ThemeModel(taxonomy, classifier.predictor_, topic_model.inference_, manifest)


def _topic_documents(data: TrainingData, segmenter: Segmenter,
                     mapper: Mapper = map_here) -> Iterator[list[str]]:
    """Token lists for the topic model, streamed.

    First the labelled sentences (each text once), then every unit of every report
    without hand labels, read again one report at a time (by ``mapper``).
    """
    texts = list(dict.fromkeys(s.text for s in data.sentences if not s.source.startswith("weak")))
    yield from _segmented(texts, segmenter)
    for documents in _results(mapper, documents_of_report, data.unlabelled_reports,
                              (segmenter, data.max_bytes)):
        yield from documents


def _segmented(texts: list[str], segmenter: Segmenter) -> Iterator[list[str]]:
    for first in range(0, len(texts), BATCH_UNITS):
        batch = texts[first:first + BATCH_UNITS]
        yield from (d for d in segmenter.content_tokens_many(batch) if d)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None
