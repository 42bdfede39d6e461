"""Trials of richer second stages on the shipped first stage's held-out scores.

Run:  python bench/second_stage_trials.py [TRIAL ...]   (default: every trial)

The first stage's probabilities are those of ``bench/accuracy.py``: split 1, 5-fold
cross-validation grouped by document over every labelled document (its folds, seed 0), and
split 2, the first stage fitted without the development set. Each trial fits a second
stage on the training units' views (``context_views``) and scores the held-out units,
nested as ``topics.train.nested_second_stage`` is (split 1: each fold's units by a second
stage fitted on the other folds; split 2: fitted on every unit outside the development
set). Macro-F1 / ECE in context, of the argmax, per corpus. The first run caches the first
stage's scores in bench/out/second_stage_cv.pkl (about 2 minutes); delete it after a change
to the first stage or its data.

Trials:
- ``shipped``: six view weights and a bias per theme (``fit_combination``), as shipped;
- ``structure[@L2]``: the same, plus a bias per theme for each of 11 structural features
  of the unit (relative position, first / second / last / next-to-last unit, a heading, a
  heading of other units, log length, shorter than 12 characters, log length of its report,
  no heading above it), fitted jointly (L-BFGS, L2 penalty, default 1e-3);
- ``position[@L2]``: the same with the five position features only;
- ``logistic[@C]``: scikit-learn's multinomial logistic regression on the 48 views'
  log-probabilities (each theme its own weight on every view and theme; C default 1).
Results of a run are in the hand-written part of bench/ACCURACY.md.
"""

from __future__ import annotations

import pickle
import sys
import time

import numpy as np
from accuracy import PARAMS, _score
from common import HERE, shipped_data
from scipy.optimize import minimize

from topics.classify.context import (
    combine,
    context_views,
    fit_combination,
    heading_positions,
)
from topics.text.segment import Segmenter
from topics.train import cross_predict, fit_first_stage, probabilities_in

CACHE = HERE / "out" / "second_stage_cv.pkl"
TRIALS = ("shipped", "structure", "structure@1e-4", "structure@1e-2", "position",
          "logistic")


def first_stage_scores(taxonomy, data):
    """Split 1's cross-validated scores and split 2's development-set scores (cached)."""
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    segmenter = Segmenter()
    cv = cross_predict(data, taxonomy, PARAMS, segmenter, seed=0)
    held = {d.name for d in data.documents if d.corpus == "devset"}
    first = fit_first_stage(data, taxonomy, PARAMS, segmenter, held)
    devset = {d.name: probabilities_in(first, [u.text for u in d.units], cv.classes)
              for d in data.documents if d.name in held}
    CACHE.parent.mkdir(exist_ok=True)
    CACHE.write_bytes(pickle.dumps((cv, devset)))
    return cv, devset


def structure(units, i: int, headings: list[int | None]) -> list[float]:
    """The structural features of unit ``i`` of a report's ``units`` (see the docstring)."""
    n, length = len(units), len(units[i].text)
    return [i / max(n - 1, 1), float(i == 0), float(i == 1), float(i == n - 1),
            float(i >= n - 2), float(units[i].is_heading), float(i in headings),
            np.log1p(length) / 5, float(length < 12), np.log1p(n) / 5,
            float(headings[i] is None)]


def labelled_rows(data, probas: dict, classes: list[str]):
    """Views, structural features, class index and corpus of every labelled unit."""
    views, extra, y, corpus = [], [], [], []
    for doc in data.documents:
        if doc.name not in probas:
            continue
        headings = heading_positions(doc.units)
        doc_views = context_views(probas[doc.name], headings)
        for i, label in enumerate(doc.gold):
            if label in classes:
                views.append(doc_views[i])
                extra.append(structure(doc.units, i, headings))
                y.append(classes.index(label))
                corpus.append(doc.corpus)
    return np.stack(views), np.array(extra), np.array(y), np.array(corpus)


def fit_structure(views, extra, y, l2: float):
    """View weights, biases and a bias per theme and structural feature (max. likelihood)."""
    n, k, c = views.shape
    m, rows = extra.shape[1], np.arange(n)

    def logits(theta, views, extra):
        return (np.einsum("nkc,k->nc", views, theta[:k]) + theta[k:k + c]
                + extra @ theta[k + c:].reshape(m, c))

    def loss(theta):
        z = logits(theta, views, extra)
        z -= z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1))
        value = -(z[rows, y] - log_norm).sum() / n + l2 * (theta ** 2).sum()
        grad = np.exp(z - log_norm[:, None])
        grad[rows, y] -= 1.0
        grad /= n
        full = np.concatenate([np.einsum("nc,nkc->k", grad, views), grad.sum(axis=0),
                               (extra.T @ grad).ravel()])
        return value, full + 2 * l2 * theta

    start = np.zeros(k + c + m * c)
    start[0] = 1.0
    theta = minimize(loss, start, jac=True, method="L-BFGS-B").x

    def predict(views, extra):
        z = logits(theta, views, extra)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        return z / z.sum(axis=1, keepdims=True)
    return predict


def fit(trial: str, views, extra, y):
    """A second stage fitted on these rows: ``predict(views, extra) -> probabilities``."""
    kind, _, value = trial.partition("@")
    if kind == "shipped":
        weights, bias = fit_combination(views, y)
        return lambda v, _x: combine(v, weights, bias)
    if kind in ("structure", "position"):
        columns = slice(None) if kind == "structure" else slice(0, 5)
        predict = fit_structure(views, extra[:, columns], y, float(value or 1e-3))
        return lambda v, x: predict(v, x[:, columns])
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=float(value or 1.0), max_iter=2000)
        model.fit(views.reshape(len(views), -1), y)
        return lambda v, _x: model.predict_proba(v.reshape(len(v), -1))
    raise SystemExit(f"unknown trial {trial!r}; trials: {', '.join(TRIALS)}")


def main() -> None:
    trials = sys.argv[1:] or list(TRIALS)
    taxonomy, data = shipped_data()
    cv, devset = first_stage_scores(taxonomy, data)
    classes = cv.classes
    views, extra, y, corpus = labelled_rows(data, cv.documents, classes)
    folds = np.array([cv.fold[d.name] for d in data.documents if d.name in cv.documents
                      for label in d.gold if label in classes])
    dev_views, dev_extra, dev_y, _ = labelled_rows(data, devset, classes)
    outside = corpus != "devset"
    parts = (("devset", corpus == "devset"), ("reports", corpus == "reports"),
             ("written", np.isin(corpus, ["written", "written7"])))
    for trial in trials:
        started = time.monotonic()
        split1 = np.zeros((len(y), len(classes)))
        for number in sorted(set(folds.tolist())):
            inside = folds == number
            predict = fit(trial, views[~inside], extra[~inside], y[~inside])
            split1[inside] = predict(views[inside], extra[inside])
        split2 = fit(trial, views[outside], extra[outside], y[outside])(dev_views, dev_extra)
        cells = []
        for name, mask in parts:
            s = _score([classes[i] for i in y[mask]], split1[mask], classes, taxonomy)
            cells.append(f"split 1 {name} {s['macro_f1']:.3f} / {s['calibration_error']:.3f}")
        s = _score([classes[i] for i in dev_y], split2, classes, taxonomy)
        cells.append(f"split 2 devset {s['macro_f1']:.3f} / {s['calibration_error']:.3f}")
        print(f"{trial} ({time.monotonic() - started:.0f} s): " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
