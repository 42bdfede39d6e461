import numpy as np
import pytest

from tests.conftest import TINY
from topics.lda import ThemeTopicModel
from topics.segment import Segmenter, is_noise, load_stopwords


@pytest.fixture(scope="module")
def documents():
    segmenter = Segmenter()
    return [segmenter.content_tokens(t) for t, _ in TINY] * 3


@pytest.fixture(scope="module")
def fitted(taxonomy, documents):
    return ThemeTopicModel(taxonomy=taxonomy, n_free_topics=2, no_below=1, no_above=0.9,
                           passes=5).fit(documents)


def test_topics_are_tied_to_themes_plus_free_ones(fitted, taxonomy):
    tied = [t for t in fitted.topic_themes_ if t is not None]
    assert fitted.topic_themes_[-2:] == [None, None]
    assert len(tied) >= 6 and set(tied) <= set(taxonomy.ids)
    assert all(set(c) == {"c_v", "u_mass"} for c in fitted.coherence_)


def test_seeded_topic_leads_with_its_theme_words(fitted, taxonomy):
    for topic, theme in enumerate(fitted.topic_themes_):
        if theme is None:
            continue
        words = [w for w, _ in fitted.top_words(topic, 3)]
        assert any(any(w in cue or cue in w for cue in taxonomy[theme].cues) for w in words), (theme, words)


def test_distributions_sum_to_one_and_are_batch_independent(fitted, documents):
    together = fitted.transform(documents[:6] + [[]])
    assert np.allclose(together.sum(axis=1), 1)
    alone = fitted.transform(documents[2:3])
    assert np.allclose(together[2], alone[0])


def test_top_words_are_free_of_stop_words_and_placeholders(fitted):
    stop = load_stopwords()
    for topic in range(fitted.n_topics):
        for word, _ in fitted.top_words(topic, 10):
            assert word not in stop and not is_noise(word)


def test_same_seed_same_topics(taxonomy, documents, fitted):
    again = ThemeTopicModel(taxonomy=taxonomy, n_free_topics=2, no_below=1, no_above=0.9,
                            passes=5).fit(documents)
    assert [again.top_words(k) for k in range(again.n_topics)] == \
           [fitted.top_words(k) for k in range(fitted.n_topics)]
