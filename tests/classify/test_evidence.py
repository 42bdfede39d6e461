"""Evidence and topics of explained output: the fast paths equal the plain ones."""

import numpy as np
import pytest
import scipy.sparse as sp

from topics import config
from topics.bundle import load_model
from topics.classify.predictor import EVIDENCE_SHARE
from topics.features.definition import weighted_matrix
from topics.render.jsonl import results_jsonl
from topics.text.sentences import split_units


def _evidence_reference(predictor, features, best, matches, n):
    """The evidence ranked term by term over every row: what ``_evidence`` must equal."""
    coef = predictor.coef_
    if coef.shape[0] == 1:
        coef = np.vstack([-coef[0], coef[0]])
    n_rows = features.shape[0]
    rows = np.repeat(np.arange(n_rows), np.diff(features.indptr))
    values = features.data * coef[best[rows], features.indices]
    name_of, names, shown = predictor._display_names()
    keep = (values > 0) & shown[name_of[features.indices]]  # only terms worth showing
    merged = sp.csr_matrix((values[keep], (rows[keep], name_of[features.indices[keep]])),
                           shape=(n_rows, len(names)))
    merged.sum_duplicates()
    out = []
    for row in range(n_rows):
        start, end = merged.indptr[row], merged.indptr[row + 1]
        data, columns = merged.data[start:end], merged.indices[start:end]
        if not len(data):
            out.append([])
            continue
        ranked = sorted((i for i in range(len(data)) if data[i] >= EVIDENCE_SHARE * data.max()),
                        key=lambda i: -data[i])[:n + 2]
        contributions = {}
        for i in ranked:
            name = names[columns[i]]
            if name.startswith("cue:"):
                words = [w for w in matches[row]
                         if name[4:] in predictor.cue_matcher_.themes_of(w)]
                name = "+".join(dict.fromkeys(words)) or name
            contributions[name] = contributions.get(name, 0.0) + data[i]
        out.append([(name, round(float(value), 4)) for name, value
                    in sorted(contributions.items(), key=lambda kv: -kv[1])[:n]])
    return out


@pytest.fixture(scope="module")
def seed_texts():
    return [u.text for path in config.seed_paths()
            for u in split_units(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("n", [1, 5])
def test_evidence_equals_the_row_by_row_reference(tiny_model_dir, seed_texts, n):
    predictor = load_model(tiny_model_dir).classifier
    blocks = predictor.blocks(seed_texts)
    proba = predictor.block_probabilities(blocks)
    features = weighted_matrix(blocks, predictor.params)
    matches = predictor.cue_matcher_.matches_many(seed_texts)
    best = proba.argmax(axis=1)
    found = predictor._evidence(features, best, matches, n)
    assert any(found) and max(map(len, found)) == n
    assert found == _evidence_reference(predictor, features, best, matches, n)


def test_evidence_from_given_features_equals_evidence_computed_afresh(tiny_model_dir,
                                                                      seed_texts):
    predictor = load_model(tiny_model_dir).classifier
    blocks = predictor.blocks(seed_texts)
    proba = predictor.block_probabilities(blocks)
    given = predictor.predict_columns(seed_texts, 5, proba=proba, blocks=blocks)
    afresh = predictor.predict_columns(seed_texts, 5, proba=proba)
    assert given.evidence == afresh.evidence and given.themes == afresh.themes


@pytest.mark.parametrize("batch_units", [7, 100])
def test_explained_results_do_not_depend_on_the_batches(tiny_model_dir, batch_units,
                                                        monkeypatch):
    model = load_model(tiny_model_dir)
    report = config.seed_paths()[0].read_text(encoding="utf-8")
    units = split_units(report, "r")
    one_batch = results_jsonl(model.classify_units(units))
    monkeypatch.setattr("topics.pipeline.model.BATCH_UNITS", batch_units)
    assert results_jsonl(model.classify_units(units)) == one_batch
    assert '"evidence"' in one_batch


@pytest.mark.parametrize("seed", range(6))
def test_row_then_value_order_equals_the_two_stable_sorts(seed):
    """One sort of packed keys gives the stable sorts' order, ties (equal values) included."""
    from topics.classify.predictor import _by_row_then_value

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    rows = np.sort(rng.integers(0, 1 + n // 5, size=n)).astype(np.int64)
    values = rng.choice(rng.random(max(1, n // 3)) + 0.01, size=n)  # many equal values
    order = np.flatnonzero(rng.random(n) < 0.8)
    stable = order[np.argsort(-values[order], kind="stable")]
    stable = stable[np.argsort(rows[stable], kind="stable")]
    assert np.array_equal(_by_row_then_value(rows, values, order), stable)
    wide = rows << 50  # keys too wide for 63 bits: the stable sorts themselves
    assert np.array_equal(_by_row_then_value(wide, values, order), stable)
