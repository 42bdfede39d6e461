"""A fitted theme classifier as plain arrays: labelling without importing scikit-learn.

:class:`~topics.classify.estimator.ThemeClassifier` learns with scikit-learn; what labelling needs
afterwards (vocabularies, idf weights, coefficients) is held here, and the features, the
probabilities and the evidence are computed with numpy and scipy alone. Loading a model
builds one of these directly, so ``topics classify`` never pays scikit-learn's import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from typing import NamedTuple

import numpy as np

from ..config import N_EVIDENCE
from ..features.cues import CueMatcher
from ..features.definition import FeatureBlocks, display_name, feature_blocks, weighted_matrix
from ..features.sparse import sp
from ..features.vectorize import CharNgramIndex, WordNgramIndex
from ..taxonomy import Taxonomy
from ..text.segment import Segmenter

#: The names of the blocks' weighted coefficients kept with a model's tables.
_COEF_BLOCKS = ("words", "chars", "cues")
#: Evidence shows terms that pushed a sentence by at least this share of its strongest term.
EVIDENCE_SHARE = 0.01


def shows_as_evidence(name: str, stopwords: frozenset[str]) -> bool:
    """Whether a feature name means something to a reader, so it may be shown as evidence.

    Cue features (``cue:THEME``) do; other names only when made of letters alone (no
    punctuation, digits or symbols: not "议。" or "0年") and not a single function
    character such as 的 or 我 (a one-character stop word).
    """
    if name.startswith("cue:"):
        return True
    if not name.isalpha():  # Unicode letters (categories L*) alone: a test checks them all
        return False
    return not (len(name) == 1 and name in stopwords)


def _softmax(decision: np.ndarray) -> np.ndarray:
    """Class probabilities from decision values, as ``LogisticRegression.predict_proba``.

    One column per class: a binary classifier's one row is stored as two (see
    ``ThemeClassifier.fit``), and a bundle's coefficients have a row per class (checked).
    """
    decision -= decision.max(axis=1, keepdims=True)
    np.exp(decision, out=decision)
    decision /= decision.sum(axis=1, keepdims=True)
    return decision


@dataclass(slots=True)  # not frozen: one is made per unit; nothing changes it once made
class Prediction:
    """A theme, its confidence, every theme's score and the terms that pushed it (if asked)."""

    theme: str
    confidence: float
    scores: dict[str, float]
    evidence: list[tuple[str, float]] | None


class PredictionColumns(NamedTuple):
    """Predictions of a batch as columns: themes, confidences, probabilities and evidence."""

    themes: list[str]
    confidences: list[float]
    probabilities: np.ndarray  # a row per prediction, a column per class
    classes: list[str]
    evidence: list[list[tuple[str, float]] | None]

    @property
    def scores(self) -> list[dict[str, float]]:
        """Every class's probability, by class, for each row."""
        # a row has one value per class; strict=True would cost a third more per row here
        return [dict(zip(self.classes, row, strict=False)) for row in self.probabilities.tolist()]

    def predictions(self) -> list[Prediction]:
        """One :class:`Prediction` per row."""
        return [Prediction(*row) for row in zip(self.themes, self.confidences, self.scores,
                                                self.evidence, strict=True)]


def decide(proba: np.ndarray, classes, fallback: str, threshold: float) -> np.ndarray:
    """The class of each row's highest probability, or ``fallback`` below ``threshold``.

    ``classes`` names the columns of ``proba``.
    """
    best = proba.argmax(axis=1)
    labels = np.asarray(classes, dtype=object)[best]
    labels[proba[np.arange(len(best)), best] < threshold] = fallback
    return labels


def _by_row_then_value(rows: np.ndarray, values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``order`` (ascending positions) sorted by row, then by value from the highest.

    Ties keep their order (the stable sorts of values, then rows). Each position is one
    distinct key, row then value's rank then position, which one plain sort puts in that
    order (any algorithm: the keys are distinct); keys too wide for 63 bits take the two
    stable sorts.
    """
    values = values[order]
    distinct, rank = np.unique(-values, return_inverse=True)  # the same rank for equal ones
    position_bits = len(order).bit_length()
    rank_bits = len(distinct).bit_length()
    if len(order) and int(rows[order[-1]]).bit_length() + rank_bits + position_bits < 63:
        keys = (rows[order] << (rank_bits + position_bits)) | (rank.reshape(-1) << position_bits)
        keys |= np.arange(len(order))
        keys.sort()
        return order[keys & ((1 << position_bits) - 1)]
    order = order[np.argsort(-values, kind="stable")]  # ties: column order
    return order[np.argsort(rows[order], kind="stable")]


class ThemePredictor:
    """Labels sentences with the state of a fitted :class:`ThemeClassifier`.

    Parameters
    ----------
    meta, arrays : dict
        What ``ThemeClassifier.to_state`` gives (and a model bundle stores): parameters,
        classes, vocabularies; idf weights, coefficients and intercepts.
    taxonomy : Taxonomy
        Themes, cue words and the fallback theme.
    segmenter : Segmenter
        The segmenter the classifier was trained with.
    """

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray], taxonomy: Taxonomy,
                 segmenter: Segmenter):
        self.meta = meta
        self.params = dict(meta["params"])
        self.taxonomy = taxonomy
        self.segmenter = segmenter
        self.classes_ = np.array(meta["classes"])
        self.word_vocabulary = list(meta["word_vocabulary"])
        self.char_vocabulary = list(meta["char_vocabulary"])
        self.word_idf = np.asarray(arrays["word_idf"], dtype=np.float64)
        self.char_idf = np.asarray(arrays["char_idf"], dtype=np.float64)
        self.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        self.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        #: Per word feature, the number of training documents it occurs in (as written).
        self.word_documents = np.asarray(arrays["word_documents"], dtype=np.float64)
        self.cue_matcher_ = CueMatcher(taxonomy, hints=bool(self.params.get("hints")))
        #: Where the tables built on first use are kept between processes (``SavedTables``;
        #: a loaded model's, see ``bundle.load_model``), or None.
        self.tables = None
        self._indexes = None
        self._display = None
        self._cue_flags = None
        self._shown_columns = None
        self._block_coefs = None

    @cached_property
    def feature_names_(self) -> np.ndarray:
        """The name of every feature column (made when first asked: explanations need it)."""
        return np.array(  # a theme's cue and hint columns: one name
            self.word_vocabulary + self.char_vocabulary
            + [f"cue:{t}" for t in self.cue_matcher_.column_themes], dtype=object)

    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The state this predictor was made from (for a model bundle)."""
        arrays = {"word_idf": self.word_idf, "char_idf": self.char_idf, "coef": self.coef_,
                  "intercept": self.intercept_, "word_documents": self.word_documents}
        return self.meta, arrays

    def prepare(self, background: bool = True) -> None:
        """Build what labelling builds on first use: the feature transforms, the tokenizer.

        With ``background`` the segmenter's tokenizer is built in a background thread
        (``Segmenter.prepare``) while this one builds the transforms; else on first use.
        """
        if background:
            self.segmenter.prepare()
        self._transforms()

    def _transforms(self):
        """Batch transforms for words and characters (see ``vectorize``)."""
        if self._indexes is None:
            word_range = tuple(self.params["word_ngrams"])
            char_range = tuple(self.params["char_ngrams"])
            words, chars = self._saved_transforms(word_range, char_range)
            if words is None and char_range[1] <= 3:
                words = WordNgramIndex.of(self.word_vocabulary, self.word_idf, word_range, True,
                                          keep=self.segmenter.is_content)
                if words is not None:
                    chars = CharNgramIndex(self.char_vocabulary, self.char_idf, char_range,
                                           True, True)
                    if self.tables is not None:
                        self.tables.save("features", {**words.state(), **chars.state()})
            if words is not None:
                self._indexes = (words.transform, chars.transform)
            else:  # a vocabulary the fast transforms cannot reproduce: scikit-learn's own
                from ..features.tfidf import fitted_vectorizers

                words, chars = fitted_vectorizers(self.meta, self.word_idf, self.char_idf)
                content_of = self.segmenter.content_of
                self._indexes = (lambda segmented: words.transform(content_of(segmented)),
                                 chars.transform)
        return self._indexes

    def _saved_transforms(self, word_range: tuple[int, int], char_range: tuple[int, int]
                          ) -> tuple[WordNgramIndex | None, CharNgramIndex | None]:
        """The transforms of :meth:`_transforms` from their kept tables, or ``(None, None)``."""
        state = None if self.tables is None or char_range[1] > 3 else self.tables.load(
            "features")
        if state is None:
            return None, None
        try:
            return (WordNgramIndex.of_state(state, self.word_vocabulary, self.word_idf,
                                            word_range, True, keep=self.segmenter.is_content),
                    CharNgramIndex.of_state(state, len(self.char_vocabulary), self.char_idf,
                                            char_range, True, True))
        except (KeyError, ValueError, TypeError, IndexError):  # not this model's tables
            return None, None

    def blocks(self, texts: list[str], segmented: list[list[str]] | None = None,
               cue_scores: np.ndarray | None = None) -> FeatureBlocks:
        """The :class:`FeatureBlocks` of ``texts``.

        ``segmented`` may pass the texts' tokens (``Segmenter.tokens_many``) and
        ``cue_scores`` their ``CueMatcher.score_matrix`` when the caller has them; the word
        features keep the content tokens only.
        """
        if segmented is None:
            segmented = self.segmenter.tokens_many(texts)
        if cue_scores is None:
            cue_scores = self.cue_matcher_.score_matrix_of_texts(texts)
        return feature_blocks(texts, segmented, cue_scores, *self._transforms())

    def features(self, texts: list[str], segmented: list[list[str]] | None = None,
                 matches: list[list[str]] | None = None) -> sp.csr_matrix:
        """Word TF-IDF, character TF-IDF and log cue scores of each text, weighted.

        ``segmented`` and ``matches`` may pass the texts' tokens and cue words.
        """
        scores = None if matches is None else self.cue_matcher_.score_matrix(matches)
        return weighted_matrix(self.blocks(texts, segmented, scores), self.params)

    def probabilities(self, features: sp.csr_matrix) -> np.ndarray:
        """Class probabilities of weighted features, as ``LogisticRegression.predict_proba``."""
        return _softmax(np.asarray(features @ self.coef_.T) + self.intercept_)

    def block_probabilities(self, blocks: FeatureBlocks) -> np.ndarray:
        """:meth:`probabilities` of the blocks' :func:`weighted_matrix`, without making it.

        Each block meets its own slice of the (weighted) coefficients; labelling goes this
        way, with or without evidence, so that both give the same numbers.
        """
        word_coef, char_coef, cue_coef = self._coefficient_blocks()
        decision = np.asarray(blocks.words @ word_coef)
        decision += blocks.chars @ char_coef
        decision += blocks.cues @ cue_coef
        decision += self.intercept_
        return _softmax(decision)

    def _coefficient_blocks(self) -> list[np.ndarray]:
        """The weighted coefficients of each block (words, characters, cues), a row a feature.

        Each is its slice of ``coef_``, transposed and multiplied by the block's weight, in C
        order; they are kept with the model's tables (``coefs``) and mapped back from there.
        """
        if self._block_coefs is None:
            ends = np.cumsum([0, len(self.word_vocabulary), len(self.char_vocabulary),
                              len(self.cue_matcher_.column_themes)]).tolist()
            bounds = list(zip(ends[:-1], ends[1:], strict=True))
            kept = None if self.tables is None else self.tables.load("coefs")
            blocks = [None if kept is None else kept.get(name) for name in _COEF_BLOCKS]
            if not all(block is not None and block.dtype == np.float64
                       and block.shape == (end - start, len(self.coef_))
                       and block.flags.c_contiguous
                       for block, (start, end) in zip(blocks, bounds, strict=True)):
                weights = [self.params[name] for name in ("word_weight", "char_weight",
                                                          "cue_weight")]
                blocks = [np.multiply(self.coef_[:, start:end].T, weight, order="C")
                          for weight, (start, end) in zip(weights, bounds, strict=True)]
                if self.tables is not None:
                    self.tables.save("coefs", dict(zip(_COEF_BLOCKS, blocks, strict=True)))
            self._block_coefs = blocks
        return self._block_coefs

    def predict_proba(self, texts) -> np.ndarray:
        """Probability of every class (``classes_`` order) for each sentence."""
        return self.block_probabilities(self.blocks([str(t) for t in texts]))

    def decide(self, proba: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """The best class of each row, or the fallback theme below the threshold.

        ``threshold`` defaults to the classifier's own (its ``threshold`` parameter).
        """
        threshold = self.params["threshold"] if threshold is None else threshold
        return decide(proba, self.classes_, self.taxonomy.fallback, threshold)

    def predict(self, texts) -> np.ndarray:
        """Theme id of each sentence (the fallback theme below the threshold)."""
        return self.decide(self.predict_proba(texts))

    def predict_detailed(self, texts: list[str], n_evidence: int | None = N_EVIDENCE,
                         segmented: list[list[str]] | None = None) -> list[Prediction]:
        """Predictions with confidence, every theme's score and evidence terms.

        ``n_evidence=None`` skips the evidence (``Prediction.evidence`` is None).
        ``segmented`` may pass the texts' tokens (``Segmenter.tokens_many``).
        """
        return self.predict_columns(texts, n_evidence, segmented).predictions()

    def predict_columns(self, texts: list[str], n_evidence: int | None = N_EVIDENCE,
                        segmented: list[list[str]] | None = None,
                        proba: np.ndarray | None = None,
                        threshold: float | None = None,
                        blocks: FeatureBlocks | None = None) -> PredictionColumns:
        """:meth:`predict_detailed` as lists of themes, confidences, scores and evidence.

        ``proba`` may give the final probabilities (a second stage's, see ``context``):
        then they decide the themes and the evidence explains those themes, and without
        evidence no feature is computed. ``threshold`` overrides the classifier's.
        ``blocks`` may pass the texts' :meth:`blocks` when the caller has them.
        """
        texts = [str(t) for t in texts]
        if not texts:
            return PredictionColumns([], [], np.zeros((0, len(self.classes_))),
                                     [str(c) for c in self.classes_], [])
        matches = None
        if n_evidence is not None:  # the evidence shows the cue words
            matches = self.cue_matcher_.matches_many(texts)
            if blocks is None:
                blocks = self.blocks(texts, segmented, self.cue_matcher_.score_matrix(matches))
        elif proba is None and blocks is None:
            blocks = self.blocks(texts, segmented)
        if proba is None:
            proba = self.block_probabilities(blocks)
        labels = self.decide(proba, threshold)
        evidence = (self._evidence(weighted_matrix(blocks, self.params), proba.argmax(axis=1),
                                   matches, n_evidence)
                    if n_evidence is not None else [None] * len(texts))
        class_index = {str(c): i for i, c in enumerate(self.classes_)}
        labels = [str(label) for label in labels]
        position = np.array([class_index.get(label, -1) for label in labels], dtype=np.int64)
        confidence = np.where(position >= 0,
                              proba[np.arange(len(labels)), np.maximum(position, 0)], 0.0)
        return PredictionColumns(labels, confidence.tolist(), proba, list(class_index), evidence)

    def _display_names(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Per feature column, the id of its name for people; the names by id; which show.

        Features with the same name (the word 政治 and the characters 政治) share an id.
        Cue features are named ``cue:THEME`` and shown as the cue words they matched.
        Names that :func:`shows_as_evidence` rejects are never evidence.
        """
        if self._display is None:
            columns, names, shown, cue = self._saved_display() or self._built_display()
            self._display = (columns, names, shown)
            self._cue_flags, self._shown_columns = cue, shown[columns]
        return self._display

    def _built_display(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        """:meth:`_display_names`' arrays and which names are cues', built afresh.

        They are kept for the next process when the model has kept tables.
        """
        # display_name of every column; dict.fromkeys keeps the first of each name, in
        # order: the ids setdefault gave name by name
        shown_as = [display_name(name) for name in self.feature_names_.tolist()]
        names = list(dict.fromkeys(shown_as))
        ids = dict(zip(names, range(len(names)), strict=True))
        columns = np.fromiter(map(ids.__getitem__, shown_as), dtype=np.int64,
                              count=len(shown_as))
        stopwords = self.segmenter.stopwords
        shown = np.fromiter((shows_as_evidence(name, stopwords) for name in names),
                            dtype=bool, count=len(names))
        cue = np.fromiter((name.startswith("cue:") for name in names), dtype=bool,
                          count=len(names))
        joined = "\n".join(names)
        if self.tables is not None and joined.count("\n") == len(names) - 1:
            self.tables.save("display", {
                "columns": columns, "shown": shown, "cue": cue,
                "names": np.frombuffer(joined.encode("utf-8", "surrogatepass"), np.uint8)})
        return columns, names, shown, cue

    def _saved_display(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray] | None:
        """:meth:`_built_display` from the model's kept tables, or None."""
        state = None if self.tables is None else self.tables.load("display")
        if state is None:
            return None
        try:
            columns, shown, cue = state["columns"], state["shown"], state["cue"]
            names = state["names"].tobytes().decode("utf-8", "surrogatepass").split("\n")
            n_features = (len(self.word_vocabulary) + len(self.char_vocabulary)
                          + len(self.cue_matcher_.column_themes))
            if (columns.dtype != np.int64 or columns.shape != (n_features,)
                    or shown.dtype != bool or cue.dtype != bool
                    or shown.shape != (len(names),) or cue.shape != (len(names),)
                    or columns.min() < 0 or columns.max() >= len(names)):
                return None
        except (KeyError, ValueError, AttributeError):
            return None
        return columns, names, shown, cue

    def _evidence(self, features, best: np.ndarray, matches: list[list[str]],
                  n: int) -> list[list[tuple[str, float]]]:
        """Per row, the ``n`` named features that pushed it most towards its best class."""
        coef = self.coef_
        n_rows = features.shape[0]
        rows = np.repeat(np.arange(n_rows), np.diff(features.indptr))
        values = features.data * coef[best[rows], features.indices]
        name_of, names, _ = self._display_names()
        keep = (values > 0) & self._shown_columns[features.indices]
        merged = sp.csr_matrix((values[keep], (rows[keep], name_of[features.indices[keep]])),
                               shape=(n_rows, len(names)))
        merged.sum_duplicates()
        rows = np.repeat(np.arange(n_rows), np.diff(merged.indptr))
        # Only terms worth showing are ranked: at least 1% of the row's strongest one.
        strongest = np.zeros(n_rows)
        filled = np.flatnonzero(np.diff(merged.indptr))
        if len(filled):
            strongest[filled] = np.maximum.reduceat(merged.data, merged.indptr[filled])
        order = _by_row_then_value(
            rows, merged.data, np.flatnonzero(merged.data >= EVIDENCE_SHARE * strongest[rows]))
        first = np.searchsorted(rows[order], np.arange(n_rows))
        rank = np.arange(len(order)) - first[rows[order]]
        # Two spare terms where a cue is among them: a cue's name (its words) may equal
        # another feature's, and the two are then one term.
        top = order[rank < n + 2]
        is_cue = self._cue_flags[merged.indices[top]]  # set by _display_names above
        cue_rows = np.zeros(n_rows, dtype=bool)
        cue_rows[rows[top][is_cue]] = True
        top = top[(rank[rank < n + 2] < n) | cue_rows[rows[top]]]
        top_rows, top_names, top_values = rows[top], merged.indices[top], merged.data[top]
        # rows without a cue: their terms in order, each name once, sliced row by row
        plain = ~cue_rows[top_rows]
        terms = list(zip(map(names.__getitem__, top_names[plain].tolist()),
                         map(round, top_values[plain].tolist(), repeat(4)), strict=True))
        bounds = np.searchsorted(top_rows[plain], np.arange(n_rows + 1)).tolist()
        out: list[list[tuple[str, float]]] = list(map(terms.__getitem__,
                                                      map(slice, bounds[:-1], bounds[1:])))
        merging: dict[int, dict[str, float]] = {}
        themes_of = self.cue_matcher_.themes_of
        for row, name_id, value in zip(top_rows[~plain].tolist(), top_names[~plain].tolist(),
                                       top_values[~plain].tolist(), strict=True):
            name = names[name_id]
            if name.startswith("cue:"):
                theme = name[4:]
                words = [w for w in matches[row] if theme in themes_of(w)]
                name = "+".join(dict.fromkeys(words)) or name
            contributions = merging.setdefault(row, {})
            contributions[name] = contributions.get(name, 0.0) + value
        for row, contributions in merging.items():
            out[row] = [(name, round(value, 4)) for name, value
                        in sorted(contributions.items(), key=lambda kv: -kv[1])[:n]]
        return out

    def top_terms(self, n: int = 15) -> dict[str, list[tuple[str, float]]]:
        """Each theme's strongest positive words and word pairs."""
        n_words = len(self.word_vocabulary)
        out = {}
        for pos, theme in enumerate(self.classes_):
            weights = self.coef_[pos][:n_words]
            order = np.argsort(-weights, kind="stable")[:n]
            out[str(theme)] = [(display_name(self.feature_names_[i]), round(float(weights[i]), 4))
                               for i in order if weights[i] > 0]
        return out
