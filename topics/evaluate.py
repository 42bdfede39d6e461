"""Scores of predicted themes against gold labels."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from .errors import LabelError


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray,
                               bins: int = 10) -> float:
    """ECE: the mean gap between confidence and accuracy over equal-width confidence bins."""
    total = 0.0
    for low in range(bins):
        inside = (confidence > low / bins) & (confidence <= (low + 1) / bins)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return round(float(total), 4)


def score_predictions(gold: list[str], predicted: list[str], theme_ids: list[str]) -> dict:
    """Accuracy, macro-F1 (over themes present in gold or predictions), per-theme scores, confusion.

    The confusion matrix has gold themes as rows and predictions as columns,
    both in ``theme_ids`` order.
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    if not gold:
        raise ValueError("nothing to score")
    present = [t for t in theme_ids if t in set(gold) | set(predicted)]
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=theme_ids, zero_division=0)
    _, _, macro_f1, _ = precision_recall_fscore_support(
        gold, predicted, labels=present, average="macro", zero_division=0)
    per_theme = {
        theme: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                "f1": round(float(f), 4), "support": int(s)}
        for theme, p, r, f, s in zip(theme_ids, precision, recall, f1, support, strict=True)
    }
    matrix = confusion_matrix(gold, predicted, labels=theme_ids)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(macro_f1), 4),
        "per_theme": per_theme,
        "confusion": {"labels": theme_ids, "matrix": matrix.tolist()},
    }


def score_with_confidence(gold: list[str], predicted: list[str], confidence,
                          theme_ids: list[str]) -> dict:
    """:func:`score_predictions`, and the expected calibration error of the confidences."""
    scores = score_predictions(gold, predicted, theme_ids)
    correct = np.array([g == p for g, p in zip(gold, predicted, strict=True)], dtype=float)
    scores["calibration_error"] = expected_calibration_error(np.asarray(confidence), correct)
    return scores


def _with_calibration(model, gold: list[str], results) -> dict:
    """:func:`score_with_confidence` of labelled results."""
    return score_with_confidence(gold, [r.theme for r in results],
                                 [r.confidence for r in results], model.taxonomy.ids)


def gold_records(path, taxonomy) -> list[dict]:
    """The records of a labels file with each one's theme id as ``label``.

    The theme is the record's ``label``, or its ``theme`` (so that a corrected ``classify``
    output can be scored); an id or a theme's Chinese or English name.
    """
    from .read.jsonl import read_jsonl

    names = {t.id: t.id for t in taxonomy.themes}
    names.update({t.name_zh: t.id for t in taxonomy.themes})
    names.update({t.name_en.lower(): t.id for t in taxonomy.themes})
    records = read_jsonl(path, ("text",), LabelError)
    for record in records:
        given = record.get("label", record.get("theme"))
        if not isinstance(given, str):
            raise LabelError(f"{path}, line {record['_line']}: no \"label\" (or \"theme\") "
                             f"to score against")
        theme = names.get(given.strip(), names.get(given.strip().lower()))
        if theme is None:
            raise LabelError(f"{path}, line {record['_line']}: unknown theme {given!r} (the "
                             f"taxonomy has {', '.join(taxonomy.ids)}, or their Chinese names)")
        record["label"] = theme
    return records


def evaluate_labels(model, path, documents=None) -> dict:
    """Scores of ``model`` on a labels file: ``alone`` and, where possible, ``in_context``.

    In context: with ``documents`` (a folder), the file is a document set
    (:mod:`topics.labelled_docs`) and each document is classified whole; else, when every
    record names its document (``report`` or ``doc``), consecutive records of one document
    are read as its units in order.
    """
    from .labelled_docs import load_document_set
    from .text.sentences import Unit

    records = [r for r in gold_records(path, model.taxonomy) if r.get("agreed", True)]
    if not records:
        raise LabelError(f"{path}: no labelled sentences to score")
    gold = [r["label"] for r in records]
    alone = model.classify_units([Unit("", i, r["text"], 0, 0) for i, r in enumerate(records)],
                                 explain=False, in_context=False)
    scores = {"alone": _with_calibration(model, gold, alone)}
    if documents is not None:
        gold, results = [], []
        for doc in load_document_set(documents, path, model.taxonomy):
            labelled = model.classify_units(doc.units, explain=False)
            for result, label in zip(labelled, doc.gold, strict=True):
                if label is not None:
                    gold.append(label)
                    results.append(result)
        if not gold:
            raise LabelError(f"{path}: none of its labelled sentences is in the documents of "
                             f"{documents}")
        scores["in_context"] = _with_calibration(model, gold, results)
    elif all(r.get("report", r.get("doc")) is not None for r in records):
        units = [Unit(str(r.get("report", r.get("doc"))), i, r["text"], 0, 0)
                 for i, r in enumerate(records)]
        results = model.classify_units(units, explain=False)
        scores["in_context"] = _with_calibration(model, [r["label"] for r in records], results)
    return scores
