"""Measuring topic models and choosing their number of topics (``topics select-k``).

Everything here trains or scores with gensim, so it is training-side code: labelling never
imports it. The measures:

- coherence of each topic's top words over given texts (gensim ``CoherenceModel``: ``c_v`` and
  ``c_npmi``, boolean sliding window);
- which theme owns a topic: the theme whose cue words are most over-represented among the
  words the topic was assigned (lift of at least :data:`OWNER_LIFT` over the corpus);
- stability across seeds: for each topic of the first seed's model, the best overlap of its
  top words with a topic of another seed's model, averaged over topics and seeds.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..taxonomy import Taxonomy
from .estimator import ThemeTopicModel, _cue_tokens
from .inference import TopicInference

#: Seeds whose models are compared for stability.
N_SEEDS = 5
#: Top words of a topic scored for coherence and compared for stability.
TOP_N = 10
#: A theme owns a topic when its cue words take this many times their corpus share in it.
OWNER_LIFT = 2.0
#: Models whose mean best-match overlap across seeds is under this are not chosen.
MIN_STABILITY = 0.7
#: How :func:`choose_k` picks k, in words (shown with every selection).
RULE = (f"among the k whose stability is at least {MIN_STABILITY} and whose seeds all align "
        f"topics and themes alike (every k if none is), and that let at least as many themes "
        f"own a topic as any such k, less one, the highest mean c_v; a smaller k wins a tie "
        f"within 0.005")


def top_word_lists(model: TopicInference, n: int = TOP_N) -> list[list[str]]:
    """Each topic's ``n`` most probable words."""
    return [[w for w, _ in model.top_words(k, n)] for k in range(model.n_topics)]


def coherence(topics: list[list[str]], texts: list[list[str]], measure: str = "c_v"
              ) -> list[float]:
    """Each topic's coherence over ``texts`` (gensim ``CoherenceModel``; NaN counts as 0)."""
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    # the topic words join the dictionary only: co-occurrence is counted over ``texts``
    dictionary = Dictionary([*texts, *topics])
    model = CoherenceModel(topics=topics, texts=texts, dictionary=dictionary,
                           coherence=measure, topn=len(topics[0]), processes=1)
    return [float(v) if np.isfinite(v) else 0.0 for v in model.get_coherence_per_topic()]


def theme_owners(model: TopicInference, taxonomy: Taxonomy) -> list[str | None]:
    """The theme that owns each topic (see the module's docstring), or None."""
    cues = _cue_tokens(model.token2id_, taxonomy)
    counts = model.sstats_
    topic_word = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1e-12)
    overall = counts.sum(axis=0) / max(counts.sum(), 1e-12)
    owners: list[str | None] = []
    for row in topic_word:
        best, best_lift = None, OWNER_LIFT
        for theme, ids in cues:
            columns = list(ids)
            base = overall[columns].sum()
            lift = row[columns].sum() / base if base > 0 else 0.0
            if lift >= best_lift:
                best, best_lift = theme, lift
        owners.append(best)
    return owners


def best_match_overlap(first: list[list[str]], other: list[list[str]]) -> float:
    """Mean over ``first``'s topics of the largest share of top words one of ``other``'s has."""
    others = [set(words) for words in other]
    return float(np.mean([max(len(set(words) & o) for o in others) / len(words)
                          for words in first]))


def tied_overlap(first: list[list[str]], other: list[list[str]], n_tied: int) -> float:
    """Mean share of top words that the same tied topic (same theme) has in two models."""
    if n_tied == 0:
        return float("nan")
    return float(np.mean([len(set(a) & set(b)) / len(a)
                          for a, b in zip(first[:n_tied], other[:n_tied], strict=True)]))


@dataclass
class KScore:
    """What one number of topics gave, over :data:`N_SEEDS` seeds."""

    k: int  # as asked, what `topics train --topics k` takes (the models may hold fewer)
    n_free: int
    c_v: float  # mean over topics of the first seed's model
    c_npmi: float
    stability: float  # mean best-match overlap of top words, first seed against the others
    tied_stability: float  # the same for tied topics, matched by theme
    themes_owned: int  # distinct themes that own a topic (first seed)
    same_alignment: bool  # every seed's tied topics are owned by the same themes
    fit_seconds: float  # CPU seconds of one fit (mean)


def score_models(models: Sequence[TopicInference], taxonomy: Taxonomy,
                 texts: list[list[str]], fit_seconds: float = 0.0) -> KScore:
    """Score the models of one k trained with different seeds (coherence on the first)."""
    import math

    first = models[0]
    words = [top_word_lists(m) for m in models]
    n_tied = sum(1 for t in first.topic_themes_ if t is not None)
    prepared = first.vocabulary_.prepare_many(texts)
    owners = [theme_owners(m, taxonomy) for m in models]
    overlaps = [best_match_overlap(words[0], w) for w in words[1:]]
    tied = [tied_overlap(words[0], w, n_tied) for w in words[1:]]
    return KScore(
        k=first.n_topics, n_free=first.n_topics - n_tied,
        c_v=round(float(np.mean(coherence(words[0], prepared, "c_v"))), 4),
        c_npmi=round(float(np.mean(coherence(words[0], prepared, "c_npmi"))), 4),
        stability=round(float(np.mean(overlaps)), 4) if overlaps else 1.0,
        tied_stability=(round(float(np.mean(tied)), 4) if tied and not math.isnan(tied[0])
                        else float("nan")),
        themes_owned=len({o for o in owners[0] if o is not None}),
        same_alignment=all(o[:n_tied] == owners[0][:n_tied] for o in owners[1:]),
        fit_seconds=round(fit_seconds, 2))


def choose_k(scores: list[KScore]) -> KScore:
    """The k that :data:`RULE` picks: stable, most themes owned (but one), most coherent."""
    stable = [s for s in scores if s.stability >= MIN_STABILITY and s.same_alignment] or list(
        scores)
    most = max(s.themes_owned for s in stable)
    candidates = [s for s in stable if s.themes_owned >= most - 1]
    best = max(s.c_v for s in candidates)
    return min((s for s in candidates if s.c_v >= best - 0.005), key=lambda s: s.k)


def select_k(documents: list[list[str]], taxonomy: Taxonomy, ks: Sequence[int],
             texts: list[list[str]] | None = None, n_seeds: int = N_SEEDS,
             params: dict | None = None, progress: Callable[[str], None] = lambda _m: None,
             genres: list[str | None] | None = None, years: list[int | None] | None = None
             ) -> tuple[KScore, list[KScore]]:
    """Fit the topic model for every k and seed; score each k; the chosen k and all scores.

    ``documents`` are the training documents (content tokens), ``genres`` and ``years`` theirs
    (see ``ThemeTopicModel.fit``); ``texts`` those coherence is measured over (default: the
    documents). Each k has one topic per theme with cue words in
    the vocabulary; a k smaller than that many is left out.
    """
    import time

    texts = documents if texts is None else texts
    n_tied = sum(1 for theme in taxonomy.themes if theme.cues)
    scores = []
    for k in ks:
        if k < n_tied:
            progress(f"k={k}: fewer topics than themes with cue words ({n_tied}); left out")
            continue
        models, seconds = [], 0.0
        for seed in range(n_seeds):
            started = time.process_time()
            model = ThemeTopicModel(taxonomy=taxonomy, **{
                **(params or {}), "n_free_topics": k - n_tied, "random_state": seed})
            models.append(model.fit(documents, genres=genres, years=years).inference_)
            seconds += time.process_time() - started
        # the k asked for, which `topics train --topics k` takes: a theme whose cue words
        # are not in the vocabulary gets no topic, so the models may hold fewer than k
        score = replace(score_models(models, taxonomy, texts, seconds / len(models)), k=k)
        progress(f"k={k}: c_v {score.c_v:.3f}, c_npmi {score.c_npmi:.3f}, stability "
                 f"{score.stability:.2f}, themes owning a topic {score.themes_owned}")
        scores.append(score)
    if not scores:
        from ..errors import TrainingError

        raise TrainingError(f"every k asked for ({', '.join(map(str, ks))}) is smaller than "
                            f"the {n_tied} themes with cue words, which each get a topic")
    return choose_k(scores), scores


def scores_json(chosen: KScore, scores: list[KScore]) -> dict:
    """Plain JSON of a selection."""
    def plain(score: KScore) -> dict:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in asdict(score).items()}
    return {"chosen_k": chosen.k, "rule": RULE,
            "scores": [plain(s) for s in scores]}


def chart_html(chosen: KScore, scores: list[KScore], n_themes: int = 8,
               n_seeds: int = N_SEEDS) -> str:
    """A self-contained HTML page (inline SVG, no network) of the measures against k.

    ``n_seeds`` is the number of seeds each k was fitted with (said in the legend).
    """
    width, height, pad = 640, 300, 48
    ks = [s.k for s in scores]
    low, high = min(ks), max(ks)
    span = max(high - low, 1)

    def x(k: int) -> float:
        return pad + (k - low) / span * (width - 2 * pad)

    def y(value: float, lo: float, hi: float) -> float:
        return height - pad - (value - lo) / ((hi - lo) or 1) * (height - 2 * pad)

    series = [("c_v", "#1f77b4", [s.c_v for s in scores], 0.0, 1.0),
              ("c_npmi", "#ff7f0e", [s.c_npmi for s in scores], -0.2, 0.4),
              (f"stability ({n_seeds} seeds)", "#2ca02c", [s.stability for s in scores], 0.0, 1.0),
              (f"themes owning a topic / {n_themes}", "#9467bd",
               [s.themes_owned / n_themes for s in scores], 0.0, 1.0)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
             f'role="img" aria-label="measures per number of topics">',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
             f'stroke="#333"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#333"/>',
             f'<line x1="{x(chosen.k):.1f}" y1="{pad}" x2="{x(chosen.k):.1f}" '
             f'y2="{height - pad}" stroke="#d62728" stroke-dasharray="4 3"/>',
             f'<text x="{x(chosen.k):.1f}" y="{pad - 6}" font-size="12" text-anchor="middle" '
             f'fill="#d62728">chosen k={chosen.k}</text>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):  # the 0-1 scale (c_npmi's own range in its legend)
        parts.append(f'<line x1="{pad}" y1="{y(tick, 0, 1):.1f}" x2="{width - pad}" '
                     f'y2="{y(tick, 0, 1):.1f}" stroke="#ddd"/><text x="{pad - 6}" '
                     f'y="{y(tick, 0, 1) + 4:.1f}" font-size="11" text-anchor="end">{tick:g}'
                     f'</text>')
    for k in ks:
        parts.append(f'<text x="{x(k):.1f}" y="{height - pad + 16}" font-size="11" '
                     f'text-anchor="middle">{k}</text>')
    parts.append(f'<text x="{width / 2}" y="{height - 8}" font-size="12" '
                 f'text-anchor="middle">k (topics)</text>')
    for number, (name, colour, values, lo, hi) in enumerate(series):
        points = " ".join(f"{x(k):.1f},{y(v, lo, hi):.1f}" for k, v in zip(ks, values,
                                                                          strict=True))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{points}"/>')
        parts.extend(f'<circle cx="{x(k):.1f}" cy="{y(v, lo, hi):.1f}" r="3" '
                     f'fill="{colour}"/>' for k, v in zip(ks, values, strict=True))
        parts.append(f'<text x="{pad + 150 * (number % 2) * 2}" '
                     f'y="{height + 14 + 16 * (number // 2)}" font-size="12" '
                     f'fill="{colour}">&#9644; {html.escape(name)} ({lo:g} to {hi:g})</text>')
    parts.append("</svg>")
    rows = "".join(
        f"<tr{' class=chosen' if s.k == chosen.k else ''}><td>{s.k}</td><td>{s.n_free}</td>"
        f"<td>{s.c_v:.3f}</td><td>{s.c_npmi:.3f}</td><td>{s.stability:.2f}</td>"
        f"<td>{s.tied_stability:.2f}</td><td>{s.themes_owned}</td>"
        f"<td>{'yes' if s.same_alignment else 'no'}</td></tr>" for s in scores)
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<title>topics select-k</title><style>body{font-family:sans-serif;margin:2em}"
            "td,th{padding:2px 8px;text-align:right}.chosen{background:#fde}</style></head>"
            f"<body><h1>Number of topics: k={chosen.k} chosen</h1>"
            f"<p>Rule: {html.escape(RULE)}.</p>"
            + "".join(parts) +
            "<table><tr><th>k</th><th>free</th><th>c_v</th><th>c_npmi</th><th>stability</th>"
            "<th>tied stability</th><th>themes owning a topic</th><th>same alignment</th></tr>"
            f"{rows}</table></body></html>\n")
