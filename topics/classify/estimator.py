"""The sentence theme classifier: TF-IDF and cue-word scores, logistic regression and naive Bayes.

It learns with scikit-learn; once fitted, it labels through a
:class:`~topics.classify.predictor.ThemePredictor` made from its state, which is also what a loaded
model uses (no scikit-learn needed there).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.utils.validation import check_is_fitted

from ..config import N_EVIDENCE
from ..features.cues import CueMatcher
from ..features.definition import feature_matrix
from ..features.occurrence import document_counts
from ..features.tfidf import char_fitter, ordered_vocabulary, word_vectorizer
from ..taxonomy import Taxonomy
from ..text.segment import Segmenter
from .predictor import Prediction, ThemePredictor


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """Classify sentences into the themes of a taxonomy.

    Features are TF-IDF over segmented content words (uni- and bigrams), TF-IDF
    over character 1-3-grams, and the log of each theme's cue-word score; a
    class-weighted multinomial logistic regression, joined by a multinomial naive Bayes
    model on the same features (``nb_weight``), gives probabilities. A
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
    solver : str
        ``LogisticRegression``'s solver. Newton-CG reaches the same optimum as L-BFGS on this
        problem (the objective is convex) in about a third of the time.
    tol : float
        The solver's stopping tolerance (1e-3: a quarter of the time of 1e-4, the same
        development-set macro-F1 by document-grouped cross-validation).
    nb_weight : float
        Weight of the naive Bayes model's log-probabilities added to the logistic
        regression's scores (a product of the two models' probabilities, sharpened or
        flattened by the calibration after it). Both are linear in the features, so their
        sum is one linear model: labelling costs the same. 0: the logistic regression alone.
    nb_alpha : float
        The naive Bayes model's additive smoothing (0.03 to 0.01 gave the best
        document-grouped cross-validated macro-F1, alone and in context; 1.0 clearly less).
    hints : bool
        Score the taxonomy's hint words too, as a second block of cue columns (one per
        theme, weighted by ``cue_weight``): words a theme's training sentences may never
        use still speak for it (bench/ACCURACY.md: +0.007 macro-F1 on units alone).
    """

    def __init__(self, taxonomy: Taxonomy | None = None, segmenter: Segmenter | None = None,
                 C: float = 32.0, word_weight: float = 1.0, char_weight: float = 1.0,  # noqa: N803
                 cue_weight: float = 0.5, threshold: float = 0.25,
                 class_weight: str | None = "balanced", char_ngrams: tuple = (1, 3),
                 word_ngrams: tuple = (1, 2), random_state: int = 0,
                 solver: str = "newton-cg", tol: float = 1e-3, nb_weight: float = 0.3,
                 nb_alpha: float = 0.03, hints: bool = True):
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
        self.solver = solver
        self.tol = tol
        self.nb_weight = nb_weight
        self.nb_alpha = nb_alpha
        self.hints = hints

    def fit(self, X, y, sample_weight=None, documents=None):  # noqa: N803
        """Learn vocabularies and the model from sentences ``X`` and theme ids ``y``.

        ``documents`` names the document of each sentence (default: each sentence is a
        document of its own); the number of documents each word feature occurs in is kept
        for showing a theme's terms (``topics.pipeline.terms``).
        """
        if self.taxonomy is None:
            raise ValueError("ThemeClassifier needs a taxonomy")
        texts = [str(t) for t in X]
        y = np.asarray(y)
        if len(texts) != len(y) or not len(texts):
            raise ValueError("X and y must be non-empty and of the same length")
        unknown = set(y) - set(self.taxonomy.ids)
        if unknown:
            raise ValueError(f"labels not in the taxonomy: {sorted(unknown)}")
        # the parameter is never replaced (scikit-learn's contract: fit changes no parameter)
        self.segmenter_ = self.segmenter if self.segmenter is not None else Segmenter()
        words = word_vectorizer(self.word_ngrams)
        chars = char_fitter(self.char_ngrams)
        matcher = CueMatcher(self.taxonomy, hints=self.hints)
        tokens = self.segmenter_.tokens_many(texts)
        features = feature_matrix(texts, self.segmenter_.content_of(tokens),
                                  matcher.matches_many(texts), matcher, words.fit_transform,
                                  chars.fit_transform, self.get_params())
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000,
                                   solver=self.solver, tol=self.tol,
                                   random_state=self.random_state)
        # float32 features: the solver's sparse products move half the data (a quarter less
        # CPU than float64, the same development-set macro-F1: bench/FIRST_USE.md)
        features = features.astype(np.float32)
        model.fit(features, y, sample_weight=sample_weight)
        params = {k: v for k, v in self.get_params().items() if k not in ("taxonomy", "segmenter")}
        params["char_ngrams"] = list(self.char_ngrams)
        params["word_ngrams"] = list(self.word_ngrams)
        meta = {"params": params, "classes": [str(c) for c in model.classes_],
                "word_vocabulary": ordered_vocabulary(words),
                "char_vocabulary": ordered_vocabulary(chars)}
        coef, intercept = model.coef_.astype(np.float64), model.intercept_.astype(np.float64)
        if len(model.classes_) == 2:  # one row, z, for the second class: the predictor's
            # softmax wants one per class, and softmax([-z/2, z/2]) is sigmoid(z) for it
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.r_[-intercept, intercept] / 2
        if self.nb_weight:
            # MultinomialNB's log-likelihoods, centred per feature (a shift common to every
            # class changes no probability), in the classes' order (both sort them)
            bayes = MultinomialNB(alpha=self.nb_alpha).fit(features, y,
                                                           sample_weight=sample_weight)
            log_prob = bayes.feature_log_prob_ - bayes.feature_log_prob_.mean(axis=0)
            coef = coef + self.nb_weight * log_prob
            intercept = intercept + self.nb_weight * bayes.class_log_prior_
        documents = range(len(texts)) if documents is None else list(documents)
        arrays = {"word_idf": words.idf_, "char_idf": chars.idf_, "coef": coef,
                  "intercept": intercept,
                  "word_documents": document_counts(meta["word_vocabulary"], tokens, documents,
                                                    self.segmenter_.is_content)}
        self.predictor_ = ThemePredictor(meta, arrays, self.taxonomy, self.segmenter_)
        self.classes_ = model.classes_
        return self

    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Plain JSON and arrays from which a :class:`ThemePredictor` is made."""
        check_is_fitted(self, "predictor_")
        return self.predictor_.to_state()

    def predict_proba(self, X):  # noqa: N803
        """Probability of every class (``classes_`` order) for each sentence."""
        check_is_fitted(self, "predictor_")
        return self.predictor_.predict_proba(X)

    def predict(self, X):  # noqa: N803
        """Theme id of each sentence (the fallback theme below ``threshold``)."""
        check_is_fitted(self, "predictor_")
        return self.predictor_.predict(X)

    def predict_detailed(self, texts: list[str], n_evidence: int | None = N_EVIDENCE,
                         segmented: list[list[str]] | None = None) -> list[Prediction]:
        """Predictions with confidence, every theme's score and evidence terms."""
        check_is_fitted(self, "predictor_")
        return self.predictor_.predict_detailed(texts, n_evidence, segmented)

    def top_terms(self, n: int = 15) -> dict[str, list[tuple[str, float]]]:
        """Each theme's strongest positive words and word pairs."""
        check_is_fitted(self, "predictor_")
        return self.predictor_.top_terms(n)
