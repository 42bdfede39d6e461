import numpy as np
import pytest

from tests.conftest import TINY
from topics.text.segment import Segmenter, is_noise, load_stopwords
from topics.topic.estimator import ThemeTopicModel


@pytest.fixture(scope="module")
def documents():
    segmenter = Segmenter()
    return [segmenter.content_tokens(t) for t, _ in TINY] * 3


@pytest.fixture(scope="module")
def fitted(taxonomy, documents):
    return ThemeTopicModel(taxonomy=taxonomy, n_free_topics=2, no_below=1, no_above=0.9,
                           passes=5).fit(documents).inference_


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
                            passes=5).fit(documents).inference_
    assert [again.top_words(k) for k in range(again.n_topics)] == \
           [fitted.top_words(k) for k in range(fitted.n_topics)]


def test_batched_inference_agrees_with_gensims(fitted, documents):
    """The vectorised E-step gives gensim's topic distributions (started from the same point)."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    dictionary = Dictionary()
    dictionary.token2id = dict(fitted.token2id_)
    lda = LdaModel(num_topics=fitted.n_topics, id2word=dictionary, alpha=fitted.alpha_,
                   eta=fitted.eta_, dtype=np.float64)
    lda.state.sstats[...] = fitted.sstats_
    lda.sync_state()

    class MeanStart:  # gensim draws the starting point at random; start from its mean, 1
        def gamma(self, shape, scale, size):
            return np.full(size, shape * scale)

    lda.random_state = MeanStart()
    bows = [dictionary.doc2bow(d) for d in documents[:12] if d]
    gamma, _ = lda.inference(bows)
    expected = gamma / gamma.sum(axis=1, keepdims=True)
    ours = fitted.transform([d for d in documents[:12] if d])
    assert np.allclose(ours, expected, atol=1e-6)
    assert (ours.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_classify_does_not_import_gensim(tiny_model_dir, report_file):
    import subprocess
    import sys

    code = ("import sys; from topics.bundle import load_model; "
            f"m = load_model({str(tiny_model_dir)!r}); "
            f"m.classify(open({str(report_file)!r}, encoding='utf-8').read()); "
            "print('gensim' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_cue_tokens_equal_the_plain_loop(taxonomy):
    """The indexed cue scoring gives exactly what a loop over every cue of every theme gives."""
    from topics.topic.estimator import _cue_tokens

    def plain(token_ids):
        n_themes = len(taxonomy.themes)
        out = [{} for _ in range(n_themes)]
        for token, word_id in token_ids.items():
            scores = np.zeros(n_themes)
            for pos, theme in enumerate(taxonomy.themes):
                for cue, weight in theme.cues.items():
                    if token == cue:
                        scores[pos] += 2 * weight
                    elif len(token) > 1 and token in cue:
                        scores[pos] += weight / 2
            order = np.argsort(-scores, kind="stable")
            best, second = scores[order[0]], scores[order[1]]
            if best >= 1.0 and best >= 2 * second:
                out[order[0]][word_id] = min(float(best), 3.0)
        return [(t.id, ids) for t, ids in zip(taxonomy.themes, out, strict=True) if ids]

    tokens = {c for t in taxonomy.themes for c in t.cues}
    tokens |= {c[i:i + n] for c in list(tokens) for n in (1, 2, 3) for i in range(len(c))}
    tokens |= {"检察", "干警", "不是线索", "党"}
    token_ids = {t: i for i, t in enumerate(sorted(tokens))}
    found = _cue_tokens(token_ids, taxonomy)
    assert found == plain(token_ids)
    assert sum(len(ids) for _, ids in found) > 20


def _transform_reference(inference, documents):
    """The E-step with a sparse product each iteration: what ``transform`` must equal exactly."""
    import scipy.sparse as sp
    from scipy.special import psi

    from topics.topic.inference import GAMMA_THRESHOLD

    ids = [[inference.token2id_[t] for t in doc if t in inference.token2id_] for doc in documents]
    indptr = np.concatenate([[0], np.cumsum([len(i) for i in ids])])
    counts = sp.csr_matrix((np.ones(indptr[-1]), [c for i in ids for c in i], indptr),
                           shape=(len(documents), len(inference.tokens_)))
    counts.sum_duplicates()
    beta_t = inference.exp_elog_beta_.T
    gamma = np.ones((len(documents), inference.n_topics))
    eps = np.finfo(np.float64).eps
    active = np.flatnonzero(np.diff(counts.indptr) > 0)
    sub, g = counts[active], gamma[active]
    for _ in range(inference.iterations):
        if not len(active):
            break
        theta = np.exp(psi(g) - psi(g.sum(axis=1))[:, None])
        doc_of = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
        phinorm = np.einsum("ij,ij->i", theta[doc_of], beta_t[sub.indices]) + eps
        ratio = sp.csr_matrix((sub.data / phinorm, sub.indices, sub.indptr), shape=sub.shape)
        new = inference.alpha_ + theta * (ratio @ beta_t)
        going = np.abs(new - g).mean(axis=1) >= GAMMA_THRESHOLD
        gamma[active] = new
        active, sub, g = active[going], sub[going], new[going]
    gamma[np.diff(counts.indptr) == 0] = inference.alpha_
    return gamma / gamma.sum(axis=1, keepdims=True)


def test_inference_equals_the_sparse_product_reference_exactly(fitted, documents):
    batch = documents[:20] + [[], ["未知的词"], documents[0] * 3]
    assert np.array_equal(fitted.transform(batch), _transform_reference(fitted, batch))
    assert np.array_equal(fitted.transform(batch[:1]), _transform_reference(fitted, batch[:1]))


def test_alpha_and_the_prior_off_the_cues_are_settings(taxonomy, documents, fitted):
    assert np.allclose(fitted.alpha_, fitted.alpha_[0])  # symmetric, the default
    other = ThemeTopicModel(taxonomy=taxonomy, n_free_topics=2, no_below=1, no_above=0.9,
                            passes=5, alpha="asymmetric", eta_base=0.01).fit(documents).inference_
    assert other.alpha_[0] > other.alpha_[-1]
    assert other.eta_.min() < fitted.eta_.min()
    assert np.isclose(other.eta_, 0.01).any()
    assert np.isclose(fitted.eta_, 1 / fitted.n_topics).any()
    assert not np.isclose(other.eta_, 1 / other.n_topics).any()


def test_a_word_of_too_few_genres_is_left_out(taxonomy, documents):
    """genre_share: a word only one genre's documents hold does not enter the topic model."""
    # the three copies of the tiny corpus are three genres: its words are in every genre
    third = len(documents) // 3
    genres = ["news"] * third + ["notice"] * third + ["report"] * (len(documents) - 2 * third)
    # 共有词 in every other document of every genre, 独有词 in news only
    marked = [d + ["共有词"] if i % 2 else d + ["独有词"] * (g == "news")
              for i, (d, g) in enumerate(zip(documents, genres, strict=True))]

    # (no free topics: the tiny corpus has just enough words for 8 topics, see fit)
    def vocabulary(**kwargs):
        model = ThemeTopicModel(taxonomy=taxonomy, n_free_topics=0, no_below=1, no_above=0.9,
                                passes=1, phrase_min_count=0, **kwargs)
        return set(model.fit(marked, **({"genres": genres} if "genre_share" in kwargs else {}))
                   .inference_.tokens_)

    assert {"独有词", "共有词"} <= vocabulary()  # no filter
    assert {"独有词", "共有词"} <= vocabulary(genre_share=0.0)
    kept = vocabulary(genre_share=0.5)
    assert "独有词" not in kept and "共有词" in kept
    # without genres (or with one only) there is nothing to share: every word stays
    model = ThemeTopicModel(taxonomy=taxonomy, n_free_topics=0, no_below=1, no_above=0.9,
                            passes=1, phrase_min_count=0, genre_share=0.5)
    assert "独有词" in model.fit(marked, genres=["news"] * len(marked)).inference_.tokens_
    assert "独有词" in model.fit(marked).inference_.tokens_


def test_tag_counts_count_distinct_known_tags():
    from topics.topic.corpus import tag_counts

    counts = tag_counts([["a", "b"], ["a", "a"], ["b"], ["c"]], ["x", "y", "x", None])
    assert counts == {"a": 2, "b": 1}


def test_a_word_of_too_few_years_is_left_out_unless_it_seeds_a_theme(taxonomy, documents):
    """min_years: a word of one period does not enter; a theme's cue word still may."""
    words = {t for d in documents for t in d}
    cue = next(c for c in taxonomy["discipline"].cues if c not in words and len(c) > 2)
    quarter = len(documents) // 4
    years = [2010 + 4 * min(i // quarter, 3) for i in range(len(documents))]
    # 疫情期 and the cue word only in 2022's documents, 共有词 in every year's
    marked = [d + ["共有词"] if i % 2 else d + ["疫情期", cue] * (y == 2022)
              for i, (d, y) in enumerate(zip(documents, years, strict=True))]

    def vocabulary(min_years, given=years):
        model = ThemeTopicModel(taxonomy=taxonomy, n_free_topics=0, no_below=1, no_above=0.9,
                                passes=1, phrase_min_count=0, min_years=min_years)
        return set(model.fit(marked, years=given).inference_.tokens_)

    assert {"疫情期", "共有词", cue} <= vocabulary(0)
    kept = vocabulary(2)
    assert "疫情期" not in kept and {"共有词", cue} <= kept
    # documents of fewer than 2 * min_years years: nothing to compare, every word stays
    assert "疫情期" in vocabulary(3)
    assert "疫情期" in vocabulary(2, [None] * len(marked))


def test_several_fits_keep_the_one_most_coherent_on_its_training_documents(taxonomy, documents):
    """n_fits=3: the model is the single fit (of the three seeds) whose mean training c_v is
    highest; n_fits=1 is the plain fit of random_state."""
    def fit(**kwargs):
        return ThemeTopicModel(taxonomy=taxonomy, n_free_topics=1, no_below=1, no_above=0.9,
                               passes=3, phrase_min_count=0, **kwargs).fit(documents).inference_

    chosen = fit(n_fits=3, random_state=1)
    seeds = ThemeTopicModel(n_fits=3, random_state=1).fit_seeds()
    assert len(set(seeds)) == 3 and seeds[0] == 1
    assert not set(seeds) & set(ThemeTopicModel(n_fits=3, random_state=2).fit_seeds())
    singles = [fit(random_state=seed) for seed in seeds]
    scores = [np.mean([c["c_v"] or 0.0 for c in m.coherence_]) for m in singles]
    assert len({round(s, 6) for s in scores}) > 1  # the fits differ, so the choice matters
    best = singles[int(np.argmax(scores))]
    assert np.array_equal(chosen.sstats_, best.sstats_)
    assert chosen.coherence_ == best.coherence_
    assert np.array_equal(fit(n_fits=1, random_state=1).sstats_, singles[0].sstats_)


def test_several_fits_averaged_are_the_mean_of_the_single_fits(taxonomy, documents):
    def fit(**kwargs):
        return ThemeTopicModel(taxonomy=taxonomy, n_free_topics=1, no_below=1, no_above=0.9,
                               passes=3, phrase_min_count=0, **kwargs).fit(documents).inference_

    mean = fit(n_fits=2, fit_choice="mean", random_state=1)
    singles = [fit(random_state=seed) for seed in ThemeTopicModel(n_fits=2, random_state=1)
               .fit_seeds()]
    assert not np.allclose(singles[0].sstats_, singles[1].sstats_)
    # one free topic: matched to the only free topic, so every row is the plain mean
    assert np.allclose(mean.sstats_, (singles[0].sstats_ + singles[1].sstats_) / 2)


def test_mean_counts_match_free_topics_and_keep_tied_ones_by_theme():
    from topics.topic.estimator import _mean_sstats

    rng = np.random.default_rng(0)
    first = rng.random((4, 30)) * 10  # 2 tied topics, 2 free
    other = first * 3
    swapped = other[[0, 1, 3, 2]]  # the other fit found the free topics in the other order
    assert np.allclose(_mean_sstats([first, swapped], n_tied=2), first * 2)
    tied_swapped = other[[1, 0, 2, 3]]  # tied topics are never re-matched
    assert np.allclose(_mean_sstats([first, tied_swapped], 2)[0], (first[0] + other[1]) / 2)


def test_word_ids_read_each_document_as_prepare_does(fitted, documents):
    """Documents without a collocation's first word take the lookup of known non-stop words."""
    from topics.topic.inference import TopicInference

    tokens = fitted.tokens_
    meta = {**fitted.meta, "stopwords": tokens[:3],
            "phrases": [[tokens[3], tokens[4]], [tokens[5], tokens[3]]]}
    inference = TopicInference(meta, {"alpha": fitted.alpha_, "eta": fitted.eta_,
                                      "sstats": fitted.sstats_})
    batch = [*documents[:20], [], [tokens[3], tokens[0], tokens[4], tokens[6]],
             [tokens[5], tokens[3], tokens[4], tokens[1]], [tokens[4], tokens[2]]]
    prepare, lookup = inference.vocabulary_.prepare, inference.token2id_
    expected = [[lookup[t] for t in prepare(doc) if t in lookup] for doc in batch]
    assert inference._word_ids(batch) == expected
    # both ways in: documents with no collocation's first word, and documents with one
    firsts = inference.vocabulary_.firsts
    assert {firsts.isdisjoint(doc) for doc in batch} == {True, False}
