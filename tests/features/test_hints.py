"""Hint words: a taxonomy's plain words per theme, a second block of cue columns."""

import numpy as np
import pytest

from tests.conftest import TINY
from topics.bundle import load_model, save_model
from topics.classify.estimator import ThemeClassifier
from topics.errors import TaxonomyError
from topics.features.cues import CueMatcher
from topics.taxonomy import Taxonomy, load_taxonomy
from topics.train import train_model

TEXTS = [t for t, _ in TINY]
LABELS = [label for _, label in TINY]
#: A culture hint of the default taxonomy that no TINY sentence uses, nor any cue word holds.
RACE = "拔河比赛"


def test_the_default_taxonomy_has_hints_for_every_theme_none_in_two_themes(taxonomy):
    seen = {}
    for theme in taxonomy.themes:
        assert len(theme.hints) >= 100, theme.id
        for word in theme.hints:
            assert seen.setdefault(word, theme.id) == theme.id, word
    assert taxonomy["culture"].hints[RACE] > 0
    assert not any(RACE in text for text in TEXTS)


def test_hints_round_trip_and_are_checked(tmp_path, taxonomy):
    again = Taxonomy.from_dict(taxonomy.to_dict())
    assert again["culture"].hints == taxonomy["culture"].hints
    path = tmp_path / "tax.toml"
    path.write_text('fallback = "a"\n[[themes]]\nid = "a"\n[themes.hints]\n"词" = 0\n',
                    encoding="utf-8")
    with pytest.raises(TaxonomyError, match="hints of 'a' must be 'word = positive weight'"):
        load_taxonomy(path)
    path.write_text('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"词\\n语" = 1\n',
                    encoding="utf-8")
    with pytest.raises(TaxonomyError, match="cues of 'a' hold a line break"):
        load_taxonomy(path)
    path.write_text('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"词" = 1\n',
                    encoding="utf-8")
    assert load_taxonomy(path)["a"].hints == {}
    assert "hints" not in load_taxonomy(path).to_dict()["themes"][0]


def test_hints_score_in_their_own_columns_and_never_decide(taxonomy):
    n = len(taxonomy.ids)
    plain, hinted = CueMatcher(taxonomy), CueMatcher(taxonomy, hints=True)
    text = f"下午，干警们参加了{RACE}。"
    assert plain.score_matrix_of_texts([text]).shape == (1, n)
    scores = hinted.score_matrix_of_texts([text])[0]
    assert scores.shape == (2 * n,)
    culture = taxonomy.ids.index("culture")
    assert scores[n + culture] == taxonomy["culture"].hints[RACE]
    assert scores[:n].sum() == plain.score_matrix_of_texts([text]).sum()
    assert hinted.themes_of(RACE) == ["culture"]
    assert hinted.column_themes == taxonomy.ids * 2
    # a weak label comes from the cue words alone
    assert hinted.decide_scores(scores) == plain.decide_scores(scores[:n])


def test_a_hint_the_training_sentences_never_used_moves_a_unit_towards_its_theme(taxonomy):
    text = f"下午，全院干警参加了{RACE}。"
    culture = {}
    for hints in (False, True):
        model = ThemeClassifier(taxonomy=taxonomy, hints=hints).fit(TEXTS, LABELS)
        classes = list(model.classes_)
        culture[hints] = model.predict_proba([text])[0, classes.index("culture")]
        assert model.predictor_.coef_.shape[1] == (
            len(model.predictor_.word_vocabulary) + len(model.predictor_.char_vocabulary)
            + len(taxonomy.ids) * (2 if hints else 1))
    assert culture[True] > culture[False]
    # evidence for culture (given as the final theme) names the hint word, not a column
    predictor = ThemeClassifier(taxonomy=taxonomy).fit(TEXTS, LABELS).predictor_
    proba = (predictor.classes_ == "culture")[None, :].astype(float)
    evidence = predictor.predict_columns([text], proba=proba).evidence[0]
    assert any(RACE in term for term, _ in evidence), evidence
    assert not any(term.startswith("cue:") for term, _ in evidence)


def test_a_model_without_hints_saves_and_loads(taxonomy, tiny_data, tmp_path):
    model = train_model(taxonomy, tiny_data, seed=0, n_free_topics=1, evaluate=False,
                        classifier_params={"hints": False})
    save_model(model, tmp_path / "plain")
    loaded = load_model(tmp_path / "plain")
    assert loaded.classifier.params["hints"] is False
    texts = [f"下午，干警们参加了{RACE}。", *TEXTS[:5]]
    assert np.array_equal(loaded.classifier.predict_proba(texts),
                          model.classifier.predict_proba(texts))
