"""A fitted topic model as plain arrays: topics of new sentences and top words, without gensim.

:class:`~topics.topic.estimator.ThemeTopicModel` learns with gensim; what inference needs afterwards
(the dictionary, alpha, eta and the sufficient statistics) is held here. Loading a model
builds one of these directly, so ``topics classify`` imports neither gensim nor
scikit-learn.
"""

from __future__ import annotations

from functools import cached_property
from itertools import chain

import numpy as np

from .vocabulary import TopicVocabulary

#: gensim's default convergence threshold of a document's variational parameters.
GAMMA_THRESHOLD = 0.001


class TopicInference:
    """Topic inference and top words from a fitted topic model's state.

    Parameters
    ----------
    meta, arrays : dict
        What ``ThemeTopicModel.to_state`` gives (and a model bundle stores): parameters,
        each topic's theme and coherence, the dictionary; alpha, eta and sstats.
    """

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.meta = meta
        self.params = dict(meta["params"])
        self.iterations = int(self.params["iterations"])
        self.topic_themes_ = list(meta["topic_themes"])
        self.coherence_ = list(meta["coherence"])
        self.tokens_ = list(meta["dictionary"]["tokens"])
        self.token2id_ = {token: i for i, token in enumerate(self.tokens_)}
        self.alpha_ = np.asarray(arrays["alpha"], dtype=np.float64)
        self.eta_ = np.asarray(arrays["eta"], dtype=np.float64)
        self.sstats_ = np.asarray(arrays["sstats"], dtype=np.float64)
        # without stop words or collocations in its state, it reads content tokens as given
        self.vocabulary_ = TopicVocabulary(meta.get("stopwords", ()), meta.get("phrases", ()))

    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The state this object was made from (for a model bundle)."""
        return self.meta, {"alpha": self.alpha_, "eta": self.eta_, "sstats": self.sstats_}

    @cached_property
    def exp_elog_beta_(self) -> np.ndarray:
        """exp(E[log beta]) of the topics, computed when topics are first inferred."""
        from scipy.special import psi

        lam = self.lambda_
        return np.exp(psi(lam) - psi(lam.sum(axis=1))[:, None])

    @property
    def lambda_(self) -> np.ndarray:
        """Topic-word variational parameters (prior ``eta`` plus sufficient statistics)."""
        return self.eta_ + self.sstats_

    @property
    def n_topics(self) -> int:
        """Number of topics, tied and free."""
        return len(self.alpha_)

    def top_words(self, topic: int, n: int = 15) -> list[tuple[str, float]]:
        """The ``n`` most probable words of a topic with their probabilities."""
        row = self.lambda_[topic] / self.lambda_[topic].sum()
        order = np.argsort(-row, kind="stable")[:n]
        return [(self.tokens_[i], round(float(row[i]), 5)) for i in order]

    def transform(self, documents: list[list[str]]) -> np.ndarray:
        """Topic distribution of each token list (rows sum to 1), inferred for the batch at once.

        The token lists are content tokens (``Segmenter.content_of``); the topic model's own
        stop words and collocations are applied here (:class:`TopicVocabulary`).
        gensim's variational E-step, vectorised over documents: each starts from
        gamma = 1 and iterates until its mean change is under ``gamma_threshold``
        (or ``iterations``), independently of the others in the batch. A document
        with no known word gets the prior.
        """
        import scipy.sparse as sp
        from scipy.special import psi

        k = len(self.alpha_)
        if not documents:
            return np.zeros((0, k))
        ids = self._word_ids(documents)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        columns = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=lengths.sum())
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        counts = sp.csr_matrix((np.ones(len(columns)), columns, indptr),
                               shape=(len(documents), len(self.tokens_)))
        counts.sum_duplicates()
        beta_t = self.exp_elog_beta_.T  # V x K
        gamma = np.ones((counts.shape[0], k))
        eps = np.finfo(np.float64).eps
        active = np.flatnonzero(np.diff(counts.indptr) > 0)  # documents still iterating
        # The active documents' entries and their words' rows of beta, gathered once; a
        # document that has converged leaves them. Each document's rows are summed in
        # order, from zero (``np.bincount`` of each (document, topic) cell: one entry after
        # the other, as np.add.at and the sparse product ``ratio @ beta_t`` sum them),
        # without making a sparse matrix each iteration.
        sub = counts[active]
        data, lengths = sub.data, np.diff(sub.indptr)
        words_beta = beta_t[sub.indices]
        doc_of = np.repeat(np.arange(len(lengths)), lengths)
        cells = (doc_of[:, None] * k + np.arange(k)).ravel()
        g = gamma[active]
        for _ in range(self.iterations):
            if not len(active):
                break
            exp_elog_theta = np.exp(psi(g) - psi(g.sum(axis=1))[:, None])
            phinorm = np.einsum("ij,ij->i", exp_elog_theta[doc_of], words_beta) + eps
            sums = np.bincount(cells, ((data / phinorm)[:, None] * words_beta).ravel(),
                               g.size).reshape(g.shape)
            new = self.alpha_ + exp_elog_theta * sums
            going = np.abs(new - g).mean(axis=1) >= GAMMA_THRESHOLD
            gamma[active] = new
            if not going.all():
                entries = np.repeat(going, lengths)
                data, words_beta, lengths = data[entries], words_beta[entries], lengths[going]
                doc_of = np.repeat(np.arange(len(lengths)), lengths)
                cells = (doc_of[:, None] * k + np.arange(k)).ravel()
            active, g = active[going], new[going]
        empty = np.diff(counts.indptr) == 0
        gamma[empty] = self.alpha_
        return gamma / gamma.sum(axis=1, keepdims=True)

    @cached_property
    def _content_ids(self) -> dict[str, int]:
        """``token2id_`` without the topic stop words: the ids of tokens read as they are."""
        stopwords = self.vocabulary_.stopwords
        return {t: i for t, i in self.token2id_.items() if t not in stopwords}

    def _word_ids(self, documents: list[list[str]]) -> list[list[int]]:
        """The dictionary ids of each token list's words as the model reads them.

        ``TopicVocabulary.prepare``, then the known words. A list with no token that
        starts a collocation is its tokens less the stop words (``prepare`` joins none):
        those are looked up at once, in ``_content_ids``.
        """
        lookup, known = self.token2id_, self._content_ids
        prepare, firsts = self.vocabulary_.prepare, self.vocabulary_.firsts
        return [[known[t] for t in doc if t in known] if firsts.isdisjoint(doc)
                else [lookup[t] for t in prepare(doc) if t in lookup] for doc in documents]

    def summary(self, n: int = 10) -> list[dict]:
        """Each topic's theme (or None), coherence and top words."""
        return [
            {"id": k, "theme": self.topic_themes_[k], "coherence": self.coherence_[k],
             "words": [[w, p] for w, p in self.top_words(k, n)]}
            for k in range(self.n_topics)
        ]
