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


#: Pixels left between two circles of the topic map.
GAP = 4.0


def _overlapping(centres: np.ndarray, radii: np.ndarray, gap: float) -> bool:
    """Whether any two circles are closer than ``gap`` (edge to edge)."""
    distance = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    need = radii[:, None] + radii[None, :] + gap
    np.fill_diagonal(need, 0)
    return bool((distance < need - 1e-6).any())


def spread_circles(centres: np.ndarray, radii: np.ndarray, size: float, gap: float = GAP,
                   rounds: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Circles moved apart (and shrunk if need be) until none covers another.

    Deterministic collision relaxation of the map's positions: each overlapping pair is
    pushed apart along the line between their centres (coinciding centres along a fixed
    angle per pair), each circle kept inside the ``size`` square, until every two are at
    least ``gap`` apart edge to edge. Should ``rounds`` not do, all radii shrink by a tenth
    and it starts again; radii are first scaled down so the circles take at most a third
    of the square. Returns the new centres and radii; neighbours stay roughly neighbours.
    """
    centres = np.array(centres, dtype=np.float64).reshape(-1, 2)
    radii = np.array(radii, dtype=np.float64).reshape(-1)
    k = len(radii)
    crowd = float(np.sum((2 * radii + gap) ** 2)) / (size * size)
    if crowd > 1 / 3:
        radii = radii / np.sqrt(3 * crowd)
    start = centres.copy()
    while True:
        centres = start.copy()
        for _ in range(rounds):
            moved = False
            for i in range(k):
                for j in range(i + 1, k):
                    offset = centres[j] - centres[i]
                    distance = float(np.hypot(*offset))
                    need = radii[i] + radii[j] + gap
                    if distance >= need:
                        continue
                    if distance < 1e-9:
                        angle = 2 * np.pi * (i * k + j) / (k * k)
                        direction = np.array([np.cos(angle), np.sin(angle)])
                    else:
                        direction = offset / distance
                    push = (need - distance) / 2 + 0.01
                    centres[i] -= push * direction
                    centres[j] += push * direction
                    moved = True
            centres = np.clip(centres, radii[:, None], size - radii[:, None])
            if not moved:
                break
        if not _overlapping(centres, radii, gap):
            return centres, radii
        radii = radii * 0.9


def topic_view(topic_model: TopicInference, n_words: int = 30, size: int = 420) -> dict:
    """Topic positions (classical MDS of Jensen-Shannon distances), sizes and words.

    Each topic has ``x``, ``y`` and radius ``r`` (area proportional to its share of
    the corpus's words; circles moved apart so that none covers another, see
    :func:`spread_circles`), its ``theme``, and ``words`` as ``[word, p(w|t), p(w)]``.
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
    coords, radii = spread_circles(coords, 8 + 50 * np.sqrt(prevalence), size)
    id2word = topic_model.tokens_
    topics = []
    for t in range(k):
        top = np.argsort(-topic_word[t], kind="stable")[:n_words]
        topics.append({
            "x": round(float(coords[t, 0]), 1), "y": round(float(coords[t, 1]), 1),
            "r": round(float(radii[t]), 1),
            "theme": topic_model.topic_themes_[t],
            "words": [[id2word[int(w)], round(float(topic_word[t, w]), 6),
                       round(float(overall[w]), 6)] for w in top],
        })
    return {"topics": topics, "summary": topic_model.summary(10)}
