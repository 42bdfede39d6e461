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
from common import HERE, machine, shipped_data

from topics import config as defaults
from topics.classify.context import combine, fit_alone, fit_combination
from topics.text.segment import Segmenter
from topics.train import (
    calibrating_rows,
    cross_predict,
    fit_first_stage,
    labelled_views,
    nested_second_stage,
    probabilities_in,
    report_folds,
    score_probabilities,
)

PARAMS = {"random_state": 0}


def _score(gold: list[str], proba: np.ndarray, classes: list[str], taxonomy) -> dict:
    """Scores of the argmax of ``proba`` (no fallback threshold) and its calibration error."""
    return score_probabilities(gold, proba, classes, taxonomy, 0.0)


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


def held_out_probabilities(first, data, views: np.ndarray, y: np.ndarray, train: np.ndarray,
                           held: set[str], classes: list[str], calibrating: np.ndarray
                           ) -> tuple[list, np.ndarray, np.ndarray]:
    """Gold labels and the alone and in-context probabilities of the units of ``held``.

    ``first`` is a first stage fitted without them; both calibrations (alone: the first
    view only, its temperature on the ``calibrating`` rows; in context: every view) are
    fitted on the training ``views[train]``, as ``topics.train.fit_context`` does.
    """
    probas = {d.name: probabilities_in(first, [u.text for u in d.units], classes)
              for d in data.documents if d.name in held}
    weights, bias = fit_combination(views[train], y[train])
    alone_w, alone_b = fit_alone(views[train][:, 0], y[train], calibrating[train])
    test = labelled_views(data, probas, classes)
    test_views = np.stack([r[0] for r in test])
    gold = [classes[r[1]] for r in test]
    return (gold, combine(test_views[:, :1], alone_w, alone_b),
            combine(test_views, weights, bias))


def _held_out(data, taxonomy, segmenter, cv, held: set[str]) -> tuple[dict, dict]:
    """Both stages trained without the documents in ``held``; scores on them."""
    classes = cv.classes
    first = fit_first_stage(data, taxonomy, PARAMS, segmenter, held)
    rows = labelled_views(data, cv.documents, classes)
    views = np.stack([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    train = np.array([r[2].name not in held for r in rows])
    gold, alone, context = held_out_probabilities(first, data, views, y, train, held, classes,
                                                  calibrating_rows(rows))
    return (_score(gold, alone, classes, taxonomy), _score(gold, context, classes, taxonomy))


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
    taxonomy, data = shipped_data()
    ids = taxonomy.ids
    segmenter = Segmenter()
    cv = cross_predict(data, taxonomy, PARAMS, segmenter, seed=0)
    classes = cv.classes
    rows = labelled_views(data, cv.documents, classes)
    views = np.stack([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    folds = np.array([cv.fold[r[2].name] for r in rows])
    alone, context = nested_second_stage(views, y, folds, calibrating_rows(rows))
    gold = [classes[i] for i in y]

    def parts(key) -> dict[str, tuple[dict, dict]]:
        out = {}
        for value in sorted({key(r[2]) for r in rows}):
            mask = np.array([key(r[2]) == value for r in rows])
            g = [x for x, m in zip(gold, mask, strict=True) if m]
            out[value] = (_score(g, alone[mask], classes, taxonomy),
                          _score(g, context[mask], classes, taxonomy))
        return out

    merged, labelled = _merged_units(data)
    every = {"all": (_score(gold, alone, classes, taxonomy),
                     _score(gold, context, classes, taxonomy))}
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
