"""The full refit a review's Retrain is compared with (``bench/review_loop.py --weight``).

The product's Retrain adapts the model the review opened with
(:func:`topics.review.retrain.adapted_model`). This module is the alternative it was measured
against: the first stage trained again on the shipped sentences plus the analyst's (weight
1 each) and the second stage on the shipped documents plus the reviewed units in their
reports. :class:`ReviewBase` is what every refit of one benchmark split shares, computed
once (the shipped data's cross-validation and a first stage fitted on it alone).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from topics.classify.context import ContextModel
from topics.errors import UsageError
from topics.labelled_docs import LabelledDocument
from topics.labels import LabelledSentence
from topics.review.retrain import with_corrections
from topics.taxonomy import Taxonomy
from topics.train import CrossValidated, TrainingData


@dataclasses.dataclass
class ReviewBase:
    """What every retraining of a review shares: computed once, then kept by the retrainer.

    ``data``: the training data without the analyst's labels (the shipped data); ``cv``: its
    cross-validated first-stage probabilities (the second stage's training rows);
    ``classifier_cv``: the first stage's cross-validated scores; ``first``: a first stage
    fitted on ``data`` alone, which never saw a reviewed report, to give the reviewed units
    their held-out views as ``cv`` gives the shipped documents theirs.
    """

    taxonomy: Taxonomy
    data: TrainingData
    params: dict
    cv: CrossValidated
    classifier_cv: dict
    first: Callable[[list[str]], np.ndarray] | None = None  # texts -> probabilities (cv order)

    @classmethod
    def fit(cls, taxonomy: Taxonomy, data: TrainingData, seed: int = 0,
            progress: Callable[[str], None] = lambda _m: None) -> ReviewBase:
        """Cross-validate the first stage on ``data`` and fit it once on all of it."""
        from topics.text.segment import Segmenter
        from topics.train import cross_predict, cross_validate, fit_first_stage, probabilities_in

        segmenter, params = Segmenter(), {"random_state": seed}
        cv = cross_predict(data, taxonomy, params, segmenter, seed, progress)
        if cv is None:
            raise UsageError("the training data has fewer than two labelled documents")
        progress("fitting the first stage on the shipped data (for the reviewed reports)")
        first = fit_first_stage(data, taxonomy, params, segmenter)
        return cls(taxonomy, data, params, cv,
                   cross_validate(data, taxonomy, params, segmenter, cv=cv),
                   lambda texts: probabilities_in(first, texts, cv.classes))




def second_stage(base: ReviewBase, documents: list[LabelledDocument],
                 probas: dict[str, np.ndarray]) -> tuple[ContextModel, dict]:
    """The second stage fitted on the shipped documents and the reviewed ones together.

    ``probas`` are the reviewed documents' first-stage probabilities (by name) from a first
    stage that never saw them; each reviewed document joins a cross-validation fold (dealt
    round the folds in name order) so that the nested scores hold it out too.
    """
    from topics.train import first_stage_threshold, fit_context

    n_folds = max(base.cv.fold.values()) + 1
    fold = dict(base.cv.fold)
    for number, doc in enumerate(sorted(documents, key=lambda d: d.name)):
        fold[doc.name] = number % n_folds
    cv = dataclasses.replace(base.cv, fold=fold, documents={**base.cv.documents, **probas})
    data = dataclasses.replace(base.data, documents=[*base.data.documents, *documents])
    return fit_context(data, base.taxonomy, cv, first_stage_threshold(base.params))


def review_training(base: ReviewBase, corrections: list[LabelledSentence],
                    documents: list[LabelledDocument]) -> tuple[TrainingData, dict]:
    """The training data and the cross-validated record :func:`train_model` is given.

    The first stage learns from the shipped sentences and the analyst's (weight 1 each);
    the second stage from the shipped documents and the reviewed units in their reports.
    """
    from topics.text.simplify import to_simplified_many
    from topics.train import cross_validated_record

    probas = {doc.name: base.first(to_simplified_many([u.text for u in doc.units]))
              for doc in documents}
    context, context_cv = second_stage(base, documents, probas)
    metrics = {"classifier_cv": base.classifier_cv}
    if context_cv:
        metrics["context_cv"] = dict(context_cv, reviewed_documents=len(documents))
    record = cross_validated_record(context, metrics)
    return with_corrections(base.data, corrections), record
