"""Training: assemble labelled sentences, cross-validate by report, fit both models."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .classify.context import (
    VIEWS,
    ContextModel,
    combine,
    context_views,
    fit_alone,
    fit_combination,
    heading_positions,
)
from .classify.estimator import ThemeClassifier
from .classify.predictor import decide
from .config import MAX_BYTES, MAX_WEAK, N_TOPICS
from .errors import InputError, LabelError, UsageError, failed, printable
from .evaluate import score_predictions, score_with_confidence
from .fileio import file_sha256
from .labelled_docs import LabelledDocument, load_document_set
from .labels import LabelledSentence, by_report, load_labels
from .pipeline.model import BATCH_UNITS, ThemeModel
from .read.documents import ReportText
from .read.inputs import read_input
from .taxonomy import Taxonomy
from .text.segment import Segmenter
from .text.sentences import Unit, split_units
from .topic.estimator import ThemeTopicModel
from .weak import WeakLabel, agreement, weak_labels

#: Weight of a weak (outline or cue-word) label relative to a hand label.
WEAK_WEIGHT = 0.5

Progress = Callable[[str], None]


@dataclass
class TrainingData:
    """Labelled sentences plus the report texts they came from."""

    sentences: list[LabelledSentence]
    inputs: dict[str, str]  # path -> sha256 of every file read
    weak_agreement: dict | None = None
    unlabelled_reports: list[str] = field(default_factory=list)  # every unit goes to LDA
    weak_found: int = 0  # weak labels found, of which at most MAX_WEAK are in sentences
    max_bytes: int = MAX_BYTES  # size limit the reports were read with
    documents: list[LabelledDocument] = field(default_factory=list)  # for the second stage


def _quiet(_message: str) -> None:
    pass


#: Runs ``function(path, *args)`` for every path and yields the results in path order
#: (an ``InputError`` may come back as a value). :func:`map_here` runs them in this
#: process; ``topics.parallel.cluster`` has one that runs them on a Dask cluster.
Mapper = Callable[[Callable, list[str], tuple], Iterable]


def map_here(function: Callable, paths: list[str], args: tuple) -> Iterator:
    """The :data:`Mapper` of this process: one path after the other."""
    for path in paths:
        yield function(path, *args)


def _results(mapper: Mapper, function: Callable, paths: list[str], args: tuple) -> Iterator:
    for result in mapper(function, paths, args):
        if failed(result):
            raise result
        yield result


def _report_of(path: str, max_bytes: int) -> ReportText:
    """The text of the report file at ``path`` (a ``.jsonl`` file of units is none)."""
    read = read_input(path, None, max_bytes)
    if read.report is None:
        raise InputError(f"{printable(path)}: records of units, not a report (give labelled "
                         f"units with --labels)")
    return read.report


@dataclass
class ReportWeakLabels:
    """One report's name, sha256 and units with their weak labels."""

    name: str
    sha256: str
    units: list[tuple[int, str, WeakLabel]]  # (index, text, weak label)
    headings: list[int | None] = field(default_factory=list)  # each unit's heading index


def weak_labels_of_report(path: str, taxonomy: Taxonomy, max_bytes: int) -> ReportWeakLabels:
    """Read and split one report and weak-label its units."""
    name = Path(path).name
    report = _report_of(path, max_bytes)
    units = split_units(report.text, name, rejoin=report.rejoin, plain_lines=report.plain_lines)
    weak = weak_labels(units, taxonomy)
    return ReportWeakLabels(name, file_sha256(path),
                            [(u.index, u.text, w) for u, w in zip(units, weak, strict=True)],
                            [u.heading for u in units])


#: Segmenters in this process by fingerprint: tasks that each bring a copy (on a cluster)
#: share one tokenizer instead of building it per task.
_SEGMENTERS: dict[str, Segmenter] = {}


def documents_of_report(path: str, segmenter: Segmenter, max_bytes: int
                        ) -> list[tuple[int | None, list[str]]]:
    """``(paragraph number, content tokens)`` of every unit of one report.

    Units without any content tokens are left out.
    """
    segmenter = _SEGMENTERS.setdefault(segmenter.fingerprint(), segmenter)
    report = _report_of(path, max_bytes)
    units = split_units(report.text, Path(path).name, rejoin=report.rejoin,
                        plain_lines=report.plain_lines)
    tokens = _content_tokens([u.text for u in units], segmenter)
    return [(u.paragraph, t) for u, t in zip(units, tokens, strict=True) if t]


def collect_training_data(taxonomy: Taxonomy, label_files: list[str | os.PathLike],
                          reports: list[str | os.PathLike],
                          max_bytes: int = MAX_BYTES, max_weak: int = MAX_WEAK,
                          seed: int = 0, mapper: Mapper = map_here,
                          document_sets: list[tuple[str | os.PathLike, str | os.PathLike]] = (),
                          shipped_by_content: bool = False) -> TrainingData:
    """Hand labels from ``label_files``; weak labels for reports that have none.

    ``document_sets`` are ``(folder, labels file)`` pairs of labelled documents
    (:mod:`topics.labelled_docs`); their labelled units are hand labels, and they and the
    hand-labelled reports are the documents the second stage learns from.

    A report counts as hand-labelled when a label file names it (by file name)
    in its ``report`` field. For hand-labelled reports the weak labeller is still
    run, to measure its coverage and agreement with the hand labels. Reports are
    read one at a time (by ``mapper``); of their weak labels at most ``max_weak`` are
    kept (a seeded uniform sample), so memory does not grow with the number of reports.
    With ``shipped_by_content``, reports that are shipped hand-labelled reports or documents
    (whatever their file names) bring their shipped hand labels (:func:`shipped_labels_of`).
    """
    sentences: list[LabelledSentence] = []
    inputs: dict[str, str] = {}
    for path in label_files:
        sentences.extend(load_labels(path, taxonomy))
        inputs[str(path)] = file_sha256(path)
    documents: list[LabelledDocument] = []
    for folder, labels in document_sets:
        found = load_document_set(folder, labels, taxonomy, Path(labels).parent.name)
        inputs[str(labels)] = file_sha256(labels)
        for doc in found:
            sentences.extend(_hand_sentences(doc))
        documents.extend(found)
    paths = [str(p) for p in reports]
    if shipped_by_content:
        named = {s.report for s in sentences if s.report}
        found, found_documents, whole = shipped_labels_of(paths, taxonomy, named)
        sentences.extend(found)
        documents.extend(found_documents)
        for path in whole:
            inputs[path] = file_sha256(path)
        paths = [p for p in paths if p not in whole]
    labelled = by_report(sentences)
    weak_pairs: list[tuple[object, str]] = []
    weak_sample: list[tuple[int, LabelledSentence]] = []  # (position in the stream, ...)
    n_weak = 0
    rng = random.Random(seed)
    unlabelled = []
    for path, report in zip(paths, _results(mapper, weak_labels_of_report, paths,
                                            (taxonomy, max_bytes)), strict=True):
        inputs[path] = report.sha256
        mine = labelled.get(report.name)
        if mine is not None:
            gold = {index: s.label for index, s in mine.items()}
            weak_pairs.extend((w, gold[index]) for index, _, w in report.units if index in gold)
            units = [Unit(report.name, index, text, 0, 0, heading=heading)
                     for (index, text, _), heading in zip(report.units, report.headings,
                                                           strict=True)]
            documents.append(LabelledDocument(report.name, units,
                                              [gold.get(u.index) for u in units],
                                              corpus="reports"))
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
    _check_themes(sentences, ", ".join(str(p) for p in label_files) or "the reports' weak labels")
    weak_report = None
    if weak_pairs:
        weak_report = agreement([w for w, _ in weak_pairs], [g for _, g in weak_pairs])
    return TrainingData(sentences, inputs, weak_report, unlabelled, n_weak, max_bytes, documents)


def _check_themes(sentences: list[LabelledSentence], source: str) -> None:
    """Raise ``LabelError`` unless the sentences name at least two themes (a classifier's least)."""
    themes = sorted({s.label for s in sentences})
    if len(themes) < 2:
        raise LabelError(f"{source}: every labelled sentence has the theme {themes[0]!r}; "
                         f"training needs sentences of at least two themes")


def shipped_labels_of(paths: list[str], taxonomy: Taxonomy, named: set[str] = frozenset()
                      ) -> tuple[list[LabelledSentence], list[LabelledDocument], set[str]]:
    """The shipped hand labels of the reports at ``paths``, found by content (sha256).

    A report with the content of a shipped seed report gets that report's hand labels under
    its own file name (unless a label file already names it: ``named``); one with the
    content of a shipped labelled document is that document. Returns the hand-labelled
    sentences, the labelled documents, and the paths of the documents (read here whole).
    """
    from dataclasses import replace

    from . import config

    shipped = [*config.seed_paths(), *(doc for folder, _ in config.document_sets()
                                       for doc in Path(folder).glob("*.txt"))]
    sizes = {path.stat().st_size for path in shipped}
    given: dict[str, str] = {}
    for path in paths:
        # each report is opened (one that cannot be fails here), but read only if it has the
        # size of a shipped file: no other can have a shipped file's content
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size in sizes:
                given.setdefault(hashlib.file_digest(handle, "sha256").hexdigest(), path)
    if not given:
        return [], [], set()
    sentences: list[LabelledSentence] = []
    seeds = {seed.name: Path(given[digest]).name for seed in config.seed_paths()
             if (digest := file_sha256(seed)) in given}
    seeds = {shipped: name for shipped, name in seeds.items() if name not in named}
    if seeds:
        for path in config.label_paths():
            sentences.extend(replace(s, report=seeds[s.report], group=seeds[s.report])
                             for s in load_labels(path, taxonomy) if s.report in seeds)
    documents: list[LabelledDocument] = []
    whole: set[str] = set()
    for folder, labels in config.document_sets():
        wanted = {doc.name: given[digest] for doc in sorted(Path(folder).glob("*.txt"))
                  if (digest := file_sha256(doc)) in given}
        if not wanted:
            continue
        for doc in load_document_set(folder, labels, taxonomy, Path(labels).parent.name):
            path = wanted.get(doc.name.rpartition("/")[2])
            if path is not None:
                whole.add(path)
                documents.append(doc)
                sentences.extend(_hand_sentences(doc))
    return sentences, documents, whole


def _hand_sentences(doc: LabelledDocument) -> Iterator[LabelledSentence]:
    """A labelled document's labelled units as hand-labelled sentences (group: the document)."""
    weights = doc.weights or [1.0] * len(doc.units)
    return (LabelledSentence(u.text, g, doc.name, u.index, doc.name, weight=w)
            for u, g, w in zip(doc.units, doc.gold, weights, strict=True) if g)


#: Folds of the document-grouped cross-validation.
N_FOLDS = 5


def report_folds(sentences: list[LabelledSentence]) -> list[str]:
    """Groups that can be held out: reports with hand labels (never authored or weak ones)."""
    return sorted({s.group for s in sentences if s.source == "hand"})


def _fold_of(groups: list[str], seed: int) -> dict[str, int]:
    """Each group's fold: a seeded shuffle dealt round the folds."""
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    n_folds = min(N_FOLDS, len(order))
    return {group: i % n_folds for i, group in enumerate(order)}


@dataclass
class CrossValidated:
    """First-stage probabilities of held-out data, by document-grouped folds.

    ``proba`` and ``gold``: each held-out hand sentence alone; ``documents``: each labelled
    document's units in order, predicted by the fold that held the document out; ``fold``:
    each document's fold. Columns follow ``classes``.
    """

    classes: list[str]
    fold: dict[str, int]
    proba: np.ndarray
    gold: list[str]
    documents: dict[str, np.ndarray]


def fit_first_stage(data: TrainingData, taxonomy: Taxonomy, params: dict,
                    segmenter: Segmenter, held: set[str] = frozenset()) -> ThemeClassifier:
    """The classifier trained on every sentence outside the groups (documents) in ``held``."""
    train = [s for s in data.sentences if s.group not in held]
    model = ThemeClassifier(taxonomy=taxonomy, segmenter=segmenter, **params)
    return model.fit([s.text for s in train], [s.label for s in train],
                     sample_weight=[s.weight for s in train])


def probabilities_in(model: ThemeClassifier, texts: list[str], classes: list[str]
                     ) -> np.ndarray:
    """``model``'s probabilities of ``texts`` in the column order of ``classes``.

    A class the model never saw gets 0 (rows are renormalised).
    """
    order = [list(model.classes_).index(c) if c in model.classes_ else -1 for c in classes]
    proba = model.predict_proba(texts)
    out = np.where(np.array(order) >= 0, proba[:, np.maximum(order, 0)], 0.0)
    return out / out.sum(axis=1, keepdims=True)


def cross_predict(data: TrainingData, taxonomy: Taxonomy, params: dict, segmenter: Segmenter,
                  seed: int = 0, progress: Progress = _quiet) -> CrossValidated | None:
    """Held-out first-stage probabilities, folds grouped by document (report).

    Each fold trains the classifier on every sentence outside its documents (other
    documents, authored examples, weak labels) and predicts its documents. None when fewer
    than two documents carry hand labels.
    """
    sentences = data.sentences
    groups = report_folds(sentences)
    if len(groups) < 2:
        return None
    fold = _fold_of(groups, seed)
    classes = sorted({s.label for s in sentences})
    n_folds = max(fold.values()) + 1
    held_rows: list[np.ndarray] = []
    gold, documents = [], {}
    for number in range(n_folds):
        progress(f"cross-validation fold {number + 1}/{n_folds}")
        held = {g for g, f in fold.items() if f == number}
        test = [s for s in sentences if s.group in held and s.source == "hand"]
        model = fit_first_stage(data, taxonomy, params, segmenter, held)
        held_rows.append(probabilities_in(model, [s.text for s in test], classes))
        gold.extend(s.label for s in test)
        for doc in data.documents:
            if doc.name in held and doc.units:
                documents[doc.name] = probabilities_in(model, [u.text for u in doc.units],
                                                       classes)
    return CrossValidated(classes, fold, np.vstack(held_rows), gold, documents)


def labelled_views(data: TrainingData, probas: dict[str, np.ndarray], classes: list[str]
                   ) -> list[tuple[np.ndarray, int, LabelledDocument]]:
    """``(views, class index, document)`` of each labelled unit of the documents in ``probas``.

    ``probas`` holds a document's first-stage probabilities by name; views are
    :func:`context_views` of the unit in its document.
    """
    rows = []
    for doc in data.documents:
        if doc.name in probas:
            views = context_views(probas[doc.name], heading_positions(doc.units))
            rows.extend((views[i], classes.index(label), doc)
                        for i, label in enumerate(doc.gold) if label in classes)
    return rows


def first_stage_threshold(params: dict) -> float:
    """The classifier's fallback threshold: its ``threshold`` parameter or its default."""
    return params.get("threshold", ThemeClassifier().threshold)


#: Fallback thresholds tried by cross-validation.
THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4)


def _decide(proba: np.ndarray, classes: list[str], fallback: str, threshold: float) -> list[str]:
    return [str(label) for label in decide(proba, classes, fallback, threshold)]


def score_probabilities(gold: list[str], proba: np.ndarray, classes: list[str],
                        taxonomy: Taxonomy, threshold: float,
                        strata: list[str] | None = None) -> dict:
    """Scores and calibration error of the themes ``proba`` decides (``strata``: by genre)."""
    predicted = _decide(proba, classes, taxonomy.fallback, threshold)
    index = {c: i for i, c in enumerate(classes)}
    confidence = [proba[i, index[p]] if p in index else 0.0 for i, p in enumerate(predicted)]
    scores = score_with_confidence(gold, predicted, confidence, taxonomy.ids)
    if strata is not None:
        scores["by_genre"] = {}
        for stratum in sorted(set(strata)):
            rows = [i for i, s in enumerate(strata) if s == stratum]
            part = score_predictions([gold[i] for i in rows], [predicted[i] for i in rows],
                                     taxonomy.ids)
            scores["by_genre"][stratum] = {"n": part["n"], "macro_f1": part["macro_f1"],
                                           "accuracy": part["accuracy"]}
    return scores


def calibrating_rows(rows: list) -> np.ndarray:
    """Which :func:`labelled_views` rows calibrate units alone: those of real documents.

    Documents written to train the model (``source`` "written": the shipped ``written`` and
    ``written7`` sets) are easier than real text (their units alone score ~0.89 out of fold
    against ~0.78), so they count in the biases of units alone but not in their temperature
    (:func:`~topics.classify.context.fit_alone`).
    """
    return np.array([doc.source != "written" for _, _, doc in rows], dtype=bool)


def nested_second_stage(views: np.ndarray, y: np.ndarray, folds: np.ndarray,
                        calibrating: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Held-out second-stage probabilities, alone and in context, of labelled units.

    ``views`` are the units' :func:`context_views`, ``y`` their class indexes and ``folds``
    their documents' folds; each fold's units are combined by weights fitted on the other
    folds only (``calibrating``: see :func:`fit_alone`).
    """
    in_context = np.zeros((len(y), views.shape[2]))
    alone = np.zeros_like(in_context)
    for number in sorted(set(folds.tolist())):
        inside = folds == number
        weights, bias = fit_combination(views[~inside], y[~inside])
        in_context[inside] = combine(views[inside], weights, bias)
        weights, bias = fit_alone(views[~inside][:, 0], y[~inside], calibrating[~inside])
        alone[inside] = combine(views[inside][:, :1], weights, bias)
    return alone, in_context


def fit_context(data: TrainingData, taxonomy: Taxonomy, cv: CrossValidated | None,
                threshold: float) -> tuple[ContextModel, dict]:
    """The second stage, fitted on held-out first-stage scores; its cross-validated scores.

    The scores are nested: each fold's units are combined by weights fitted on the other
    folds' documents only. Without labelled documents the second stage passes the first
    stage's probabilities through unchanged.
    """
    classes = cv.classes if cv is not None else sorted({s.label for s in data.sentences})
    identity = {"weights": np.eye(1, len(VIEWS))[0], "bias": np.zeros(len(classes)),
                "alone_weights": np.ones(1), "alone_bias": np.zeros(len(classes))}
    meta = {"classes": classes, "threshold": threshold, "fitted": False}
    rows = labelled_views(data, cv.documents, classes) if cv is not None else []
    if len(rows) < 50 or len({cv.fold[doc.name] for _, _, doc in rows}) < 2:
        return ContextModel(meta, identity), {}
    views = np.stack([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    folds = np.array([cv.fold[doc.name] for _, _, doc in rows])
    calibrating = calibrating_rows(rows)
    alone, in_context = nested_second_stage(views, y, folds, calibrating)
    gold = [classes[i] for i in y]
    genres = [doc.genre or doc.corpus or "reports" for _, _, doc in rows]

    def macro(threshold: float) -> float:
        return score_predictions(gold, _decide(in_context, classes, taxonomy.fallback,
                                               threshold), taxonomy.ids)["macro_f1"]

    chosen = max(THRESHOLDS, key=lambda t: (macro(t), -t))
    weights, bias = fit_combination(views, y)
    alone_weights, alone_bias = fit_alone(views[:, 0], y, calibrating)
    meta = {"classes": classes, "threshold": chosen, "fitted": True,
            "views": list(VIEWS),
            "documents": len(cv.documents), "units": len(rows)}
    arrays = {"weights": weights, "bias": bias, "alone_weights": alone_weights,
              "alone_bias": alone_bias}
    first_stage = np.stack([np.exp(v[0]) for v in views])
    metrics = {
        "split": f"{N_FOLDS}-fold cross-validation grouped by document (nested for the "
                 f"second stage)",
        "documents": len(cv.documents), "threshold": chosen,
        "in_context": score_probabilities(gold, in_context, classes, taxonomy, chosen, genres),
        "alone": score_probabilities(gold, alone, classes, taxonomy, chosen, genres),
        "first_stage_uncalibrated": score_probabilities(
            gold, first_stage / first_stage.sum(1)[:, None], classes, taxonomy,
            first_stage_threshold({})),
    }
    return ContextModel(meta, arrays), metrics


def cross_validate(data: TrainingData, taxonomy: Taxonomy, params: dict,
                   segmenter: Segmenter, progress: Progress = _quiet,
                   cv: CrossValidated | None = None) -> dict:
    """Scores of the first stage on held-out hand labels, each sentence alone.

    Folds are grouped by document: no document has sentences on both sides.
    """
    if cv is None:
        cv = cross_predict(data, taxonomy, params, segmenter, progress=progress)
    if cv is None:
        return {"folds": 0, "note": "fewer than two hand-labelled reports: no report-split CV"}
    predicted = _decide(cv.proba, cv.classes, taxonomy.fallback,
                        first_stage_threshold(params))
    scores = score_predictions(cv.gold, predicted, taxonomy.ids)
    scores.update({"folds": max(cv.fold.values()) + 1, "documents": len(cv.fold),
                   "split": "document-grouped"})
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


#: Metrics that come from cross-validation (kept in a :func:`cross_validated_record`).
CV_METRICS = ("classifier_cv", "context_cv")


def cross_validated_record(context: ContextModel, metrics: dict) -> dict:
    """What cross-validation gave a model: its second stage and its CV scores.

    Plain JSON (floats written by ``json`` round-trip exactly): :func:`train_model` given it
    as ``recorded`` fits the same model without cross-validating again.
    """
    meta, arrays = context.to_state()
    return {"second_stage": {"meta": meta,
                             "arrays": {k: v.tolist() for k, v in arrays.items()}},
            "metrics": {k: metrics[k] for k in CV_METRICS if k in metrics}}


def fit_cross_validated(data: TrainingData, taxonomy: Taxonomy, params: dict,
                        segmenter: Segmenter, seed: int = 0, evaluate: bool = True,
                        progress: Progress = _quiet) -> tuple[ContextModel, dict]:
    """The second stage, fitted on cross-validated first-stage scores, and the CV scores."""
    metrics: dict = {}
    cv = cross_predict(data, taxonomy, params, segmenter, seed, progress)
    if evaluate:
        metrics["classifier_cv"] = cross_validate(data, taxonomy, params, segmenter, cv=cv)
    progress("fitting the second stage (context and calibration)")
    context, context_metrics = fit_context(data, taxonomy, cv, first_stage_threshold(params))
    if context_metrics:
        metrics["context_cv"] = context_metrics
    return context, metrics


def train_model(taxonomy: Taxonomy, data: TrainingData, seed: int = 0, n_free_topics: int = 0,
                classifier_params: dict | None = None, segmenter: Segmenter | None = None,
                evaluate: bool = True, progress: Progress = _quiet,
                mapper: Mapper = map_here, recorded: dict | None = None) -> ThemeModel:
    """Fit the classifier and the topic model; record parameters and CV scores.

    ``mapper`` reads and segments the reports without hand labels for the topic model
    (:func:`map_here`: in this process). ``recorded`` (a :func:`cross_validated_record` of
    a model trained on the same data with the same parameters) skips cross-validation: its
    second stage and scores are used as they are.
    """
    if not data.sentences:
        raise LabelError("no labelled sentences to train on")
    _check_themes(data.sentences, "the training data")
    segmenter = segmenter or Segmenter()
    params = dict(classifier_params or {})
    params["random_state"] = seed
    if recorded is not None:
        stage = recorded["second_stage"]
        context = ContextModel(stage["meta"], {k: np.asarray(v, dtype=np.float64)
                                               for k, v in stage["arrays"].items()})
        metrics = {k: v for k, v in recorded["metrics"].items()
                   if evaluate or k != "classifier_cv"}
        metrics["recorded"] = "cross-validated scores and second stage recorded at release"
    else:
        context, metrics = fit_cross_validated(data, taxonomy, params, segmenter, seed,
                                               evaluate, progress)
    if data.weak_agreement is not None:
        metrics["weak_labels"] = data.weak_agreement
    topic_job = (_TopicJob(taxonomy, n_free_topics, seed, data, segmenter)
                 if mapper is map_here else None)
    progress(f"training the classifier on {len(data.sentences)} sentences"
             + (" (and the topic model beside it)" if topic_job and topic_job.apart else ""))
    classifier = ThemeClassifier(taxonomy=taxonomy, segmenter=segmenter, **params)
    classifier.fit([s.text for s in data.sentences], [s.label for s in data.sentences],
                   sample_weight=[s.weight for s in data.sentences],
                   documents=[s.group or s.report for s in data.sentences])
    progress("training the topic model")
    topic_model = (topic_job.result() if topic_job else
                   _fit_topic_model(taxonomy, n_free_topics, seed, data, segmenter, mapper))
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
    if context.classes != [str(c) for c in classifier.classes_]:
        raise LabelError("the cross-validation folds saw other themes than the final classifier")
    return ThemeModel(taxonomy, classifier.predictor_, topic_model.inference_, manifest,
                      context=context)


@dataclass
class Trained:
    """What :func:`train_to` made: the model (saved), its training data and report count."""

    model: ThemeModel
    data: TrainingData
    n_reports: int  # report files read (the shipped seeds by default)


def training_inputs(reports: list[str], label_files: Iterable[str], command: str
                    ) -> tuple[list[str], list[str], list]:
    """The report files, label files and document sets that ``command`` trains on.

    With no ``reports`` and no ``label_files``: the shipped seed reports, hand labels,
    authored examples and labelled documents. Else the reports (folders expanded; an
    unreadable one, or stdin, stops it with its ``InputError``) and the label files given.
    """
    from . import config
    from .read.files import expand_inputs

    label_files = [str(p) for p in label_files]
    if not reports and not label_files:
        return ([str(p) for p in config.seed_paths()], [str(p) for p in config.label_paths()],
                config.document_sets())
    paths = []
    for item in expand_inputs(reports):
        if failed(item):
            raise item
        if item == "-":
            raise InputError(f"-: {command} reads report files, not stdin")
        paths.append(item)
    return paths, label_files, []


def train_to(out: str | os.PathLike, reports: Iterable[str] = (),
             label_files: Iterable[str] = (), *, taxonomy: str | os.PathLike | None = None,
             n_topics: int = N_TOPICS, seed: int = 0, evaluate: bool = True,
             select: bool = False, user_dicts: Iterable[str] = (),
             stopwords: Iterable[str] = (), max_weak: int = MAX_WEAK,
             max_bytes: int = MAX_BYTES, scheduler=None, progress: Progress = _quiet,
             on_data: Callable[[TrainingData, int], None] = lambda _data, _n: None,
             wait: Progress = _quiet, cluster_log_level: int = logging.ERROR) -> Trained:
    """Train a model on report files and label files and save it to the folder ``out``.

    The one library call of ``topics train``. With no ``reports`` and no ``label_files``
    the shipped seed reports, hand labels, authored examples and labelled documents are
    used. ``out`` is checked before any work (``ModelError``); reports are read, split and
    weak-labelled on a Dask cluster when ``scheduler`` is given (the model is the same).
    ``on_data`` hears the training data and the number of reports once they are read;
    ``wait`` hears why saving waits for another writer.
    """
    from . import config
    from .bundle import check_target, save_model
    from .taxonomy import load_taxonomy

    check_target(out)  # before minutes of work, not after
    tax = load_taxonomy(taxonomy or config.taxonomy_path())
    tied = sum(1 for t in tax.themes if t.cues)
    if n_topics < tied:
        raise UsageError(f"--topics {n_topics}: fewer than the {tied} themes with cue words, "
                         f"each of which has a topic; give at least {tied}")
    reports = list(reports)
    paths, label_files, document_sets = training_inputs(reports, label_files, "train")
    with contextlib.ExitStack() as cluster:
        mapper = map_here
        if scheduler:
            from .parallel.cluster import cluster_mapper, connect

            client = cluster.enter_context(connect(scheduler, cluster_log_level, progress))
            mapper = cluster_mapper(client, max_bytes)
        progress(f"reading {len(paths)} reports")
        data = collect_training_data(tax, label_files, paths, max_bytes, max_weak, seed,
                                     mapper, document_sets, shipped_by_content=bool(reports))
        on_data(data, len(paths))
        segmenter = Segmenter(tuple(user_dicts), tuple(stopwords))
        params, trials = {}, None
        if select:
            params, trials = select_params(data, tax, segmenter, seed, progress)
            progress(f"chosen: {params}")
        model = train_model(tax, data, seed=seed, n_free_topics=max(0, n_topics - tied),
                            classifier_params=params, segmenter=segmenter,
                            evaluate=evaluate, progress=progress, mapper=mapper)
    if trials:
        model.manifest["classifier"]["selection"] = {"split": "leave-one-report-out",
                                                     "trials": trials}
    save_model(model, out, wait=wait)
    return Trained(model, data, len(paths))


def _fit_topic_model(taxonomy: Taxonomy, n_free_topics: int, seed: int, data: TrainingData,
                     segmenter: Segmenter, mapper: Mapper = map_here) -> ThemeTopicModel:
    import itertools

    # read in step by the fit, so the copies of the stream stay one document apart
    documents, genres, years = itertools.tee(
        _topic_documents(data, segmenter, mapper), 3)
    return ThemeTopicModel(taxonomy=taxonomy, n_free_topics=n_free_topics,
                           random_state=seed).fit((d for d, _, _ in documents),
                                                  genres=(g for _, g, _ in genres),
                                                  years=(y for _, _, y in years))


class _TopicJob:
    """The topic model fitted in a child process while this one fits the classifier.

    Only where ``fork`` is available and there is more than one core; otherwise (and if the
    child cannot start, or dies before it sends its model) it is fitted here when
    :meth:`result` is asked for. The two fits share no state and each is seeded, so the
    model is the same either way. The child does one job and exits: it never waits for
    work, so a parent killed outright leaves no process behind (the child's send fails on
    the closed pipe, or it is a daemon ended with a parent that exits).
    """

    def __init__(self, *args):
        import multiprocessing

        self._args, self._process, self._receive = args, None, None
        if (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            try:
                receive, send = context.Pipe(duplex=False)
                self._process = context.Process(target=_send_topic_model,
                                                args=(receive, send, args), daemon=True)
                self._process.start()
            except OSError:
                self._process = None
            else:
                send.close()  # only the child writes: its end closes when it exits
                self._receive = receive

    @property
    def apart(self) -> bool:
        return self._process is not None

    def result(self) -> ThemeTopicModel:
        if self._process is None:
            return _fit_topic_model(*self._args)
        try:
            ok, value = self._receive.recv()
        except EOFError:  # the child died before sending: fit it here
            return _fit_topic_model(*self._args)
        finally:
            self._receive.close()
            self._process.join()
        if not ok:
            raise value
        return value


def _send_topic_model(receive, send, args) -> None:
    """In the child: fit the topic model and send it (or the exception) to the parent."""
    receive.close()  # the parent's end: held here too, a dead parent would never be noticed
    try:
        message = (True, _fit_topic_model(*args))
    except Exception as error:  # raised again in the parent
        message = (False, error)
    try:
        send.send(message)
    except Exception:  # the parent is gone (or the error does not pickle): it fits the model
        pass
    finally:
        send.close()


def _topic_documents(data: TrainingData, segmenter: Segmenter, mapper: Mapper = map_here
                     ) -> Iterator[tuple[list[str], str | None, int | None]]:
    """``(tokens, genre, year)`` for the topic model, streamed: paragraphs of units.

    Every labelled document (shipped document sets, hand-labelled reports) and every report
    without hand labels (read again one at a time, by ``mapper``) gives its paragraphs in
    order (:func:`~topics.topic.corpus.paragraphs`: windows of
    :data:`~topics.topic.corpus.WINDOW_UNITS` units where no paragraph is known); labelled
    sentences of no
    document (authored examples, label files without their reports) stay one each.
    Each comes with a labelled document's genre (hand-labelled reports: ``reports``) and
    year, None for the others (see ``ThemeTopicModel``'s ``genre_share`` and ``min_years``).
    """
    from .topic.corpus import paragraphs

    def tagged(documents, genre, year=None):
        return ((d, genre, year) for d in documents)

    in_documents = {doc.name for doc in data.documents}
    lone = dict.fromkeys(s.text for s in data.sentences
                         if not s.source.startswith("weak") and s.group not in in_documents)
    yield from tagged(_segmented(list(lone), segmenter), None)
    for doc in data.documents:
        texts = [u.text for u in doc.units]
        yield from tagged(paragraphs(segmenter.content_tokens_many(texts),
                                     [u.paragraph for u in doc.units]),
                          doc.genre or doc.corpus or "reports", doc.year)
    for units in _results(mapper, documents_of_report, data.unlabelled_reports,
                          (segmenter, data.max_bytes)):
        yield from tagged(paragraphs([t for _, t in units], [n for n, _ in units]), None)


def _content_tokens(texts: list[str], segmenter: Segmenter) -> Iterator[list[str]]:
    """The content tokens of each text (empty lists too), segmented ``BATCH_UNITS`` at a time."""
    for first in range(0, len(texts), BATCH_UNITS):
        yield from segmenter.content_tokens_many(texts[first:first + BATCH_UNITS])


def _segmented(texts: list[str], segmenter: Segmenter) -> Iterator[list[str]]:
    """The texts' non-empty content-token lists."""
    return (tokens for tokens in _content_tokens(texts, segmenter) if tokens)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def select_n_topics(taxonomy: Taxonomy, data: TrainingData, ks: list[int],
                    segmenter: Segmenter | None = None, n_seeds: int | None = None,
                    mapper: Mapper = map_here, progress: Progress = _quiet):
    """Try each number of topics in ``ks`` on the topic model's documents of ``data``.

    Returns the chosen :class:`~topics.topic.select.KScore` and every k's scores (coherence
    over the training documents, stability across seeds, themes owning a topic); see
    :func:`topics.topic.select.select_k` for the measures and the rule.
    """
    from .topic.select import N_SEEDS, select_k

    segmenter = segmenter or Segmenter()
    progress("reading and segmenting the topic model's documents")
    tagged = list(_topic_documents(data, segmenter, mapper))
    documents = [d for d, _, _ in tagged]
    progress(f"{len(documents)} documents; fitting {n_seeds or N_SEEDS} models per k")
    return select_k(documents, taxonomy, ks, n_seeds=n_seeds or N_SEEDS, progress=progress,
                    genres=[g for _, g, _ in tagged], years=[y for _, _, y in tagged])
