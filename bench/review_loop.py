"""Does the review loop pay off? A simulated analyst corrects units the queue or chance picks.

The development set (``labels/documents/devset``) is split by document, with a fixed seed, into
a *pool* half and a *test* half; neither is in the base model's training data (the default
model's data without the development set). The analyst reviews the pool's labelled units
(agreed by both annotators) in one of two orders:

- *queue*: what ``topics review``'s queue shows first (:func:`topics.review.queue.least_sure_first`
  on the base model's probabilities, each pool document labelled whole, in context);
- *random*: a seeded shuffle.

After 50, 100 and 200 reviewed units (each gets its gold label, as an analyst confirming or
correcting it would give), the model is retrained on the base data plus those labels (as the
page's Retrain does: :func:`topics.review.retrain.with_corrections`) and scored on the test
half's labelled units, each document labelled whole: macro-F1 and accuracy. One random order
only (a second seed would double the cost): read small differences as noise.

CPU-heavy: one training per row (about a minute each on a quiet machine, 7 in all). Writes
``bench/REVIEW_LOOP.md``::

    python bench/review_loop.py [--sizes 50 100 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time

from common import HERE, machine, shipped_data

from topics.evaluate import score_predictions
from topics.labels import LabelledSentence
from topics.review.queue import least_sure_first
from topics.review.retrain import with_corrections
from topics.train import train_model


def split_documents(documents: list, seed: int) -> tuple[list, list]:
    """Pool and test halves, by document (a seeded shuffle)."""
    order = sorted(documents, key=lambda d: d.name)
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return order[:half], order[half:]


def without(data, names: set[str]):
    """Training data without the documents ``names`` and their labelled sentences."""
    return dataclasses.replace(
        data, sentences=[s for s in data.sentences if s.group not in names],
        documents=[d for d in data.documents if d.name not in names])


def labelled_units(model, documents: list) -> list[tuple[object, object, str, dict]]:
    """``(document, unit, gold, scores)`` of every labelled unit, each document labelled whole."""
    out = []
    for doc in documents:
        results = model.classify_units(doc.units, explain=False)
        out.extend((doc, unit, gold, result.scores)
                   for unit, gold, result in zip(doc.units, doc.gold, results, strict=True)
                   if gold is not None)
    return out


def score(model, documents: list, ids: list[str]) -> dict:
    """Macro-F1 and accuracy on the labelled units of ``documents``, each labelled whole."""
    gold, predicted = [], []
    for doc in documents:
        results = model.classify_units(doc.units, explain=False)
        for result, label in zip(results, doc.gold, strict=True):
            if label is not None:
                gold.append(label)
                predicted.append(result.theme)
    return score_predictions(gold, predicted, ids)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.monotonic()
    taxonomy, data = shipped_data()
    ids = taxonomy.ids
    devset = [d for d in data.documents if d.corpus == "devset"]
    pool, test = split_documents(devset, args.seed)
    base_data = without(data, {d.name for d in devset})
    print(f"base: {len(base_data.sentences)} sentences; pool {len(pool)} documents, "
          f"test {len(test)}", flush=True)
    base = train_model(taxonomy, base_data, seed=args.seed, evaluate=False)
    base_scores = score(base, test, ids)
    rows = [("0 (base model)", base_scores, base_scores)]  # one model: in both columns
    candidates = labelled_units(base, pool)
    orders = {
        "queue": least_sure_first((k, c[3]) for k, c in enumerate(candidates)),
        "random": random.Random(args.seed).sample(range(len(candidates)), len(candidates)),
    }
    print(f"pool: {len(candidates)} labelled units; base on test: "
          f"macro-F1 {rows[0][1]['macro_f1']:.3f}", flush=True)
    for size in args.sizes:
        scores = {}
        for name, order in orders.items():
            reviewed = [candidates[k] for k in order[:size]]
            corrections = [LabelledSentence(unit.text, gold, doc.name, unit.index, doc.name)
                           for doc, unit, gold, _ in reviewed]
            model = train_model(taxonomy, with_corrections(base_data, corrections),
                                seed=args.seed, evaluate=False)
            scores[name] = score(model, test, ids)
            changed = sum(gold != max(s, key=s.get) for *_, gold, s in reviewed)
            print(f"{size} by {name}: macro-F1 {scores[name]['macro_f1']:.3f} "
                  f"({changed} of them the base model had wrong)", flush=True)
        rows.append((str(size), scores["queue"], scores["random"]))
    lines = ["# The review loop: corrections chosen by the queue or at random", "",
             f"`python bench/review_loop.py --seed {args.seed}` "
             f"({time.monotonic() - started:.0f} s). The development set split by document "
             f"(seed {args.seed}) into a pool of {len(pool)} documents "
             f"({len(candidates)} agreed labelled units) and a test half of {len(test)}; the "
             "base model is trained on the default data without the development set; each row "
             "retrains it with that many pool units labelled, and scores the test half's "
             "labelled units, each document labelled whole (in context).", "",
             "| reviewed units | queue macro-F1 | queue accuracy | random macro-F1 | "
             "random accuracy |", "| ---: | ---: | ---: | ---: | ---: |"]
    for size, queue, rand in rows:
        lines.append(f"| {size} | {queue['macro_f1']:.3f} | {queue['accuracy']:.3f} | "
                     f"{rand['macro_f1']:.3f} | {rand['accuracy']:.3f} |")
    lines += ["", "One random order: differences of a point or two are within its noise.", "",
              f"Machine: {machine(('numpy', 'scipy', 'scikit-learn'))}", ""]
    (HERE / "REVIEW_LOOP.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
