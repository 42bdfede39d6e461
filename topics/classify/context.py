"""The second stage: a unit's theme from its own scores and its report's, calibrated.

The sentence classifier scores each unit alone. Here a unit's log-probabilities are
combined with those of its neighbours (one and two units away), of its heading and the
heading above that, and of the whole report (the mean over its units)::

    log p(theme | unit, report) = sum_k w_k * log p1(theme | view_k) + b_theme + const

Six weights and one bias per theme, fitted by maximum likelihood (L-BFGS) on first-stage
scores predicted for labelled documents held out by document-grouped cross-validation, so
the result is calibrated: the weights shrink the first stage's overconfidence and the
biases correct its class balance. Units given alone (no report) go through the same form
with their own view only (a temperature and biases: :func:`fit_alone`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The views of a unit, in the order of the weights.
VIEWS = ("self", "neighbours_1", "neighbours_2", "heading", "parent_heading", "report")
_FLOOR = 1e-6


def _log(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, _FLOOR, 1.0))


def context_views(proba: np.ndarray, headings: Sequence[int | None]) -> np.ndarray:
    """Log-probabilities of each unit's views, shape ``(n_units, len(VIEWS), n_classes)``.

    ``proba`` holds the first-stage probabilities of one report's units in text order and
    ``headings`` the index of each unit's innermost heading (None: none). A view a unit
    lacks (a neighbour beyond the report's ends, a heading) is the report's mean.
    """
    if not len(proba):
        return np.zeros((0, len(VIEWS), proba.shape[1]))
    return context_views_many(proba, [len(proba)], [headings])


def context_views_many(proba: np.ndarray, lengths: Sequence[int],
                       headings: Sequence[Sequence[int | None]]) -> np.ndarray:
    """:func:`context_views` of several reports' units at once, one report after the other.

    ``proba`` holds the rows of the reports of ``lengths`` units (none empty), in order;
    ``headings`` each report's heading positions, as :func:`context_views` takes them. The
    views are each report's own, number for number (tested): each view is made of the
    same rows with the same operations, the report's mean computed alone. Many small
    reports take a few array operations, not a dozen each.
    """
    n = len(proba)
    sizes = np.asarray(lengths, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    report = np.repeat(np.arange(len(sizes)), sizes)
    means = np.array([proba[s:s + size].mean(axis=0)  # as context_views takes it
                      for s, size in zip(starts.tolist(), lengths, strict=True)])[report]
    rows = np.arange(n)
    position, size = rows - starts[report], sizes[report]

    def neighbours(offset: int) -> np.ndarray:
        """Mean of the units ``offset`` before and after; the report's mean if neither is."""
        before, after = position >= offset, position + offset < size
        total = (np.where(before[:, None], proba[np.maximum(rows - offset, 0)], 0.0)
                 + np.where(after[:, None], proba[np.minimum(rows + offset, n - 1)], 0.0))
        count = (before.astype(np.float64) + after.astype(np.float64))[:, None]
        return np.where(count > 0, total / np.maximum(count, 1), means)

    head = np.array([-1 if h is None else h for positions in headings for h in positions],
                    dtype=np.int64)
    parent = np.where(head >= 0, head[np.where(head >= 0, starts[report] + head, 0)], -1)

    def rows_of(local: np.ndarray) -> np.ndarray:
        """The rows of units at report positions ``local``; the report's mean for -1."""
        out = proba[np.where(local >= 0, starts[report] + local, 0)]
        missing = local < 0
        out[missing] = means[missing]
        return out

    views = np.stack([proba, neighbours(1), neighbours(2), rows_of(head), rows_of(parent),
                      means], axis=1)
    return _log(views)


def heading_positions(units: Sequence) -> list[int | None]:
    """For each unit of one report (in text order), the position of its heading in ``units``.

    Units carry their heading as the heading's ``index``; a heading outside ``units`` is None.
    """
    position = {unit.index: i for i, unit in enumerate(units)}
    return [None if unit.heading is None else position.get(unit.heading) for unit in units]


def combine(views: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Probabilities from views ``(n, k, c)``, weights ``(k,)`` and biases ``(c,)``."""
    z = np.einsum("nkc,k->nc", views, weights) + bias
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def fit_combination(views: np.ndarray, y: np.ndarray, l2: float = 1e-3,
                    sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases that maximise the (weighted) likelihood of classes ``y``."""
    from scipy.optimize import minimize

    n, k, c = views.shape
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    weight = weight / weight.sum()
    rows = np.arange(n)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.einsum("nkc,k->nc", views, theta[:k]) + theta[k:]
        z -= z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1))
        value = -(weight * (z[rows, y] - log_norm)).sum() + l2 * (theta ** 2).sum()
        grad = np.exp(z - log_norm[:, None])
        grad[rows, y] -= 1.0
        grad *= weight[:, None]
        full = np.concatenate([np.einsum("nc,nkc->k", grad, views), grad.sum(axis=0)])
        return value, full + 2 * l2 * theta

    start = np.zeros(k + c)
    start[0] = 1.0  # the first stage as it is
    theta = minimize(loss, start, jac=True, method="L-BFGS-B").x
    return theta[:k], theta[k:]


def fit_alone(first: np.ndarray, y: np.ndarray, calibrating: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """The form of units alone: one weight (a temperature) and biases; shapes ``(1,)``, ``(c,)``.

    ``first`` holds the units' first-stage log-probabilities ``(n, c)``. The biases are fitted
    on every unit; the temperature, the biases fixed, on the units weighted by
    ``calibrating`` (booleans or weights >= 0; None, or every unit alike: with the biases):
    texts written to train the model are easier than the texts it labels, so a temperature
    fitted on them makes the confidence claim too much.
    """
    weights, bias = fit_combination(first[:, None, :], y)
    weight = None if calibrating is None else np.asarray(calibrating, dtype=float)
    if weight is None or not weight.any() or np.all(weight == weight[0]):
        return weights, bias
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(y))

    def loss(temperature: float) -> float:
        z = temperature * first + bias
        z -= z.max(axis=1, keepdims=True)
        return float(weight @ (np.log(np.exp(z).sum(axis=1)) - z[rows, y]))

    fitted = minimize_scalar(loss, bounds=(0.05, 5.0), method="bounded")
    return np.array([fitted.x]), bias


class ContextModel:
    """The fitted second stage: weights and biases in context and alone, and the threshold.

    ``classes`` is the first stage's class order; ``threshold`` the probability under which
    the fallback theme is given (chosen by cross-validation).
    """

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.meta = meta
        self.classes = list(meta["classes"])
        self.threshold = float(meta["threshold"])
        self.weights = np.asarray(arrays["weights"], dtype=np.float64)
        self.bias = np.asarray(arrays["bias"], dtype=np.float64)
        self.alone_weights = np.asarray(arrays["alone_weights"], dtype=np.float64)
        self.alone_bias = np.asarray(arrays["alone_bias"], dtype=np.float64)
        if self.weights.shape != (len(VIEWS),) or self.alone_weights.shape != (1,):
            raise ValueError("context weights of the wrong shape")
        if self.bias.shape != (len(self.classes),) or self.alone_bias.shape != self.bias.shape:
            raise ValueError("context biases of the wrong shape")

    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """JSON and arrays for a model bundle."""
        return self.meta, {"weights": self.weights, "bias": self.bias,
                           "alone_weights": self.alone_weights, "alone_bias": self.alone_bias}

    def in_context(self, proba: np.ndarray, headings: Sequence[int | None]) -> np.ndarray:
        """Calibrated probabilities of one report's units (text order) in their context."""
        if not len(proba):
            return proba
        return combine(context_views(proba, headings), self.weights, self.bias)

    def in_context_many(self, proba: np.ndarray, lengths: Sequence[int],
                        headings: Sequence[Sequence[int | None]]) -> np.ndarray:
        """:meth:`in_context` of several reports at once (see :func:`context_views_many`)."""
        return combine(context_views_many(proba, lengths, headings), self.weights, self.bias)

    def alone(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of units given without their report."""
        if not len(proba):
            return proba
        return combine(_log(proba)[:, None, :], self.alone_weights, self.alone_bias)
