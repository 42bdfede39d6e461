"""Retrain from the review: the model the review opened with, adapted to the analyst's labels.

**Retrain** (:class:`Retrainer`) does not train a model again from the shipped data: it adapts
the model the review opened with (:func:`adapted_model`). Its classifier keeps its features
(vocabularies, idf) and learns, from the reviewed units alone, a change of its weights held to
it by an L2 penalty (:func:`adapted_classifier`); its second stage (context, calibration) and
topic model are kept. That takes seconds, is converged (the same labels give the same model),
and needs neither the shipped data nor its cross-validation; a refit of the shipped data
with the corrections at weight 1 took minutes and did no better on validation
(``bench/REVIEW_LOOP.md``). Every retraining adapts the first model to
every label in the file, so retraining after a switch does not adapt an adaptation.

The new model is saved beside the labels file (``models/review-TIME``) and the reports are
labelled with it, so that the page can show, before anyone switches:

- scores on the same test before and after (:func:`held_out_scores`): the reviewed units,
  each report labelled in context by the first model and by the model adapted to the *other*
  reports' labels (none with reviewed units in fewer than two reports);
- how many of the reviewed units each model labels as the analyst did (the new model was
  trained on them: that count says it learnt them, not that it generalises).

The old model stays in use until :meth:`Retrainer.switch`; :meth:`Retrainer.keep` forgets
the new one (its folder stays on disk).

``topics train --labels reviewed.jsonl REPORT…`` is a full refit instead (without the
shipped labels); ``bench/review_refit.py`` holds the refit with the shipped data that
``bench/review_loop.py --weight`` compares the adaptation with.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..classify.predictor import ThemePredictor
from ..config import MAX_BYTES
from ..errors import InputError, TopicsError, UsageError
from ..labelled_docs import LabelledDocument
from ..labels import LabelledSentence, by_report
from ..pipeline.model import ThemeModel
from ..train import TrainingData
from .session import Report, ReviewSession, relabel

#: A function that trains a model from a labels file, telling its progress.
Trainer = Callable[[Path, Callable[[str], None]], ThemeModel]


#: How strongly an adaptation is held to the model it adapts (the L2 penalty on the change of
#: its coefficients, per reviewed unit of weight 1): chosen on validation parts of the
#: development set's pools, never on its test halves (``bench/REVIEW_LOOP.md``).
ADAPT_L2 = 1.0


def adapted_classifier(classifier: ThemePredictor, texts: list[str], labels: list[str],
                       l2: float = ADAPT_L2, intercept: bool = False,
                       balanced: bool = False) -> ThemePredictor:
    """``classifier`` adapted to the analyst's labelled ``texts``: the same features, new weights.

    A multinomial logistic regression is fitted on the labelled texts alone with the
    classifier's own scores as a fixed offset: it learns only the change of the weights,
    ``coef + W``, with an L2 penalty ``l2 / 2 * |W|²`` that holds it to the classifier (a
    feature no labelled text has keeps its weights; the intercepts are kept). The features are the
    classifier's (its vocabularies and idf), so the coefficients line up and the result is
    a classifier of the same kind, labelling as fast. The objective is strictly convex and
    solved to convergence (L-BFGS, tight tolerances): the same labels give the same model.
    A label the classifier has no class for is left out.

    ``intercept``: let the intercepts change too (``+ b``, penalised alike); ``balanced``:
    weigh the reviewed units inversely to their theme's share. Neither by default: on
    validation, adapted intercepts learnt the reviewed sample's theme shares rather than
    its texts and cost 0.02-0.04 macro-F1; balanced weights changed little, not for the
    better (``bench/REVIEW_LOOP.md``).
    """
    from scipy.optimize import minimize

    from ..text.simplify import to_simplified_many

    classes = [str(c) for c in classifier.classes_]
    keep = [k for k, label in enumerate(labels) if label in classes]
    if not keep:
        return classifier
    y = np.array([classes.index(labels[k]) for k in keep])
    features = classifier.features(to_simplified_many([texts[k] for k in keep])).tocsr()
    offset = np.asarray(features @ classifier.coef_.T) + classifier.intercept_
    columns = np.unique(features.indices)
    x = features[:, columns].astype(np.float64).tocsr()
    n, m, c = x.shape[0], len(columns), len(classes)
    rows = np.arange(n)
    counts = np.bincount(y, minlength=c)
    weight = n / (len(set(y)) * counts[y]) if balanced else np.ones(n)
    free = np.r_[np.ones(c * m), np.full(c, float(intercept))]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:c * m].reshape(c, m), theta[c * m:]
        z = offset + np.asarray(x @ w.T) + b
        z -= z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1))
        value = (weight * (log_norm - z[rows, y])).sum() + 0.5 * l2 * (theta @ theta)
        grad = np.exp(z - log_norm[:, None])
        grad[rows, y] -= 1.0
        grad *= weight[:, None]
        full = np.concatenate([np.asarray(x.T @ grad).T.ravel(), grad.sum(axis=0)])
        return value, (full + l2 * theta) * free

    theta = minimize(loss, np.zeros(c * m + c), jac=True, method="L-BFGS-B",
                     options={"maxiter": 10000, "ftol": 1e-12, "gtol": 1e-9}).x
    meta, arrays = classifier.to_state()
    coef = np.array(arrays["coef"], dtype=np.float64)
    coef[:, columns] += theta[:c * m].reshape(c, m)
    arrays = dict(arrays, coef=coef, intercept=arrays["intercept"] + theta[c * m:])
    return ThemePredictor(meta, arrays, classifier.taxonomy, classifier.segmenter)


def adapted_model(base: ThemeModel, corrections: list[LabelledSentence],
                  l2: float = ADAPT_L2, **options) -> ThemeModel:
    """``base`` with its classifier adapted to ``corrections`` (its second stage, topics kept).

    ``options`` go to :func:`adapted_classifier` (``intercept``, ``balanced``: the variants
    ``bench/review_loop.py`` measured).
    """
    classifier = adapted_classifier(base.classifier, [s.text for s in corrections],
                                    [s.label for s in corrections], l2, **options)
    manifest = {k: v for k, v in base.manifest.items()
                if k not in ("metrics", "name", "data_fingerprint", "code_fingerprint")}
    manifest.update(name="review", metrics={}, adapted={
        "from": base.manifest.get("name") or str(base.path or ""),
        "from_metrics": base.manifest.get("metrics", {}), "l2": l2,
        "reviewed_units": len(corrections), **options})
    return dataclasses.replace(base, classifier=classifier, manifest=manifest, path=None)


def held_out_scores(base: ThemeModel, corrections: list[LabelledSentence],
                    documents: list[LabelledDocument], l2: float = ADAPT_L2,
                    folds: int = 5) -> dict | None:
    """The base model's and the adaptation's scores on reviewed units it never learnt from.

    The reviewed ``documents`` (reports with their reviewed units labelled) are dealt round
    ``folds`` folds in name order; each fold's reports are labelled in context by ``base``
    adapted to the corrections of every *other* report, and by ``base`` itself: the two are
    scored on the same units (accuracy, macro-F1). None with fewer than two reports.
    """
    from ..evaluate import score_predictions

    documents = sorted(documents, key=lambda d: d.name)
    if len(documents) < 2:
        return None
    folds = min(folds, len(documents))
    ids = base.taxonomy.ids
    gold, before, after = [], [], []
    for fold in range(folds):
        held = documents[fold::folds]
        names = {d.name.removeprefix("reviewed/") for d in held}
        model = adapted_model(base, [s for s in corrections if s.report not in names], l2)
        inputs = [(d.units, None, True) for d in held]
        for doc, old, new in zip(held, base.label_units_many(inputs, n_evidence=None,
                                                              topics=False),
                                 model.label_units_many(inputs, n_evidence=None, topics=False),
                                 strict=True):
            for truth, a, b in zip(doc.gold, old.columns.themes, new.columns.themes,
                                   strict=True):
                if truth is not None:
                    gold.append(truth)
                    before.append(str(a))
                    after.append(str(b))
    how = f"reviewed units, each report held out ({len(documents)} reports, {folds} folds)"
    return {"before": dict(score_predictions(gold, before, ids), how=how),
            "after": dict(score_predictions(gold, after, ids), how=how)}


def reviewed_documents(reports: list[tuple[str, str]], corrections: list[LabelledSentence],
                       encoding: str | None = None, max_bytes: int = MAX_BYTES
                       ) -> list[LabelledDocument]:
    """The reviewed reports as labelled documents: every unit, the reviewed ones labelled.

    ``reports`` are ``(name, path)`` pairs, as the review names them; a unit is labelled
    when a correction names its report and index and has its text (a report changed since
    it was reviewed keeps only the units that still match). Reports without a reviewed
    unit, that cannot be read again, or ``.jsonl`` files of units that are not one report's,
    are left out.
    """
    from ..pipeline.inputs import load_input

    labels = by_report(corrections)
    documents = []
    for name, path in reports:
        mine = labels.get(name)
        if not mine:
            continue
        try:
            read = load_input(path, encoding, max_bytes)
        except InputError:
            continue
        units = read.units
        if not read.in_context or len({u.report for u in units}) != 1:
            continue  # units of no report, or of several: no one report's context
        gold = [mine[u.index].label if u.index in mine and mine[u.index].text in (
            u.shown, u.text) else None for u in units]
        if any(gold):
            documents.append(LabelledDocument(f"reviewed/{name}", units, gold,
                                              corpus="reviewed"))
    return documents


def with_corrections(data: TrainingData, corrections: list[LabelledSentence]) -> TrainingData:
    """``data`` with the analyst's labelled sentences, which replace any of the same text."""
    texts = {s.text for s in corrections}
    return dataclasses.replace(
        data, sentences=[s for s in data.sentences if s.text not in texts] + list(corrections))


def scores(model: ThemeModel) -> dict | None:
    """The cross-validated accuracy and macro-F1 in a model's manifest (in context if any)."""
    metrics = model.manifest.get("metrics", {})
    context = metrics.get("context_cv")
    if context:
        part, how = context["in_context"], "in context"
    elif metrics.get("classifier_cv", {}).get("folds"):
        part, how = metrics["classifier_cv"], "classifier alone"
    else:
        return None
    return {"accuracy": part["accuracy"], "macro_f1": part["macro_f1"], "how": how}


def before_after(old: ThemeModel, new: ThemeModel) -> tuple[dict | None, dict | None]:
    """The scores the page compares: on the same test, or None.

    An adaptation's are its held-out scores on the reviewed units (the first model's and
    its own, see :func:`held_out_scores`); a model trained otherwise, the cross-validated
    scores of both manifests (:func:`scores`).
    """
    held_out = new.manifest.get("metrics", {}).get("review_cv")
    if held_out:
        return tuple({"accuracy": held_out[k]["accuracy"], "macro_f1": held_out[k]["macro_f1"],
                      "how": held_out[k]["how"]} for k in ("before", "after"))
    if new.manifest.get("adapted"):
        return None, None  # reviewed units in fewer than two reports: nothing held out
    return scores(old), scores(new)


def agreement(session: ReviewSession, reports: list[Report]) -> int:
    """How many reviewed units ``reports``' labels give the analyst's label."""
    right = 0
    for report in reports:
        for result in report.results:
            record = session.reviewed(report, result)
            right += record is not None and record["label"] == result.theme
    return right


class Retrainer:
    """One retraining at a time for a review, and its outcome until the analyst decides."""

    def __init__(self, session: ReviewSession, train: Trainer | None = None,
                 l2: float = ADAPT_L2):
        self.session = session
        self.base = session.model  # what every retraining adapts: the model the review opened
        self.l2 = l2
        self._train = train or self.adapt
        self.models_dir = session.store.path.parent / "models"
        self._lock = threading.Lock()
        self._state: dict = {"state": "idle"}
        self._new: tuple[ThemeModel, list[Report]] | None = None
        self._thread: threading.Thread | None = None

    def adapt(self, labels: Path, progress: Callable[[str], None]) -> ThemeModel:
        """:func:`adapted_model` of the review's first model to every label in ``labels``.

        Its manifest's ``metrics["review_cv"]`` holds :func:`held_out_scores`: the first
        model's and the adaptation's scores on the reviewed units, each report held out.
        """
        from ..labels import load_labels

        session = self.session
        corrections = load_labels(labels, self.base.taxonomy)
        progress(f"adapting the model to {len(corrections)} reviewed units")
        model = adapted_model(self.base, corrections, self.l2)
        progress("scoring the reviewed units, each report held out")
        documents = reviewed_documents([(r.name, r.path) for r in session.reports if r.path],
                                       corrections, session.encoding, session.max_bytes)
        held_out = held_out_scores(self.base, corrections, documents, self.l2)
        if held_out:
            model.manifest["metrics"]["review_cv"] = held_out
        model.manifest["reviewed_labels"] = str(labels)
        return model

    def status(self) -> dict:
        """What the page shows: idle, running (with its steps), done (scores), failed."""
        with self._lock:
            state = dict(self._state)
        if state["state"] == "running":
            state["elapsed"] = round(time.monotonic() - state.pop("started"), 1)
        return state

    def start(self) -> dict:
        """Start retraining in the background (one at a time; not while a result waits)."""
        with self._lock:
            if self._state["state"] == "running":
                raise UsageError("a retraining is already running")
            if self._state["state"] == "done":
                raise UsageError("switch to the new model or keep the old one first")
            if not self.session.store.records:
                raise UsageError("nothing reviewed yet: label some units first")
            self._state = {"state": "running", "steps": [], "started": time.monotonic()}
            self._thread = threading.Thread(target=self._run, name="topics-retrain",
                                            daemon=True)
            self._thread.start()
        return self.status()

    def _step(self, message: str) -> None:
        with self._lock:
            self._state.setdefault("steps", []).append(message)
            del self._state["steps"][:-8]

    def _run(self) -> None:
        session = self.session
        started = time.monotonic()
        try:
            model = self._train(session.store.path, self._step)
            folder = stamped = self.models_dir / f"review-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            for number in range(2, 1000):  # two retrainings in one second: never the same
                if not folder.exists():
                    break
                folder = stamped.with_name(f"{stamped.name}-{number}")
            self._step(f"saving the new model in {folder}")
            from ..bundle import save_model

            save_model(model, folder)
            model.path = folder
            self._step("labelling the reports with the new model")
            reports = relabel(model, session.reports, session.encoding, session.max_bytes)
            before, after = before_after(session.model, model)
            result = {"state": "done", "model": str(folder),
                      "seconds": round(time.monotonic() - started, 1),
                      "before": before, "after": after,
                      "reviewed": session.progress()["reviewed"],
                      "right_before": agreement(session, session.reports),
                      "right_after": agreement(session, reports)}
            with self._lock:
                self._new = (model, reports)
                self._state = result
        except Exception as exc:  # the page must hear of any failure, bug or not
            message = str(exc) if isinstance(exc, TopicsError) else f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._state = {"state": "failed", "error": message}

    def switch(self) -> None:
        """Use the new model from now on (the old one's folder is untouched)."""
        with self._lock:
            if self._new is None:
                raise UsageError("no new model to switch to")
            model, reports = self._new
            self.session.use(model, reports)
            self._new, self._state = None, {"state": "idle", "switched": str(model.path)}

    def keep(self) -> None:
        """Keep the old model; forget the new one."""
        with self._lock:
            self._new = None
            if self._state["state"] != "running":
                self._state = {"state": "idle"}
