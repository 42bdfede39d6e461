"""Numbers behind the interactive topic-model page: a 2-D map of topics and their words."""

from __future__ import annotations

import numpy as np

from .inference import TopicInference


def _jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    m = (p + q) / 2
    def kl(a, b):
        mask = a > 0
        return float(np.sum(a[mask] * np.log(a[mask] / b[mask])))
    return (kl(p, m) + kl(q, m)) / 2


def topic_view(topic_model: TopicInference, n_words: int = 30, size: int = 420) -> dict:
    """Topic positions (classical MDS of Jensen-Shannon distances), sizes and words.

    Each topic has ``x``, ``y`` and radius ``r`` (area proportional to its share of
    the corpus's words), its ``theme``, and ``words`` as ``[word, p(w|t), p(w)]``.
    """
    lam = topic_model.lambda_
    topic_word = lam / lam.sum(axis=1, keepdims=True)
    overall = lam.sum(axis=0) / lam.sum()
    prevalence = lam.sum(axis=1) / lam.sum()
    k = len(topic_word)
    distances = np.array([[_jensen_shannon(topic_word[i], topic_word[j]) for j in range(k)]
                          for i in range(k)])
    centred = np.eye(k) - np.full((k, k), 1 / k)
    gram = -0.5 * centred @ (distances ** 2) @ centred
    values, vectors = np.linalg.eigh(gram)
    order = np.argsort(values)[::-1][:2]
    coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0, None))
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((k, 2 - coords.shape[1]))])
    span = np.ptp(coords, axis=0)
    span[span == 0] = 1
    margin = size * 0.15
    coords = margin + (coords - coords.min(axis=0)) / span * (size - 2 * margin)
    id2word = topic_model.tokens_
    topics = []
    for t in range(k):
        top = np.argsort(-topic_word[t], kind="stable")[:n_words]
        topics.append({
            "x": round(float(coords[t, 0]), 1), "y": round(float(coords[t, 1]), 1),
            "r": round(float(8 + 50 * np.sqrt(prevalence[t])), 1),
            "theme": topic_model.topic_themes_[t],
            "words": [[id2word[int(w)], round(float(topic_word[t, w]), 6),
                       round(float(overall[w]), 6)] for w in top],
        })
    return {"topics": topics, "summary": topic_model.summary(10)}
