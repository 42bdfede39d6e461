"""The topic model: gensim LDA over paragraphs of units, seeded from the cue words."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..errors import TrainingError
from ..taxonomy import Taxonomy
from .inference import TopicInference

#: Documents per online LDA update (gensim's default).
CHUNK_DOCUMENTS = 2000
#: Distance between the seeds of one model's LDA fits (``n_fits``), so that the fits of
#: ``random_state`` 0, 1, 2 ... never share a seed.
FIT_SEED_STEP = 10_000


def _cue_tokens(token_ids: dict[str, int], taxonomy: Taxonomy) -> list[tuple[str, dict]]:
    """For each theme with cue words in the vocabulary: ``(theme id, {word id: weight})``.

    A token is a cue of the theme whose cue words contain it (weighted by their
    weights, so that 习近平 counts for 习近平法治思想) when that theme clearly
    dominates the others.
    """
    n_themes = len(taxonomy.themes)
    out: list[dict[int, float]] = [{} for _ in range(n_themes)]
    # every token a cue scores: the cue itself (2 * weight) and its substrings of two or more
    # characters (weight / 2), in theme and cue order so that the sums are those of a loop
    # over every cue (see test_cue_tokens_equal_the_plain_loop)
    scored_by: dict[str, list[tuple[int, float]]] = {}
    for pos, theme in enumerate(taxonomy.themes):
        for cue, weight in theme.cues.items():
            parts = {cue[i:j] for i in range(len(cue)) for j in range(i + 2, len(cue) + 1)}
            for part in parts | {cue}:
                scored_by.setdefault(part, []).append(
                    (pos, 2 * weight if part == cue else weight / 2))
    for token, word_id in token_ids.items():
        if token not in scored_by:
            continue
        scores = np.zeros(n_themes)
        for pos, value in scored_by[token]:
            scores[pos] += value
        order = np.argsort(-scores, kind="stable")
        best, second = scores[order[0]], scores[order[1]] if n_themes > 1 else 0.0
        if best >= 1.0 and best >= 2 * second:
            out[order[0]][word_id] = min(float(best), 3.0)
    return [(theme.id, ids) for theme, ids in zip(taxonomy.themes, out, strict=True) if ids]


def _tagged(documents: Iterable, genres: Iterable | None, years: Iterable | None) -> Iterable:
    """``(document, genre, year)`` of every document (None where not given)."""
    if genres is None and years is None:
        return ((d, None, None) for d in documents)
    if years is None:
        return ((d, g, None) for d, g in zip(documents, genres, strict=True))
    if genres is None:
        return ((d, None, y) for d, y in zip(documents, years, strict=True))
    return zip(documents, genres, years, strict=True)


def _mean_sstats(sstats: list[np.ndarray], n_tied: int) -> np.ndarray:
    """The mean of several fits' topic-word counts.

    Tied topics are averaged by their theme, free topics matched to the first fit's (most
    similar word distributions).
    """
    from scipy.optimize import linear_sum_assignment

    first = sstats[0]
    total = first.copy()
    unit = first[n_tied:] / np.linalg.norm(first[n_tied:], axis=1, keepdims=True)
    for other in sstats[1:]:
        total[:n_tied] += other[:n_tied]
        if len(first) > n_tied:
            free = other[n_tied:]
            similarity = unit @ (free / np.linalg.norm(free, axis=1, keepdims=True)).T
            _, columns = linear_sum_assignment(-similarity)
            total[n_tied:] += free[columns]
    return total / len(sstats)


class ThemeTopicModel(BaseEstimator):
    """LDA whose first topics start as the taxonomy's themes.

    The topic-word prior ``eta`` of topic *i* is raised on the cue words of
    theme *i* (themes whose cue words are absent from the vocabulary get no
    topic); the remaining ``n_free_topics`` topics are free. Input documents are
    lists of content tokens (already without stop words and placeholders).

    Parameters
    ----------
    taxonomy : Taxonomy
        Themes and cue words.
    n_free_topics : int
        Topics not tied to any theme.
    seed_strength : float
        How much a cue word's weight raises its prior in its theme's topic.
    passes, iterations : int
        gensim training passes over the corpus (at most) and inference iterations.
    document_visits : int
        Large corpora get fewer passes, about this many documents in all (at least one
        pass): online LDA converges within a pass or two of a big corpus.
    no_below, no_above : int, float
        Dictionary filtering of rare and ubiquitous words.
    stop_words : iterable of str or None
        Words the topic model leaves out (None: the shipped topic stop list,
        :func:`~topics.topic.vocabulary.load_topic_stopwords`).
    phrase_min_count, phrase_threshold : int, float
        Adjacent pairs seen at least ``phrase_min_count`` times with an npmi of at least
        ``phrase_threshold`` become one token (gensim ``Phrases``); ``phrase_min_count=0``
        joins none.
    bar_free : bool
        Cue words are all but barred from the free topics too (as from other themes' topics),
        so that a theme's words cannot gather in a free topic and leave its own topic empty.
    alpha : str
        gensim's document-topic prior: ``"symmetric"`` (every topic alike), ``"asymmetric"``
        or ``"auto"`` (learnt).
    eta_base : float or None
        The topic-word prior off the cue words (None: 1 / number of topics, gensim's default).
    genre_share : float
        Words shared by kinds of text: when documents come with their genres (``fit``'s
        ``genres``, at least two distinct), a word enters the topic model only if documents of
        at least this share of the genres hold it (0: every word). A word one kind of text
        uses (one genre's formulas, one batch's subject) does not become a topic word.
    min_years : int
        Words shared across periods: when documents come with their years (``fit``'s
        ``years``, at least twice this many distinct), a word that seeds no theme's topic
        enters only if documents of at least this many years hold it (0: every word). A
        word of one period (疫情, a campaign's slogan) does not become a topic word.
    n_fits : int
        LDA is fitted this many times (seeds ``random_state``, ``random_state + 10000`` ...)
        and combined by ``fit_choice``; 1: one fit of ``random_state``.
    fit_choice : str
        ``"best"``: the fit whose topics are the most coherent (mean c_v) over its own training
        documents is kept; ``"mean"``: the fits' topic-word counts are averaged (tied topics by
        theme, free topics matched), which gives steadier topics across seeds.
    random_state : int
        Seed; training is single-process (``LdaModel``) so the seed fixes the result.
    """

    def __init__(self, taxonomy: Taxonomy | None = None, n_free_topics: int = 0,
                 seed_strength: float = 0.5, passes: int = 20, iterations: int = 200,
                 no_below: int = 10, no_above: float = 0.3, random_state: int = 0,
                 document_visits: int = 18_000, stop_words: Iterable[str] | None = None,
                 phrase_min_count: int = 10, phrase_threshold: float = 0.9,
                 bar_free: bool = True, alpha: str = "symmetric", eta_base: float | None = None,
                 genre_share: float = 0.0, min_years: int = 5, n_fits: int = 1,
                 fit_choice: str = "best"):
        self.n_fits = n_fits
        self.fit_choice = fit_choice
        self.genre_share = genre_share
        self.min_years = min_years
        self.alpha = alpha
        self.eta_base = eta_base
        self.bar_free = bar_free
        self.taxonomy = taxonomy
        self.stop_words = stop_words
        self.phrase_min_count = phrase_min_count
        self.phrase_threshold = phrase_threshold
        self.n_free_topics = n_free_topics
        self.seed_strength = seed_strength
        self.passes = passes
        self.iterations = iterations
        self.no_below = no_below
        self.no_above = no_above
        self.random_state = random_state
        self.document_visits = document_visits

    def fit(self, documents: Iterable[list[str]], y=None,
            genres: Iterable[str | None] | None = None,
            years: Iterable[int | None] | None = None):
        """Build the dictionary and train LDA on token lists, streamed (see ``corpus``).

        ``documents`` is read once; the corpus then lives in a temporary folder and LDA
        reads it in chunks, so memory does not grow with the corpus. ``genres`` and
        ``years``, read alongside ``documents``, give each document's genre and year (None:
        unknown, counts for none) for ``genre_share`` and ``min_years``.
        """
        import copy
        import tempfile
        from pathlib import Path

        from gensim.models import LdaModel

        from .corpus import bag_of_words_file, write_corpus
        from .vocabulary import TopicVocabulary, learn_phrases, load_topic_stopwords

        stop_words = (load_topic_stopwords() if self.stop_words is None
                      else frozenset(self.stop_words))
        with tempfile.TemporaryDirectory(prefix="topics-lda-") as folder:
            vocabulary = TopicVocabulary(stop_words)
            raw = Path(folder) / "raw"
            raw.mkdir()
            kept_genres: list[str | None] = []  # the genre of each document kept, in order
            kept_years: list[int | None] = []
            triples = _tagged(documents, genres, years)

            def prepared():
                for document, genre, year in triples:
                    tokens = vocabulary.prepare(document)
                    if tokens:
                        kept_genres.append(genre)
                        kept_years.append(year)
                        yield tokens

            streamed = write_corpus(prepared(), raw, seed=self.random_state)
            unshared = self._unshared(streamed, kept_genres, kept_years)
            if unshared:  # left out before collocations are learnt, as if never written
                shared = Path(folder) / "shared"
                shared.mkdir()
                streamed = write_corpus(
                    filter(None, ([t for t in d if t not in unshared] for d in streamed.tokens)),
                    shared, seed=self.random_state)
            if self.phrase_min_count > 0:
                phrases = learn_phrases(streamed.tokens, self.phrase_min_count,
                                        self.phrase_threshold)
                vocabulary = TopicVocabulary(stop_words, phrases)
                joined = TopicVocabulary((), phrases)
                streamed = write_corpus((joined.prepare(d) for d in streamed.tokens), folder,
                                        seed=self.random_state)
            dictionary = streamed.dictionary
            filtered = copy.deepcopy(dictionary)
            filtered.filter_extremes(no_below=self.no_below, no_above=self.no_above,
                                     keep_n=None)
            if len(filtered) >= self._enough_words():
                dictionary = filtered  # a tiny corpus keeps every word instead
            if len(dictionary) < 2:
                raise TrainingError(
                    f"too few distinct words ({len(dictionary)}) to train a topic model")
            tied = _cue_tokens(dictionary.token2id, self.taxonomy)
            n_topics = len(tied) + self.n_free_topics
            corpus = bag_of_words_file(streamed, dictionary, folder)
            self.n_documents_ = streamed.n_documents
            self.passes_ = self.passes_for(streamed.n_documents)
            eta = self._prior(tied, n_topics, len(dictionary),
                              dictionary.num_pos / max(len(dictionary), 1))
            sample = streamed.sample
            sample_bows = [dictionary.doc2bow(d) for d in sample]
            fits = [LdaModel(
                corpus=corpus, id2word=dictionary, num_topics=n_topics, eta=eta,
                alpha=self.alpha, passes=self.passes_, iterations=self.iterations,
                chunksize=CHUNK_DOCUMENTS, random_state=seed, eval_every=None,
                minimum_probability=0.0, dtype=np.float64) for seed in self.fit_seeds()]
            if self.fit_choice == "mean" and len(fits) > 1:
                lda = fits[0]
                lda.state.sstats = _mean_sstats([f.state.sstats for f in fits], len(tied))
                lda.sync_state()
                coherence = self._coherence(lda, dictionary, sample, sample_bows)
            else:
                best = None  # (mean c_v over the training sample, model, coherence per topic)
                for lda in fits:
                    coherence = self._coherence(lda, dictionary, sample, sample_bows)
                    score = float(np.mean([c["c_v"] or 0.0 for c in coherence]))
                    if best is None or score > best[0]:
                        best = (score, lda, coherence)
                _, lda, coherence = best
        meta = {
            "params": {k: v for k, v in self.get_params().items()
                       if k not in ("taxonomy", "stop_words")},
            "stopwords": sorted(vocabulary.stopwords),
            "phrases": [list(pair) for pair in sorted(vocabulary.phrases)],
            "topic_themes": [theme_id for theme_id, _ in tied] + [None] * self.n_free_topics,
            "coherence": coherence,
            "dictionary": {"tokens": [dictionary[i] for i in range(len(dictionary))],
                           "dfs": [dictionary.dfs.get(i, 0) for i in range(len(dictionary))],
                           "num_docs": dictionary.num_docs, "num_pos": dictionary.num_pos,
                           "num_nnz": dictionary.num_nnz},
        }
        self.inference_ = TopicInference(meta, {"alpha": lda.alpha, "eta": lda.eta,
                                                "sstats": lda.state.sstats})
        return self

    def _enough_words(self) -> int:
        """Fewer distinct words than this after a filter: a tiny corpus, kept unfiltered."""
        return 10 * (len(self.taxonomy.themes) + self.n_free_topics)

    def _unshared(self, streamed, genres: list, years: list) -> set[str]:
        """Words too few genres (``genre_share``) or years (``min_years``) share.

        Nothing when the documents have fewer than two genres (or ``2 * min_years`` years)
        or when too few words would be left for the topics (as for a tiny corpus in ``fit``).
        """
        from .corpus import tag_counts

        out: set[str] = set()
        tokens = streamed.dictionary.token2id
        n_genres = len({g for g in genres if g is not None})
        if self.genre_share > 0 and n_genres >= 2:
            spread = tag_counts(streamed.tokens, genres)
            need = self.genre_share * n_genres
            out |= {t for t in tokens if spread.get(t, 0) < need - 1e-9}
        if self.min_years > 0 and len({y for y in years if y is not None}) >= 2 * self.min_years:
            spread = tag_counts(streamed.tokens, years)
            seeding = {i for _, ids in _cue_tokens(tokens, self.taxonomy) for i in ids}
            out |= {t for t, i in tokens.items()
                    if i not in seeding and spread.get(t, 0) < self.min_years}
        if len(tokens) - len(out) < self._enough_words():
            return set()
        return out

    @property
    def topic_themes_(self) -> list[str | None]:
        """Each topic's theme, or None for a free topic."""
        check_is_fitted(self, "inference_")
        return self.inference_.topic_themes_

    @property
    def coherence_(self) -> list[dict]:
        """Each topic's c_v and u_mass coherence (measured on a sample of the corpus)."""
        check_is_fitted(self, "inference_")
        return self.inference_.coherence_

    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Plain JSON and arrays from which a :class:`TopicInference` is made."""
        check_is_fitted(self, "inference_")
        return self.inference_.to_state()

    def transform(self, documents: list[list[str]]) -> np.ndarray:
        """Topic distribution of each token list (see :meth:`TopicInference.transform`)."""
        check_is_fitted(self, "inference_")
        return self.inference_.transform(documents)

    def fit_seeds(self) -> list[int]:
        """The seeds of the ``n_fits`` LDA fits: ``random_state`` first, then apart from it."""
        return [self.random_state + FIT_SEED_STEP * j for j in range(max(1, self.n_fits))]

    def passes_for(self, n_documents: int) -> int:
        """Training passes: ``passes``, fewer on large corpora (about ``document_visits``)."""
        return max(1, min(self.passes, -(-self.document_visits // max(n_documents, 1))))

    def _prior(self, tied: list[tuple[str, dict]], n_topics: int, n_words: int,
               mean_count: float = 1.0) -> np.ndarray:
        """The topic-word prior: tied topics raised on their theme's cue words.

        A cue word of weight *w* gets ``seed_strength * w * mean_count`` pseudo-counts, where
        ``mean_count`` is the corpus's mean count of a dictionary word: the prior keeps its
        pull whatever the size of the corpus.
        """
        base = 1.0 / n_topics if self.eta_base is None else self.eta_base
        eta = np.full((n_topics, n_words), base)
        for topic, (_, ids) in enumerate(tied):
            # Cue words of the other themes are all but barred from this topic.
            for other, (_, other_ids) in enumerate(tied):
                if other != topic:
                    eta[topic, list(other_ids)] = base * 0.01
            for word_id, weight in ids.items():
                eta[topic, word_id] = base + self.seed_strength * weight * mean_count
        if self.bar_free:  # free topics hold what no theme's cue words name
            cues = [word_id for _, ids in tied for word_id in ids]
            eta[len(tied):, cues] = base * 0.01
        return eta

    @staticmethod
    def _coherence(lda, dictionary, documents, corpus) -> list[dict[str, float]]:
        from gensim.models import CoherenceModel

        out = [{} for _ in range(lda.num_topics)]
        for measure, kwargs in (("c_v", {"texts": documents}), ("u_mass", {"corpus": corpus})):
            model = CoherenceModel(model=lda, dictionary=dictionary,
                                   coherence=measure, topn=10, processes=1, **kwargs)
            for topic, value in enumerate(model.get_coherence_per_topic()):
                out[topic][measure] = round(float(value), 4) if np.isfinite(value) else None
        return out

