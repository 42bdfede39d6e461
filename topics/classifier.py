"""The sentence theme classifier: word and char TF-IDF, cue-word scores, logistic regression."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from .cues import CueMatcher
from .segment import Segmenter
from .taxonomy import Taxonomy
from .vectorize import CharNgramIndex, WordNgramIndex

_PLACEHOLDER = re.compile(r"[xX×]{1,}")
_DIGITS = re.compile(r"[0-9０-９]+(?:[.,][0-9]+)?")
_SPACE = re.compile(r"\s+")


def normalise_chars(text: str) -> str:
    """Text for character n-grams: placeholders dropped, numbers as ``0``, no spaces."""
    text = _PLACEHOLDER.sub("", text)
    text = _DIGITS.sub("0", text)
    return _SPACE.sub("", text)


def _display(feature: str) -> str:
    """A feature name for people: word bigrams are joined without the space."""
    return str(feature).replace(" ", "")


def _ordered_vocabulary(vectorizer: TfidfVectorizer) -> list[str]:
    """The vocabulary as a list, position = feature column."""
    vocabulary = [""] * len(vectorizer.vocabulary_)
    for term, column in vectorizer.vocabulary_.items():
        vocabulary[column] = term
    return vocabulary


def _identity(tokens):
    return tokens


@dataclass(frozen=True)
class Prediction:
    """A theme, its confidence, every theme's score and the terms that pushed it."""

    theme: str
    confidence: float
    scores: dict[str, float]
    evidence: list[tuple[str, float]]


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """Classify sentences into the themes of a taxonomy.

    Features are TF-IDF over segmented content words (uni- and bigrams), TF-IDF
    over character 1-3-grams, and the log of each theme's cue-word score; a
    class-weighted multinomial logistic regression gives probabilities. A
    sentence whose best probability is under ``threshold`` gets the fallback
    theme.

    Parameters
    ----------
    taxonomy : Taxonomy
        Themes, cue words and the fallback theme.
    segmenter : Segmenter or None
        Word segmentation; a default ``Segmenter()`` when None.
    C : float
        Inverse regularisation strength of the logistic regression. The defaults
        of ``C`` and ``cue_weight`` were chosen by ``topics train --select``
        (leave-one-report-out macro-F1 on the seed hand labels).
    word_weight, char_weight, cue_weight : float
        Scale of each feature block.
    threshold : float
        Minimum probability for a theme other than the fallback.
    class_weight : str or None
        Passed to ``LogisticRegression``.
    char_ngrams, word_ngrams : tuple of int
        n-gram ranges of the character and word TF-IDF.
    random_state : int
        Seed of the solver.
    """

    def __init__(self, taxonomy: Taxonomy | None = None, segmenter: Segmenter | None = None,
                 C: float = 32.0, word_weight: float = 1.0, char_weight: float = 1.0,  # noqa: N803
                 cue_weight: float = 0.5, threshold: float = 0.25,
                 class_weight: str | None = "balanced", char_ngrams: tuple = (1, 3),
                 word_ngrams: tuple = (1, 2), random_state: int = 0):
        self.taxonomy = taxonomy
        self.segmenter = segmenter
        self.C = C
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.cue_weight = cue_weight
        self.threshold = threshold
        self.class_weight = class_weight
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.random_state = random_state

    def _segmenter(self) -> Segmenter:
        if self.segmenter is None:
            self.segmenter = Segmenter()
        return self.segmenter

    def _features(self, texts, fit: bool = False, tokens=None, matches=None):
        if tokens is None:
            tokens = self._segmenter().content_tokens_many(texts)
        if matches is None:
            matches = self.cue_matcher_.matches_many(texts)
        chars = [normalise_chars(t) for t in texts]
        if fit:
            words = self.word_vectorizer_.fit_transform(tokens)
            grams = self.char_vectorizer_.fit_transform(chars)
        else:
            word_index, char_index = self._indexes()
            words = word_index.transform(tokens)
            grams = char_index.transform(chars)
        cues = sp.csr_matrix(np.log1p(self.cue_matcher_.score_matrix(matches)))
        return sp.hstack([
            self.word_weight * words, self.char_weight * grams, self.cue_weight * cues,
        ]).tocsr()

    def _indexes(self):
        """Fast transforms of the fitted vectorizers (same matrices, see ``vectorize``)."""
        indexes = self.__dict__.get("_fast_indexes")
        if indexes is None:
            words, chars = self.word_vectorizer_, self.char_vectorizer_
            word_vocabulary = _ordered_vocabulary(words)
            word_index = (WordNgramIndex(word_vocabulary, words.idf_, words.ngram_range,
                                         words.sublinear_tf)
                          if WordNgramIndex.supports(word_vocabulary, words.ngram_range)
                          else words)
            char_index = (CharNgramIndex(_ordered_vocabulary(chars), chars.idf_,
                                         chars.ngram_range, chars.lowercase, chars.sublinear_tf)
                          if chars.ngram_range[1] <= 3 else chars)
            indexes = self.__dict__["_fast_indexes"] = (word_index, char_index)
        return indexes

    def fit(self, X, y, sample_weight=None):  # noqa: N803
        """Learn vocabularies and the model from sentences ``X`` and theme ids ``y``."""
        if self.taxonomy is None:
            raise ValueError("ThemeClassifier needs a taxonomy")
        texts = [str(t) for t in X]
        y = np.asarray(y)
        if len(texts) != len(y) or not len(texts):
            raise ValueError("X and y must be non-empty and of the same length")
        unknown = set(y) - set(self.taxonomy.ids)
        if unknown:
            raise ValueError(f"labels not in the taxonomy: {sorted(unknown)}")
        self.word_vectorizer_ = self._word_vectorizer()
        self.char_vectorizer_ = self._char_vectorizer()
        self.cue_matcher_ = CueMatcher(self.taxonomy)
        self.__dict__.pop("_fast_indexes", None)
        features = self._features(texts, fit=True)
        self.model_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=5000,
            random_state=self.random_state)
        self.model_.fit(features, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        self.feature_names_ = self._feature_names()
        self.__dict__.pop("_display_cache", None)
        return self

    def _word_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            tokenizer=_identity, preprocessor=_identity, lowercase=False, token_pattern=None,
            ngram_range=tuple(self.word_ngrams), sublinear_tf=True)

    def _char_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer="char", ngram_range=tuple(self.char_ngrams), sublinear_tf=True, min_df=2)

    def _feature_names(self) -> np.ndarray:
        return np.concatenate([
            self.word_vectorizer_.get_feature_names_out(),
            self.char_vectorizer_.get_feature_names_out(),
            np.array([f"cue:{t}" for t in self.taxonomy.ids], dtype=object),
        ])

    def predict_proba(self, X):  # noqa: N803
        """Probability of every class (``classes_`` order) for each sentence."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._features([str(t) for t in X]))

    def _decide(self, proba: np.ndarray) -> np.ndarray:
        best = proba.argmax(axis=1)
        labels = self.classes_[best].astype(object)
        low = proba[np.arange(len(best)), best] < self.threshold
        labels[low] = self.taxonomy.fallback
        return labels

    def predict(self, X):  # noqa: N803
        """Theme id of each sentence (the fallback theme below ``threshold``)."""
        return self._decide(self.predict_proba(X))

    def predict_detailed(self, texts: list[str], n_evidence: int = 5,
                         tokens: list[list[str]] | None = None) -> list[Prediction]:
        """Predictions with confidence, every theme's score and evidence terms.

        ``tokens`` may pass the texts' content tokens when the caller has them already.
        """
        check_is_fitted(self, "model_")
        texts = [str(t) for t in texts]
        if not texts:
            return []
        matches = self.cue_matcher_.matches_many(texts)
        features = self._features(texts, tokens=tokens, matches=matches)
        proba = self.model_.predict_proba(features)
        labels = self._decide(proba)
        class_index = {c: i for i, c in enumerate(self.classes_)}
        evidence = self._evidence(features, proba.argmax(axis=1), matches, n_evidence)
        classes = [str(c) for c in self.classes_]
        out = []
        for row, label in enumerate(labels):
            scores = dict(zip(classes, proba[row].tolist(), strict=True))
            confidence = float(proba[row, class_index[label]]) if label in class_index else 0.0
            out.append(Prediction(str(label), confidence, scores, evidence[row]))
        return out

    def _display_names(self) -> tuple[np.ndarray, list[str]]:
        """Per feature column, the id of its name for people; the names by id.

        Features with the same name (the word 政治 and the characters 政治) share an id.
        Cue features are named ``cue:THEME`` and shown as the cue words they matched.
        """
        cached = self.__dict__.get("_display_cache")
        if cached is None:
            ids: dict[str, int] = {}
            columns = np.array([ids.setdefault(_display(name), len(ids))
                                for name in self.feature_names_], dtype=np.int64)
            cached = self.__dict__["_display_cache"] = (columns, list(ids))
        return cached

    def _evidence(self, features, best: np.ndarray, matches: list[list[str]],
                  n: int) -> list[list[tuple[str, float]]]:
        """Per row, the ``n`` named features that pushed it most towards its best class."""
        coef = self.model_.coef_
        if coef.shape[0] == 1:  # binary: one weight row, negated for class 0
            coef = np.vstack([-coef[0], coef[0]])
        n_rows = features.shape[0]
        rows = np.repeat(np.arange(n_rows), np.diff(features.indptr))
        values = features.data * coef[best[rows], features.indices]
        keep = values > 0
        name_of, names = self._display_names()
        merged = sp.csr_matrix((values[keep], (rows[keep], name_of[features.indices[keep]])),
                               shape=(n_rows, len(names)))
        merged.sum_duplicates()
        rows = np.repeat(np.arange(n_rows), np.diff(merged.indptr))
        order = np.argsort(-merged.data, kind="stable")  # ties: column order
        order = order[np.argsort(rows[order], kind="stable")]
        rank = np.arange(len(order)) - merged.indptr[rows[order]]
        top = order[rank < n + 2]  # two spare: a cue name may equal another feature's
        out: list[dict[str, float]] = [{} for _ in range(n_rows)]
        for row, name_id, value in zip(rows[top].tolist(), merged.indices[top].tolist(),
                                       merged.data[top].tolist(), strict=True):
            name = names[name_id]
            if name.startswith("cue:"):
                theme = name[4:]
                words = [w for w in matches[row] if theme in self.cue_matcher_.themes_of(w)]
                name = "+".join(dict.fromkeys(words)) or name
            contributions = out[row]
            contributions[name] = contributions.get(name, 0.0) + value
        return [[(name, round(value, 4))
                 for name, value in sorted(c.items(), key=lambda kv: -kv[1])[:n]] for c in out]

    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Plain JSON and arrays from which :meth:`from_state` rebuilds the fitted model."""
        check_is_fitted(self, "model_")
        params = {k: v for k, v in self.get_params().items() if k not in ("taxonomy", "segmenter")}
        params["char_ngrams"] = list(self.char_ngrams)
        params["word_ngrams"] = list(self.word_ngrams)
        meta = {
            "params": params,
            "classes": [str(c) for c in self.classes_],
            "word_vocabulary": _ordered_vocabulary(self.word_vectorizer_),
            "char_vocabulary": _ordered_vocabulary(self.char_vectorizer_),
        }
        arrays = {"word_idf": self.word_vectorizer_.idf_, "char_idf": self.char_vectorizer_.idf_,
                  "coef": self.model_.coef_, "intercept": self.model_.intercept_}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, np.ndarray], taxonomy: Taxonomy,
                   segmenter: Segmenter) -> ThemeClassifier:
        """Rebuild a fitted classifier from :meth:`to_state` output (no pickle involved)."""
        params = dict(meta["params"])
        params["char_ngrams"] = tuple(params["char_ngrams"])
        params["word_ngrams"] = tuple(params["word_ngrams"])
        model = cls(taxonomy=taxonomy, segmenter=segmenter, **params)
        model.word_vectorizer_ = model._word_vectorizer()
        model.char_vectorizer_ = model._char_vectorizer()
        for vectorizer, vocabulary, idf in (
                (model.word_vectorizer_, meta["word_vocabulary"], arrays["word_idf"]),
                (model.char_vectorizer_, meta["char_vocabulary"], arrays["char_idf"])):
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(vocabulary)}
            vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
        model.cue_matcher_ = CueMatcher(taxonomy)
        model.model_ = LogisticRegression(C=model.C, class_weight=model.class_weight,
                                          max_iter=5000, random_state=model.random_state)
        model.model_.classes_ = np.array(meta["classes"])
        model.model_.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        model.model_.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        model.model_.n_features_in_ = model.model_.coef_.shape[1]
        model.classes_ = model.model_.classes_
        model.feature_names_ = model._feature_names()
        return model

    def top_terms(self, n: int = 15) -> dict[str, list[tuple[str, float]]]:
        """Each theme's strongest positive words and word pairs."""
        check_is_fitted(self, "model_")
        n_words = len(self.word_vectorizer_.get_feature_names_out())
        out = {}
        for pos, theme in enumerate(self.classes_):
            weights = self.model_.coef_[pos][:n_words]
            order = np.argsort(-weights, kind="stable")[:n]
            out[str(theme)] = [(_display(self.feature_names_[i]), round(float(weights[i]), 4))
                               for i in order if weights[i] > 0]
        return out
