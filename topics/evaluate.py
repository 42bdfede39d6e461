"""Scores of predicted themes against gold labels."""

from __future__ import annotations

from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


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
