import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tests.conftest import TINY
from topics.classify.estimator import ThemeClassifier
from topics.features.definition import normalise_chars

TEXTS = [t for t, _ in TINY]
LABELS = [label for _, label in TINY]


@pytest.fixture(scope="module")
def fitted(taxonomy):
    return ThemeClassifier(taxonomy=taxonomy).fit(TEXTS, LABELS)


def test_learns_the_training_set(fitted):
    assert (fitted.predict(TEXTS) == np.array(LABELS)).mean() > 0.9


def test_predictions_are_taxonomy_ids_with_scores_and_evidence(fitted, taxonomy):
    results = fitted.predict_detailed(["组织开展廉政警示教育，严格执行三个规定。", "今天下雨。"])
    for result in results:
        assert result.theme in taxonomy.ids
        assert set(result.scores) == set(taxonomy.ids)
        assert abs(sum(result.scores.values()) - 1) < 1e-6
        assert 0 <= result.confidence <= 1
    assert results[0].theme == "discipline"
    assert any("三个规定" in term or "警示教育" in term for term, _ in results[0].evidence)


def test_evidence_has_no_punctuation_or_function_characters(fitted, taxonomy):
    from topics.classify.predictor import shows_as_evidence

    stopwords = fitted.predictor_.segmenter.stopwords
    cues = {word for theme in taxonomy.themes for word in theme.cues}
    texts = [*TEXTS, "我院各部门、各位干警：2021年以来，的了和在。"]
    terms = [t for r in fitted.predict_detailed(texts) for t, _ in r.evidence]
    assert terms  # something is still shown
    for term in terms:
        if "+" not in term and term not in cues:
            assert all(c.isalpha() for c in term), term
            assert not (len(term) == 1 and term in stopwords), term
    assert not shows_as_evidence("议。", frozenset())
    assert not shows_as_evidence("0年", frozenset())
    assert not shows_as_evidence("：", frozenset())
    assert not shows_as_evidence("的", frozenset({"的"}))
    assert shows_as_evidence("党", frozenset({"的"}))


def test_evidence_names_are_letters_as_unicode_categories_say():
    """shows_as_evidence reads str.isalpha as "every character of a category L*"."""
    import sys
    import unicodedata

    from topics.classify.predictor import shows_as_evidence

    letters = [chr(c) for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)).startswith("L")]
    assert all(shows_as_evidence(c + c, frozenset()) for c in letters)
    others = set(map(chr, range(sys.maxunicode + 1))) - set(letters)
    assert not any(shows_as_evidence("党" + c, frozenset()) for c in others)
    assert not shows_as_evidence("", frozenset())
    assert shows_as_evidence("检察队伍", frozenset())
    assert shows_as_evidence("cue:political", frozenset())


def test_low_confidence_falls_back_to_other(taxonomy):
    model = ThemeClassifier(taxonomy=taxonomy, threshold=0.99).fit(TEXTS, LABELS)
    assert set(model.predict(["今天下雨。"])) == {"other"}


def test_estimator_contract(taxonomy, fitted):
    copy = clone(fitted)
    assert copy.get_params()["C"] == fitted.C
    assert not hasattr(copy, "predictor_") and hasattr(fitted, "predictor_")
    with pytest.raises(NotFittedError):
        copy.predict(["测试"])
    with pytest.raises(ValueError, match="labels not in the taxonomy"):
        ThemeClassifier(taxonomy=taxonomy).fit(["甲"], ["sports"])


def test_top_terms_per_theme(fitted, taxonomy):
    terms = fitted.top_terms(5)
    assert set(terms) == set(taxonomy.ids)
    assert all(len(v) <= 5 for v in terms.values())


def test_normalise_chars():
    assert normalise_chars("xx市 2024年 XXX院") == "市0年院"


def test_predictor_probabilities_are_sklearns(fitted):
    """Labelling does not use scikit-learn; its probabilities are LogisticRegression's."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    predictor = fitted.predictor_
    meta, arrays = predictor.to_state()
    model = LogisticRegression()
    model.classes_ = np.array(meta["classes"])
    model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
    model.n_features_in_ = model.coef_.shape[1]
    texts = [t for t, _ in TINY] + ["完全无关的一句话。", ""]
    features = predictor.features(texts)
    expected = model.predict_proba(features)
    assert np.allclose(predictor.probabilities(features), expected, rtol=0, atol=1e-12)
    # Labelling multiplies each block by its own coefficients instead.
    assert np.allclose(predictor.block_probabilities(predictor.blocks(texts)), expected,
                       rtol=0, atol=1e-12)
    assert np.allclose(predictor.predict_proba(texts), expected, rtol=0, atol=1e-12)


def test_labelling_imports_neither_sklearn_nor_gensim(tiny_model_dir):
    import subprocess
    import sys

    code = ("import sys; from topics.bundle import load_model; "
            f"m = load_model({str(tiny_model_dir)!r}); m.classify('严格执行三个规定。开展警示教育。'); "
            "print(sorted(k for k in ('sklearn', 'gensim', 'jieba') if k in sys.modules)); "
            "print('rjieba.rjieba' in sys.modules, 'rjieba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # rjieba's compiled module is loaded, not its package (which builds an unused tokenizer)
    assert done.stdout.split("\n")[:2] == ["[]", "True False"]


def test_fit_leaves_its_parameters_as_given(taxonomy):
    """scikit-learn's check_estimators_overwrite_params: fit changes no parameter."""
    model = ThemeClassifier(taxonomy=taxonomy)
    before = model.get_params()
    model.fit(TEXTS, LABELS)
    assert model.get_params() == before and model.segmenter is None
    assert model.segmenter_ is not None
    assert clone(model).get_params()["segmenter"] is None


def test_naive_bayes_joins_the_regression_as_a_product_of_probabilities(taxonomy):
    """With ``nb_weight`` w, p(theme) is proportional to p_regression * p_bayes ** w."""
    from sklearn.naive_bayes import MultinomialNB

    alone = ThemeClassifier(taxonomy=taxonomy, nb_weight=0.0).fit(TEXTS, LABELS)
    joined = ThemeClassifier(taxonomy=taxonomy, nb_weight=0.7).fit(TEXTS, LABELS)
    predictor = joined.predictor_
    features = predictor.features(TEXTS)
    bayes = MultinomialNB(alpha=joined.nb_alpha).fit(features.astype(np.float32), LABELS)
    probe = [*TEXTS, "组织开展廉政警示教育。", "今天下雨。"]
    product = alone.predict_proba(probe) * bayes.predict_proba(
        predictor.features(probe).astype(np.float32)) ** 0.7
    expected = product / product.sum(axis=1, keepdims=True)
    assert np.allclose(joined.predict_proba(probe), expected, atol=1e-5)
    assert not np.allclose(alone.predict_proba(probe), expected, atol=1e-3)
