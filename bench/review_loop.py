"""Does the review loop pay off? A simulated analyst corrects units the queue or chance picks.

The development set (``labels/documents/devset``) is split by document into a *pool* half and
a *test* half, for several seeds (``--splits``); neither half is in the base model's training
data (the default model's data without the development set). The analyst reviews the pool's
labelled units (agreed by both annotators), each getting its gold label as an analyst
confirming or correcting it would give, in the order of

- a *queue* (``margin``: what ``topics review``'s queue shows first,
  :func:`topics.review.queue.least_sure_first` on the base model's in-context probabilities;
  ``entropy``: highest entropy first; ``per-doc``: the margin order dealt round the documents,
  one unit per document per round, for diversity);
- or a seeded shuffle (``--random`` orders per split).

After 50, 100 and 200 reviewed units the model is retrained with those labels, each weighing
``--weight`` shipped sentences, and the test half's labelled units are scored, each document
labelled whole: macro-F1 and accuracy. Each retraining is scored twice: with the second stage
as it was, and with a second stage that also learnt from the reviewed units in their
documents.

The retraining is the default recipe's, made cheaper in two ways, the same for every order:
the features (vocabularies and idf of the base training data) and the base model's
cross-validated second stage are computed once and cached in ``bench/out/`` (keyed by the
data, the training code and the seed); each retraining fits the logistic regression afresh
on the base rows plus the reviewed units, with the recipe's parameters, and keeps the second
stage (or refits it with the reviewed documents). A unit's new n-grams, outside the base
vocabulary, are not features here.

Choosing a recipe or a queue never looks at a test half: ``--select`` splits each pool again
by document into a review part (2/3) and a validation part (1/3), runs the candidates there
and writes ``bench/REVIEW_LOOP_select.md``; a final run with a ``--weight`` and ``--queue``
writes ``bench/REVIEW_LOOP_wWEIGHT.md``. ``bench/REVIEW_LOOP.md`` sums them up (by hand).
About 45 s a retraining on a busy 2-core machine (the base, once: 3 minutes)::

    python bench/review_loop.py --select --sizes 200 --weights 1 16 --random 3
    python bench/review_loop.py                 # REVIEW_LOOP_w1.md
    python bench/review_loop.py --weight 16     # REVIEW_LOOP_w16.md
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from common import HERE, OUT, machine, shipped_data

from topics import config
from topics.classify.context import combine, context_views, fit_combination, heading_positions
from topics.classify.estimator import ThemeClassifier
from topics.classify.predictor import decide
from topics.evaluate import score_predictions
from topics.review.queue import least_sure_first
from topics.text.simplify import to_simplified_many
from topics.train import cross_predict, fit_context, labelled_views

SIZES = (50, 100, 200)
QUEUES = ("margin", "entropy", "per-doc")


def split_documents(documents: list, seed: int, share: float = 0.5) -> tuple[list, list]:
    """Two parts by document (a seeded shuffle); the first holds ``share`` of them."""
    order = sorted(documents, key=lambda d: d.name)
    random.Random(seed).shuffle(order)
    cut = int(len(order) * share)
    return order[:cut], order[cut:]


def without(data, names: set[str]):
    """Training data without the documents ``names`` and their labelled sentences."""
    return dataclasses.replace(
        data, sentences=[s for s in data.sentences if s.group not in names],
        documents=[d for d in data.documents if d.name not in names])


@dataclasses.dataclass
class Base:
    """The base model's pieces the simulated retrainings share (cached between runs)."""

    classes: list[str]
    threshold: float
    fallback: str
    lr_params: dict
    x: object  # base training rows' features (csr)
    y: np.ndarray
    weight: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    context_views: np.ndarray  # base documents' labelled units, cross-validated views
    context_y: np.ndarray
    context_weights: np.ndarray
    context_bias: np.ndarray
    documents: dict  # devset name -> (features, headings, gold)
    cached: bool = False


def build_base(taxonomy, data, devset: list, seed: int, progress) -> Base:
    """Fit the base model (default recipe without the devset) and featurise everything."""
    base_data = without(data, {d.name for d in devset})
    progress(f"base: {len(base_data.sentences)} sentences; cross-validating the second stage")
    classifier = ThemeClassifier(taxonomy=taxonomy, random_state=seed)
    params = {"random_state": seed}
    cv = cross_predict(base_data, taxonomy, params, classifier.segmenter or _segmenter(), seed)
    context, _ = fit_context(base_data, taxonomy, cv, classifier.threshold)
    rows = labelled_views(base_data, cv.documents, cv.classes)
    progress("fitting the base classifier")
    texts = [s.text for s in base_data.sentences]
    classifier.fit(texts, [s.label for s in base_data.sentences],
                   sample_weight=[s.weight for s in base_data.sentences])
    predictor = classifier.predictor_
    if [str(c) for c in classifier.classes_] != cv.classes:
        raise SystemExit("the base classifier and its cross-validation saw other themes")
    documents = {}
    for doc in devset:
        simplified = to_simplified_many([u.text for u in doc.units])
        documents[doc.name] = (predictor.features(simplified), heading_positions(doc.units),
                               list(doc.gold))
    lr_params = {k: v for k, v in classifier.get_params().items()
                 if k in ("C", "class_weight", "solver", "tol", "random_state")}
    return Base(cv.classes, context.threshold, taxonomy.fallback, lr_params,
                predictor.features(texts),
                np.array([s.label for s in base_data.sentences]),
                np.array([s.weight for s in base_data.sentences], dtype=float),
                predictor.coef_.copy(), predictor.intercept_.copy(),
                np.stack([r[0] for r in rows]), np.array([r[1] for r in rows]),
                context.weights, context.bias, documents)


def _segmenter():
    from topics.text.segment import Segmenter

    return Segmenter()


def load_base(taxonomy, data, devset, seed: int, progress) -> Base:
    """The cached base (same data, code and seed) or a new one, cached."""
    key = json.dumps([sorted(data.inputs.items()), config.training_code_fingerprint(), seed])
    key = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = OUT / f"review_loop_base-{key}.pkl"
    if path.exists():
        progress(f"base model from the cache {path.name}")
        return dataclasses.replace(pickle.loads(path.read_bytes()), cached=True)
    base = build_base(taxonomy, data, devset, seed, progress)
    OUT.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(pickle.dumps(base))
    temporary.replace(path)
    return base


@dataclasses.dataclass
class Model:
    """A (simulated) retrained model: first-stage coefficients and second-stage weights."""

    coef: np.ndarray
    intercept: np.ndarray
    weights: np.ndarray
    bias: np.ndarray


def first_stage(model: Model, features) -> np.ndarray:
    """Softmax of the linear scores, as ``ThemePredictor.probabilities``."""
    z = np.asarray(features @ model.coef.T) + model.intercept
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


def in_context(model: Model, base: Base, name: str) -> np.ndarray:
    """Final probabilities of one devset document's units, in context."""
    features, headings, _ = base.documents[name]
    return combine(context_views(first_stage(model, features), headings), model.weights,
                   model.bias)


def base_model(base: Base) -> Model:
    """The base model itself."""
    return Model(base.coef, base.intercept, base.context_weights, base.context_bias)


def retrain(base: Base, reviewed: list[tuple[str, int, str]], weight: float) -> Model:
    """The base classifier refitted with the reviewed ``(document, unit, label)`` triples.

    The default recipe's logistic regression, fitted from scratch (a warm start from the base
    coefficients stops elsewhere at the recipe's tolerance, and is no faster); the second
    stage is the base model's (see :func:`with_second_stage`).
    """
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    rows = sp.vstack([base.documents[name][0][index] for name, index, _ in reviewed])
    lr = LogisticRegression(max_iter=5000, **base.lr_params)
    lr.fit(sp.vstack([base.x, rows]).tocsr(),
           np.concatenate([base.y, [label for *_, label in reviewed]]),
           sample_weight=np.concatenate([base.weight, np.full(len(reviewed), weight)]))
    if [str(c) for c in lr.classes_] != base.classes:
        raise SystemExit("the retrained classifier saw other themes")
    return Model(lr.coef_, lr.intercept_, base.context_weights, base.context_bias)


def with_second_stage(base: Base, model: Model, reviewed: list[tuple[str, int, str]],
                      weight: float) -> Model:
    """``model`` with a second stage that learnt from the reviewed units in their documents.

    Their views come from the base model's first stage, which never saw them (held out, as
    the default recipe's cross-validation gives the shipped documents' views).
    """
    views, y = [base.context_views], [base.context_y]
    first = base_model(base)
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for name, index, label in reviewed:
        by_doc.setdefault(name, []).append((index, label))
    for name, units in by_doc.items():
        features, headings, _ = base.documents[name]
        doc_views = context_views(first_stage(first, features), headings)
        views.append(doc_views[[i for i, _ in units]])
        y.append(np.array([base.classes.index(label) for _, label in units]))
    sample = np.concatenate([np.ones(len(base.context_y)), np.full(len(reviewed), weight)])
    weights, bias = fit_combination(np.concatenate(views), np.concatenate(y),
                                    sample_weight=sample)
    return dataclasses.replace(model, weights=weights, bias=bias)


def score(model: Model, base: Base, names: list[str], ids: list[str]) -> dict:
    """Macro-F1 and accuracy on the labelled units of documents ``names``, each whole."""
    gold, predicted = [], []
    for name in names:
        proba = in_context(model, base, name)
        labels = decide(proba, base.classes, base.fallback, base.threshold)
        for label, truth in zip(labels, base.documents[name][2], strict=True):
            if truth is not None:
                gold.append(truth)
                predicted.append(str(label))
    return score_predictions(gold, predicted, ids)


def candidates(base: Base, names: list[str]) -> list[tuple[str, int, str, dict]]:
    """``(document, unit, gold, in-context scores)`` of the labelled units of ``names``."""
    model = base_model(base)
    out = []
    for name in names:
        proba = in_context(model, base, name)
        for index, truth in enumerate(base.documents[name][2]):
            if truth is not None:
                out.append((name, index, truth, dict(zip(base.classes, proba[index],
                                                          strict=True))))
    return out


def entropy(scores: dict) -> float:
    """Shannon entropy of a unit's probabilities."""
    return -sum(p * math.log(p) for p in scores.values() if p > 0)


def order_of(strategy: str, units: list, seed: int = 0) -> list[int]:
    """Positions of ``units`` in the order an analyst reviews them."""
    if strategy == "margin":
        return least_sure_first((k, u[3]) for k, u in enumerate(units))
    if strategy == "entropy":
        return sorted(range(len(units)), key=lambda k: (-entropy(units[k][3]), k))
    if strategy == "per-doc":  # the margin order dealt round the documents
        rank: dict[str, list[int]] = {}
        for k in least_sure_first((k, u[3]) for k, u in enumerate(units)):
            rank.setdefault(units[k][0], []).append(k)
        dealt = sorted((position, k) for keys in rank.values()
                       for position, k in enumerate(keys))
        margin_rank = {k: n for n, k in enumerate(least_sure_first(
            (k, u[3]) for k, u in enumerate(units)))}
        return [k for _, k in sorted(dealt, key=lambda p: (p[0], margin_rank[p[1]]))]
    if strategy == "random":
        return random.Random(seed).sample(range(len(units)), len(units))
    raise ValueError(strategy)


def curve(base: Base, units: list, order: list[int], sizes, weight: float,
          names: list[str], ids: list[str]) -> tuple[dict[bool, list[dict]], list[int]]:
    """Scores on ``names`` after each size of reviewed units, and how many were wrong.

    Scores by whether the second stage learnt from the reviewed documents (False, True).
    """
    scores: dict[bool, list[dict]] = {False: [], True: []}
    wrong = []
    for size in sizes:
        reviewed = [(n, i, g) for n, i, g, _ in (units[k] for k in order[:size])]
        model = retrain(base, reviewed, weight)
        scores[False].append(score(model, base, names, ids))
        scores[True].append(score(with_second_stage(base, model, reviewed, weight), base,
                                  names, ids))
        wrong.append(sum(g != max(s, key=s.get) for _, _, g, s in
                         (units[k] for k in order[:size])))
    return scores, wrong


def mean_sd(values: list[float]) -> str:
    """``mean ± sd`` to three places (sd 0 for one value)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def main() -> None:  # noqa: C901
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--random", type=int, default=3, help="random orders per split")
    parser.add_argument("--seed", type=int, default=0, help="the base model's seed")
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--queue", default="margin", choices=QUEUES)
    parser.add_argument("--queues", nargs="+", default=list(QUEUES), choices=QUEUES,
                        help="with --select: the queues to try")
    parser.add_argument("--select", action="store_true")
    parser.add_argument("--weights", type=float, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--solver", action="store_true",
                        help="how much the solver's stopping point moves one retraining")
    parser.add_argument("--out", type=Path, help="default: bench/REVIEW_LOOP_wWEIGHT.md")
    args = parser.parse_args()
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    taxonomy, data = shipped_data()
    ids = taxonomy.ids
    devset = [d for d in data.documents if d.corpus == "devset"]
    base = load_base(taxonomy, data, devset, args.seed, progress)
    if args.solver:
        solver_check(base, devset, ids, progress)
    elif args.select:
        select(args, base, devset, ids, progress, started)
    else:
        final(args, base, devset, ids, progress, started)


def select(args, base: Base, devset: list, ids: list[str], progress, started: float) -> None:
    """Every queue and recipe on each pool's validation part; writes the validation table."""
    results: dict = {}  # (order, weight, context) -> macro-F1 over splits and sizes
    for split in args.splits:
        pool, _test = split_documents(devset, split)
        review, validation = split_documents(pool, 1000 + split, 2 / 3)
        units = candidates(base, [d.name for d in review])
        names = [d.name for d in validation]
        before = score(base_model(base), base, names, ids)["macro_f1"]
        progress(f"split {split}: review part {len(review)} documents ({len(units)} units), "
                 f"validation {len(validation)}; base {before:.3f}")
        orders = {q: order_of(q, units) for q in args.queues}
        orders.update({f"random-{r}": order_of("random", units, 100 * split + r)
                       for r in range(args.random)})
        for weight in args.weights:
            for name, order in orders.items():
                scores, _ = curve(base, units, order, args.sizes, weight, names, ids)
                for context, values in scores.items():
                    key = (name.partition("-")[0] if name.startswith("random") else name,
                           weight, context)
                    results.setdefault(key, []).extend(v["macro_f1"] - before for v in values)
                progress(f"split {split}, weight {weight:g}, {name}: " + ", ".join(
                    f"{v['macro_f1']:.3f}" for c in (False, True) for v in scores[c]))
    lines = ["# Choosing the review loop's recipe on validation parts of the pools", "",
             f"`{' '.join(['python bench/review_loop.py', *sys.argv[1:]])}` "
             f"({time.monotonic() - started:.0f} s). Splits {args.splits}; each pool split "
             "again by document into a review part (2/3) and a validation part (1/3); the "
             "gain in validation macro-F1 over the base model, mean over splits and sizes "
             f"{args.sizes} (random: {args.random} orders each).", "",
             "| order | weight | second stage learns from reviewed documents | "
             "mean validation gain |", "| --- | ---: | --- | ---: |"]
    for (name, weight, context), values in sorted(results.items(),
                                                  key=lambda kv: -statistics.mean(kv[1])):
        lines.append(f"| {name} | {weight:g} | {'yes' if context else 'no'} | "
                     f"{statistics.mean(values):+.4f} |")
    (HERE / "REVIEW_LOOP_select.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def final(args, base: Base, devset: list, ids: list[str], progress, started: float) -> None:
    """The queue against random orders on each split's test half; writes REVIEW_LOOP.md."""
    runs: dict = {}  # (context, order kind, size) -> list of score dicts
    wrong: dict = {}  # (order kind, size) -> units the base model had wrong
    bases, per_split = [], []
    for split in args.splits:
        pool, test = split_documents(devset, split)
        units = candidates(base, [d.name for d in pool])
        names = [d.name for d in test]
        bases.append(score(base_model(base), base, names, ids))
        progress(f"split {split}: pool {len(pool)} documents ({len(units)} units), test "
                 f"{len(test)}; base macro-F1 {bases[-1]['macro_f1']:.3f}")
        orders = [("queue", order_of(args.queue, units))]
        orders += [("random", order_of("random", units, 100 * split + r))
                   for r in range(args.random)]
        cells: dict = {}
        for kind, order in orders:
            scores, found = curve(base, units, order, args.sizes, args.weight, names, ids)
            for i, size in enumerate(args.sizes):
                wrong.setdefault((kind, size), []).append(found[i])
                for context in (False, True):
                    runs.setdefault((context, kind, size), []).append(scores[context][i])
                    cells.setdefault((context, size, kind), []).append(
                        scores[context][i]["macro_f1"])
            progress(f"split {split} {kind}: " + ", ".join(
                f"{v['macro_f1']:.3f}" for c in (False, True) for v in scores[c]))
        per_split.append((split, bases[-1]["macro_f1"], cells))
    command = " ".join(["python bench/review_loop.py", *sys.argv[1:]])
    cached = ", base model from the cache" if base.cached else ""
    lines = [f"# The review loop: corrections chosen by the queue ({args.queue}) or at random",
             "", f"`{command}` ({time.monotonic() - started:.0f} s{cached}). The development "
             f"set is split by document (seeds {args.splits}) into a pool (~49 documents, ~735 "
             "agreed labelled units) and a test half; the base model is trained on the "
             "default data without the development set; each row retrains it with that many "
             f"pool units labelled (weight {args.weight:g} each; a shipped sentence has 1) and "
             "scores the test half's labelled units, each document labelled whole (in "
             f"context). Queue: one run per split; random: {args.random} orders per split."]
    for context in (False, True):
        lines += ["", "## Second stage " + ("also learns from the reviewed units in their "
                                            "documents" if context else "kept (as shipped)"),
                  "", "Mean ± standard deviation over splits (queue) and over splits × "
                  "orders (random):", "",
                  "| reviewed units | queue macro-F1 | random macro-F1 | queue accuracy | "
                  "random accuracy | units the base model had wrong, queue / random |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: |",
                  f"| 0 (base model) | {mean_sd([b['macro_f1'] for b in bases])} | same | "
                  f"{mean_sd([b['accuracy'] for b in bases])} | same | |"]
        for size in args.sizes:
            q, r = runs[(context, "queue", size)], runs[(context, "random", size)]
            lines.append(
                f"| {size} | {mean_sd([s['macro_f1'] for s in q])} | "
                f"{mean_sd([s['macro_f1'] for s in r])} | {mean_sd([s['accuracy'] for s in q])}"
                f" | {mean_sd([s['accuracy'] for s in r])} | "
                f"{statistics.mean(wrong[('queue', size)]):.0f} / "
                f"{statistics.mean(wrong[('random', size)]):.0f} |")
        lines += ["", "Per split: the queue's macro-F1 against the random orders' (mean, "
                  "range), and how many random orders it beats:", "",
                  "| split | base | " + " | ".join(f"{s} units" for s in args.sizes) + " |",
                  "| ---: | ---: | " + " | ".join("---" for _ in args.sizes) + " |"]
        wins = total = 0
        for split, base_f1, cells in per_split:
            parts = []
            for size in args.sizes:
                q, rs = cells[(context, size, "queue")][0], cells[(context, size, "random")]
                beaten = sum(q > r for r in rs)
                wins += beaten
                total += len(rs)
                parts.append(f"{q:.3f} vs {statistics.mean(rs):.3f} "
                             f"({min(rs):.3f}–{max(rs):.3f}), beats {beaten}/{len(rs)}")
            lines.append(f"| {split} | {base_f1:.3f} | " + " | ".join(parts) + " |")
        lines += ["", f"The queue beats {wins} of {total} (split, size, random order) runs."]
    lines += ["", f"Machine: {machine(('numpy', 'scipy', 'scikit-learn'))}", ""]
    out = args.out or HERE / f"REVIEW_LOOP_w{args.weight:g}.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def solver_check(base: Base, devset: list, ids: list[str], progress) -> None:
    """One retraining (split 0, 200 units by the queue) fitted three ways: prints macro-F1.

    The recipe's tolerance from scratch (what :func:`retrain` does), a tighter tolerance,
    and the recipe's tolerance warm-started from the base coefficients: the same objective,
    so any difference is where the solver stopped.
    """
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    pool, test = split_documents(devset, 0)
    units = candidates(base, [d.name for d in pool])
    reviewed = [(n, i, g) for n, i, g, _ in (units[k] for k in order_of("margin", units)[:200])]
    rows = sp.vstack([base.documents[name][0][index] for name, index, _ in reviewed])
    x = sp.vstack([base.x, rows]).tocsr()
    y = np.concatenate([base.y, [label for *_, label in reviewed]])
    weight = np.concatenate([base.weight, np.ones(len(reviewed))])
    names = [d.name for d in test]
    for how, tol, warm in (("from scratch", base.lr_params["tol"], False),
                           ("from scratch", 1e-4, False),
                           ("warm-started", base.lr_params["tol"], True)):
        lr = LogisticRegression(max_iter=5000, warm_start=warm, **dict(base.lr_params, tol=tol))
        if warm:
            lr.coef_, lr.intercept_ = base.coef.copy(), base.intercept.copy()
        lr.fit(x, y, sample_weight=weight)
        model = Model(lr.coef_, lr.intercept_, base.context_weights, base.context_bias)
        result = score(model, base, names, ids)["macro_f1"]
        progress(f"{how}, tol {tol:g}: test macro-F1 {result:.3f}")


if __name__ == "__main__":
    main()
