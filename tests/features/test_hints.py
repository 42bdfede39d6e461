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
    with pytest.raises(TaxonomyError, match="hints of 'a' must be 'word = weight', a weight above 0"):
        load_taxonomy(path)
    path.write_text('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"词\\n语" = 1\n',
                    encoding="utf-8")
    with pytest.raises(TaxonomyError, match="cues of 'a' hold a line break"):
        load_taxonomy(path)
    path.write_text('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"词" = 1\n',
                    encoding="utf-8")
    assert load_taxonomy(path)["a"].hints == {}
    assert "hints" not in load_taxonomy(path).to_dict()["themes"][0]


#: A political hint of the default taxonomy that holds a management cue word (表彰).
HOLDS_A_CUE = "七一表彰"


def test_hints_score_in_their_own_columns_and_hide_the_cue_words_they_hold(taxonomy):
    n = len(taxonomy.ids)
    plain, hinted = CueMatcher(taxonomy), CueMatcher(taxonomy, hints=True)
    assert taxonomy["political"].hints[HOLDS_A_CUE] and taxonomy["management"].cues["表彰"]
    texts = [f"下午，干警们参加了{RACE}。", f"{HOLDS_A_CUE}大会上，为优秀党员上党课。", "今天下雨。"]
    cues = plain.score_matrix_of_texts(texts)
    scores = hinted.score_matrix_of_texts(texts)
    assert cues.shape == (3, n) and scores.shape == (3, 2 * n)
    # the cue columns are a plain matcher's but where a hint holds a cue word: longest first
    management = taxonomy.ids.index("management")
    assert np.array_equal(scores[[0, 2], :n], cues[[0, 2]])
    assert cues[1, management] > scores[1, management]
    cue_words = {w for theme in taxonomy.themes for w in theme.cues}
    found = hinted.matches(texts[1])
    assert HOLDS_A_CUE in found and "表彰" not in found and "表彰" in plain.matches(texts[1])
    assert np.array_equal(scores[1, :n],
                          plain.score_matrix([[w for w in found if w in cue_words]])[0])
    culture, political = taxonomy.ids.index("culture"), taxonomy.ids.index("political")
    assert scores[0, n + culture] == taxonomy["culture"].hints[RACE]
    assert scores[1, n + political] >= taxonomy["political"].hints[HOLDS_A_CUE]
    assert np.array_equal(hinted.score_matrix(hinted.matches_many(texts)), scores)
    assert hinted.matches(texts[1])[0] == HOLDS_A_CUE  # in the text's order
    assert hinted.themes_of(RACE) == ["culture"]
    assert hinted.column_themes == taxonomy.ids * 2
    # weak labels come from the cue columns alone (made by a plain matcher in weak.py)
    for text, row in zip(texts[::2], scores[::2], strict=True):
        assert hinted.decide_scores(row) == plain.decide(text)


def test_a_hint_the_training_sentences_never_used_moves_a_unit_towards_its_theme(taxonomy):
    text = f"下午，全院干警参加了{RACE}。"
    culture, models = {}, {}
    for hints in (False, True):
        model = models[hints] = ThemeClassifier(taxonomy=taxonomy, hints=hints).fit(TEXTS, LABELS)
        classes = list(model.classes_)
        culture[hints] = model.predict_proba([text])[0, classes.index("culture")]
        assert model.predictor_.coef_.shape[1] == (
            len(model.predictor_.word_vocabulary) + len(model.predictor_.char_vocabulary)
            + len(taxonomy.ids) * (2 if hints else 1))
    assert culture[True] > culture[False]
    # evidence for culture (given as the final theme) names the hint word, not a column
    predictor = models[True].predictor_  # hints=True: the default
    proba = (predictor.classes_ == "culture")[None, :].astype(float)
    evidence = predictor.predict_columns([text], proba=proba).evidence[0]
    assert any(RACE in term for term, _ in evidence), evidence
    assert not any(term.startswith("cue:") for term, _ in evidence)


def test_a_model_made_before_hints_labels_as_before(taxonomy):
    """A saved classifier whose parameters have no ``hints`` (made before them): no hint block."""
    from topics.classify.predictor import ThemePredictor

    model = ThemeClassifier(taxonomy=taxonomy, hints=False).fit(TEXTS, LABELS)
    meta, arrays = model.to_state()
    old = {**meta, "params": {k: v for k, v in meta["params"].items() if k != "hints"}}
    predictor = ThemePredictor(old, arrays, taxonomy, model.predictor_.segmenter)
    texts = [f"下午，干警们参加了{RACE}。", *TEXTS[:5]]
    assert np.array_equal(predictor.predict_proba(texts), model.predict_proba(texts))
    assert predictor.predict_detailed(texts) == model.predict_detailed(texts)


def test_a_model_without_hints_saves_and_loads(taxonomy, tiny_data, tmp_path):
    model = train_model(taxonomy, tiny_data, seed=0, n_free_topics=1, evaluate=False,
                        classifier_params={"hints": False})
    save_model(model, tmp_path / "plain")
    loaded = load_model(tmp_path / "plain")
    assert loaded.classifier.params["hints"] is False
    texts = [f"下午，干警们参加了{RACE}。", *TEXTS[:5]]
    assert np.array_equal(loaded.classifier.predict_proba(texts),
                          model.classifier.predict_proba(texts))
    # as a format-5 bundle (made before hints: no parameter) it loads and labels alike
    from tests.test_hostile_models import _edit, _edit_json

    _edit_json(tmp_path / "plain", "classifier.json", lambda c: c["params"].pop("hints"))
    _edit(tmp_path / "plain", lambda m: m.update(format_version=5))
    old = load_model(tmp_path / "plain")
    assert old.manifest["format_version"] == 5 and "hints" not in old.classifier.params
    assert np.array_equal(old.classifier.predict_proba(texts),
                          model.classifier.predict_proba(texts))
