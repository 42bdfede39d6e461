"""How well the default model labels documents it has not seen, alone and in context.

Three splits, each never putting one document on both sides:

1. 5-fold cross-validation grouped by document over every labelled document shipped (the seed
   reports, ``labels/documents/devset``, ``labels/documents/written``): the first stage of each
   fold is trained without the fold's documents; the second stage's weights are fitted on the
   other folds' held-out scores only (nested). Scores pooled, per corpus, per genre, per theme.
2. The development set held out whole: both stages trained on everything else (seeds, written
   documents, authored examples), scored on the 99 development documents. This is the closest
   to texts in styles the model has not seen.
3. Leave one genre out (``--genres``): for each genre, both stages trained without any document
   of that genre, scored on it.

Writes ``bench/ACCURACY.md``::

    python bench/accuracy.py [--genres]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import HERE, machine

from topics import config as defaults
from topics.classify.context import combine, context_views, fit_combination
from topics.classify.estimator import ThemeClassifier
from topics.evaluate import expected_calibration_error, score_predictions
from topics.taxonomy import load_taxonomy
from topics.text.segment import Segmenter
from topics.train import (
    _headings,
    collect_training_data,
    cross_predict,
    nested_second_stage,
    report_folds,
)

PARAMS = {"random_state": 0}


def _rows(data, probas: dict[str, np.ndarray], classes: list[str]):
    """(views, class index, document) of every labelled unit of the documents in ``probas``."""
    out = []
    for doc in data.documents:
        if doc.name not in probas:
            continue
        views = context_views(probas[doc.name], _headings(doc.units))
        out.extend((views[i], classes.index(g), doc) for i, g in enumerate(doc.gold)
                   if g in classes)
    return out


def _score(gold: list[str], proba: np.ndarray, classes: list[str], ids: list[str]) -> dict:
    predicted = [classes[i] for i in proba.argmax(axis=1)]
    scores = score_predictions(gold, predicted, ids)
    correct = np.array([g == p for g, p in zip(gold, predicted, strict=True)], dtype=float)
    scores["calibration_error"] = expected_calibration_error(proba.max(axis=1), correct)
    return scores


def _line(name: str, scores: dict, ids: list[str]) -> str:
    themes = " | ".join(f"{scores['per_theme'][t]['f1']:.2f}" for t in ids)
    return (f"| {name} | {scores['n']} | {scores['macro_f1']:.3f} | {scores['accuracy']:.3f} | "
            f"{scores['calibration_error']:.3f} | {themes} |")


def _table(title: str, parts: dict[str, tuple[dict, dict]], ids: list[str]) -> list[str]:
    head = " | ".join(t[:5] for t in ids)
    lines = [f"### {title}", "",
             f"| units | n | macro-F1 | accuracy | ECE | {head} |",
             "|---|---:|---:|---:|---:|" + "---:|" * len(ids)]
    for name, (alone, context) in parts.items():
        lines.append(_line(f"{name}, alone", alone, ids))
        lines.append(_line(f"{name}, in context", context, ids))
    return lines + [""]


def _fit_first(data, taxonomy, segmenter, exclude: set[str]):
    train = [s for s in data.sentences if s.group not in exclude]
    model = ThemeClassifier(taxonomy=taxonomy, segmenter=segmenter, **PARAMS)
    model.fit([s.text for s in train], [s.label for s in train],
              sample_weight=[s.weight for s in train])
    return model


def _held_out(data, taxonomy, segmenter, cv, held: set[str]) -> tuple[dict, dict]:
    """Both stages trained without the documents in ``held``; scores on them."""
    classes = cv.classes
    first = _fit_first(data, taxonomy, segmenter, held)
    order = [list(first.classes_).index(c) for c in classes]
    probas = {d.name: first.predict_proba([u.text for u in d.units])[:, order]
              for d in data.documents if d.name in held}
    train_rows = [r for r in _rows(data, cv.documents, classes) if r[2].name not in held]
    views = np.stack([r[0] for r in train_rows])
    y = np.array([r[1] for r in train_rows])
    weights, bias = fit_combination(views, y)
    alone_w, alone_b = fit_combination(views[:, :1], y)
    test = _rows(data, probas, classes)
    test_views = np.stack([r[0] for r in test])
    gold = [classes[r[1]] for r in test]
    return (_score(gold, combine(test_views[:, :1], alone_w, alone_b), classes, taxonomy.ids),
            _score(gold, combine(test_views, weights, bias), classes, taxonomy.ids))


def _merged_units(data) -> tuple[int, int]:
    """Development-set agreed labelled units that share an output unit with another; all."""
    import json
    from collections import Counter

    from topics.labelled_docs import label_owners, strip_metadata

    folder, labels = next((docs, path) for docs, path in defaults.document_sets()
                          if path.parent.name == "devset")
    by_doc: dict[str, list[dict]] = {}
    for line in labels.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        by_doc.setdefault(record["doc"], []).append(record)
    units = {d.name.split("/", 1)[1]: d.units for d in data.documents if d.corpus == "devset"}
    merged = total = 0
    for doc, records in by_doc.items():
        text = strip_metadata((folder / doc).read_text(encoding="utf-8"))
        owners = label_owners(text, units[doc], records)
        shared = Counter(o for o in owners if o is not None)
        for record, owner in zip(records, owners, strict=True):
            if record.get("agreed", True):
                total += 1
                merged += owner is not None and shared[owner] > 1
    return merged, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--genres", action="store_true", help="also leave one genre out")
    args = parser.parse_args()
    started = time.monotonic()
    taxonomy = load_taxonomy(defaults.taxonomy_path())
    ids = taxonomy.ids
    data = collect_training_data(taxonomy, defaults.label_paths(), defaults.seed_paths(),
                                 document_sets=defaults.document_sets())
    segmenter = Segmenter()
    cv = cross_predict(data, taxonomy, PARAMS, segmenter, seed=0)
    classes = cv.classes
    rows = _rows(data, cv.documents, classes)
    views = np.stack([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    folds = np.array([cv.fold[r[2].name] for r in rows])
    alone, context = nested_second_stage(views, y, folds)
    gold = [classes[i] for i in y]

    def parts(key) -> dict[str, tuple[dict, dict]]:
        out = {}
        for value in sorted({key(r[2]) for r in rows}):
            mask = np.array([key(r[2]) == value for r in rows])
            g = [x for x, m in zip(gold, mask, strict=True) if m]
            out[value] = (_score(g, alone[mask], classes, ids),
                          _score(g, context[mask], classes, ids))
        return out

    merged, labelled = _merged_units(data)
    every = {"all": (_score(gold, alone, classes, ids), _score(gold, context, classes, ids))}
    lines = ["# Accuracy on documents the model has not seen", "",
             f"`python bench/accuracy.py{' --genres' if args.genres else ''}` "
             f"({time.monotonic() - started:.0f} s for the first split). Units: the labelled "
             "units agreed by both annotators, each matched to the output unit it overlaps most; "
             "alone = the calibrated first stage on the unit's own text, in context = the second "
             "stage. ECE: expected calibration error, 10 bins. Labels: "
             f"{len(report_folds(data.sentences))} hand-labelled documents.", "",
             f"Units as a reader counts them: of the development set's {labelled:,} agreed "
             f"labelled units, {merged} ({merged / labelled:.1%}) share an output unit of "
             "`split_units` with another labelled unit.", ""]
    lines += _table("1. 5-fold cross-validation grouped by document (nested second stage)",
                    {**every, **parts(lambda d: d.corpus)}, ids)
    genre_rows = parts(lambda d: d.genre or d.corpus)
    lines += ["By genre (in context, macro-F1 / accuracy): " + "; ".join(
        f"{g} {c['macro_f1']:.2f}/{c['accuracy']:.2f} (n={c['n']})"
        for g, (_, c) in genre_rows.items()), ""]
    devset = {d.name for d in data.documents if d.corpus == "devset"}
    lines += _table("2. The development set held out whole (trained on everything else)",
                    {"devset": _held_out(data, taxonomy, segmenter, cv, devset)}, ids)
    if args.genres:
        genres: dict[str, set[str]] = {}
        for doc in data.documents:
            genres.setdefault(doc.genre or doc.corpus or "seeds", set()).add(doc.name)
        held = {g: _held_out(data, taxonomy, segmenter, cv, names)
                for g, names in sorted(genres.items())}
        lines += _table("3. Leave one genre out (both stages trained without the genre)",
                        held, ids)
    lines += [f"Machine: {machine(('numpy', 'scipy', 'scikit-learn'))}", ""]
    (HERE / "ACCURACY.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
