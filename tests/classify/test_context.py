"""The second stage: views of a unit in its report, the combination and its fit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.classify.context import (
    VIEWS,
    ContextModel,
    combine,
    context_views,
    context_views_many,
    fit_alone,
    fit_combination,
)


def _reference_views(proba, headings):
    """Each view computed unit by unit, as the docstring of context_views says."""
    n = len(proba)
    mean = proba.mean(axis=0)
    out = np.zeros((n, len(VIEWS), proba.shape[1]))
    for i in range(n):
        def around(offset, i=i):
            rows = [j for j in (i - offset, i + offset) if 0 <= j < n]
            return proba[rows].mean(axis=0) if rows else mean
        head = headings[i]
        parent = headings[head] if head is not None else None
        out[i] = [proba[i], around(1), around(2),
                  proba[head] if head is not None else mean,
                  proba[parent] if parent is not None else mean, mean]
    return np.log(np.clip(out, 1e-6, 1))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3), min_size=n, max_size=n),
    st.lists(st.one_of(st.none(), st.integers(0, n - 1)), min_size=n, max_size=n))))
def test_views_equal_the_unit_by_unit_reference(case):
    rows, raw_headings = case
    proba = np.array(rows)
    proba /= proba.sum(axis=1, keepdims=True)
    # a heading comes before the units under it
    headings = [h if h is not None and h < i else None for i, h in enumerate(raw_headings)]
    np.testing.assert_allclose(context_views(proba, headings), _reference_views(proba, headings))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_views_of_many_reports_at_once_are_each_reports_own_number_for_number(lengths, rng):
    reports, headings = [], []
    for n in lengths:
        proba = np.array([[rng.uniform(0.0, 1.0) for _ in range(4)] for _ in range(n)])
        proba[rng.randrange(n), rng.randrange(4)] = 0.0  # clipped by the log
        reports.append(proba / np.maximum(proba.sum(axis=1, keepdims=True), 1e-9))
        headings.append([rng.randrange(i) if i and rng.random() < 0.6 else None
                         for i in range(n)])
    together = context_views_many(np.vstack(reports), lengths, headings)
    alone = np.vstack([context_views(proba, h) for proba, h in zip(reports, headings,
                                                                    strict=True)])
    assert np.array_equal(together, alone)  # exactly: no number may change in the output
    model = ContextModel({"classes": list("abcd"), "threshold": 0.3},
                         {"weights": np.array([0.9, 0.3, 0.1, 0.4, 0.2, 0.5]),
                          "bias": np.array([0.1, -0.2, 0.0, 0.3]),
                          "alone_weights": np.ones(1), "alone_bias": np.zeros(4)})
    assert np.array_equal(model.in_context_many(np.vstack(reports), lengths, headings),
                          np.vstack([model.in_context(proba, h) for proba, h in zip(
                              reports, headings, strict=True)]))


def test_combination_gives_probabilities_and_the_identity_keeps_the_first_stage():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=7)
    views = context_views(proba, [None] * 7)
    identity = np.eye(1, len(VIEWS))[0]
    combined = combine(views, identity, np.zeros(4))
    np.testing.assert_allclose(combined.sum(axis=1), 1.0)
    np.testing.assert_allclose(combined, proba, atol=1e-9)


def test_fitting_learns_that_neighbours_decide_when_the_unit_alone_does_not():
    rng = np.random.default_rng(1)
    n, classes = 600, 3
    truth = rng.integers(0, classes, n)
    noisy_self = rng.dirichlet(np.ones(classes), size=n)  # says nothing about the truth
    neighbours = np.full((n, classes), 0.1)
    neighbours[np.arange(n), truth] = 0.8  # says a lot
    views = np.log(np.stack([noisy_self, neighbours, neighbours, noisy_self, noisy_self,
                             noisy_self], axis=1))
    weights, bias = fit_combination(views, truth)
    assert weights[1] + weights[2] > 1.0 > abs(weights[0])
    assert (combine(views, weights, bias).argmax(axis=1) == truth).mean() > 0.95


def _sharp(truth, right, classes=4, peak=0.9):
    """Log-probabilities that put ``peak`` on the truth where ``right``, else on another."""
    said = np.where(right, truth, (truth + 1) % classes)
    proba = np.full((len(truth), classes), (1 - peak) / (classes - 1))
    proba[np.arange(len(truth)), said] = peak
    return np.log(proba)


def test_units_alone_take_their_temperature_from_the_calibrating_units_only():
    rng = np.random.default_rng(2)
    n = 2000
    truth = rng.integers(0, 4, n)
    easy = np.arange(n) < 1500  # written texts: the first stage right 98% of the time
    right = np.where(easy, rng.random(n) < 0.98, rng.random(n) < 0.7)
    first = _sharp(truth, right)
    all_weights, all_bias = fit_alone(first, truth)
    np.testing.assert_allclose(all_weights, fit_combination(first[:, None, :], truth)[0])
    weights, bias = fit_alone(first, truth, ~easy)
    np.testing.assert_array_equal(bias, all_bias)  # the biases from every unit
    assert weights[0] < all_weights[0]  # a softer temperature from the harder units

    def confidence(w, b):
        return combine(first[~easy][:, None, :], w, b).max(axis=1).mean()
    # on the harder units (right 70% of the time) the confidence comes near what they get right
    accuracy = right[~easy].mean()
    assert abs(confidence(weights, bias) - accuracy) < 0.02
    assert confidence(all_weights, all_bias) - accuracy > 0.05


def test_every_unit_alike_or_none_calibrating_is_the_joint_fit():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, 300)
    first = _sharp(truth, rng.random(300) < 0.8)
    joint = fit_combination(first[:, None, :], truth)
    for calibrating in (None, np.ones(300, dtype=bool), np.zeros(300, dtype=bool),
                        np.full(300, 0.5)):
        weights, bias = fit_alone(first, truth, calibrating)
        np.testing.assert_array_equal(weights, joint[0])
        np.testing.assert_array_equal(bias, joint[1])


def test_a_second_stage_of_the_wrong_shape_is_refused():
    meta = {"classes": ["a", "b"], "threshold": 0.0}
    good = {"weights": np.ones(len(VIEWS)), "bias": np.zeros(2), "alone_weights": np.ones(1),
            "alone_bias": np.zeros(2)}
    assert ContextModel(meta, good).alone(np.array([[0.3, 0.7]])).shape == (1, 2)
    with pytest.raises(ValueError, match="shape"):
        ContextModel(meta, {**good, "bias": np.zeros(3)})
    with pytest.raises(ValueError, match="shape"):
        ContextModel(meta, {**good, "weights": np.ones(2)})


def test_the_default_model_reads_units_in_their_report_and_alone(default_home, monkeypatch):
    from topics.resolve import default_model

    monkeypatch.setenv("TOPICS_HOME", str(default_home))
    model = default_model()
    assert model.context is not None and model.context.meta["fitted"]
    text = "二、加强人才培养\n举办业务培训班。\n开展岗位练兵。\n组织导师带教。"
    units = model.classify(text, "r")
    assert [r.theme for r in units[1:]] == ["talent"] * 3
    alone = model.classify_units(_units(text), in_context=False)
    assert [r.text for r in alone] == [r.text for r in units]
    for result in units + alone:
        assert 0 < result.confidence <= 1
        assert abs(sum(result.scores.values()) - 1) < 1e-6


def _units(text):
    from topics.text.sentences import split_units

    return split_units(text, "r")
