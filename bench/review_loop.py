"""Does the review loop pay off? A simulated analyst corrects units the queue or chance picks.

The development set (``labels/documents/devset``) is split by document into a *pool* half and
a *test* half, for several seeds (``--splits``); neither half is in the base model's training
data (the default model's data without the development set). The analyst reviews the pool's
labelled units (agreed by both annotators), each getting its gold label as an analyst
confirming or correcting it would give, in the order of

- the *queue* (``margin``: what ``topics review``'s queue shows first,
  :func:`topics.review.queue.least_sure_first` on the base model's in-context probabilities;
  ``entropy``: highest entropy first; ``margin-per-report``: the margin queue taking turns
  between reports, :func:`one_per_group`; ``margin-density``: one minus the margin times the
  unit's mean similarity to the pool's units, :func:`density`);
- or a seeded shuffle (``--random`` orders per split).

After 50, 100 and 200 reviewed units the model is retrained, in one of two ways:

- ``--adapt L2`` (the app's **Retrain**, :func:`topics.review.retrain.adapted_model`): the
  base model (its first stage fitted on the base data, its second stage fitted on the base
  data's cross-validation; cached in ``bench/out/``) adapted to the reviewed units: a
  few seconds a retraining. Several values are run in turn (``--adapt 0.3 1 3``).
- without ``--adapt``, the full refit the app's Retrain did before (kept for comparison):
  the same :class:`ReviewBase` (the base data's cross-validation and a first stage fitted on
  it alone, computed once), the same :func:`review_training` (the reviewed units join the
  first stage's sentences at ``--weight``, default 1, and the second stage learns from them
  in their documents), then the first stage fitted as :func:`topics.train.train_model` fits
  it. About a minute a retraining on a busy 2-core machine.

Only the topic model is not fitted: it does not touch the theme labels. The test half's
documents are then labelled whole by :meth:`ThemeModel.label_units_many` (the labelling path
of ``classify``), and their labelled units scored: macro-F1 and accuracy.

The base (about 5 minutes) is cached in ``bench/out/`` (keyed by the data, the training code
and the seed). Choosing anything never looks at a test half: ``--select`` splits each pool
again by document into a review part (2/3) and a validation part (1/3) and scores those::

    python bench/review_loop.py --adapt 1 --random 8   # -> bench/REVIEW_LOOP_adapt.md
    python bench/review_loop.py --select --adapt 0.3 1 3 --random 4
                                             # -> bench/REVIEW_LOOP_adapt_select_l2-*.md
    python bench/review_loop.py --select --weight 16   # a full refit, reviewed units weighted
    python bench/review_loop.py --solver               # the solver's stopping point, validation
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
import types
from pathlib import Path

import numpy as np
from common import HERE, OUT, machine, shipped_data
from review_refit import ReviewBase, review_training

from topics import config
from topics.classify.context import ContextModel, heading_positions
from topics.classify.estimator import ThemeClassifier
from topics.classify.predictor import ThemePredictor
from topics.evaluate import score_predictions
from topics.labelled_docs import LabelledDocument
from topics.labels import LabelledSentence
from topics.pipeline.model import ThemeModel
from topics.review.queue import least_sure_first, margin
from topics.review.retrain import adapted_model
from topics.text.segment import Segmenter
from topics.text.simplify import to_simplified_many
from topics.train import first_stage_threshold, fit_context, fit_first_stage

SIZES = (50, 100, 200)
QUEUES = ("margin", "entropy", "margin-per-report", "margin-density")


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
class Bench:
    """The review base of the base data, and what the devset documents give it (cached)."""

    base: ReviewBase  # ``first`` left out of the cache: see :meth:`first`
    first_proba: dict  # devset name -> the base first stage's probabilities of its units
    base_proba: dict  # devset name -> the base model's in-context probabilities
    devset: dict  # name -> LabelledDocument
    threshold: float  # the base model's (its second stage's)
    cached: bool = False
    adapt: float | None = None  # adapt the base model (this L2) rather than refit
    model: ThemeModel | None = None  # the base model, for adaptations
    adapt_options: dict | None = None  # adapted_model's options: intercept, balanced

    def first(self, texts: list[str]) -> np.ndarray:
        """The base first stage's probabilities of a devset document's (simplified) units."""
        return self._by_texts[tuple(texts)]

    def ready(self) -> Bench:
        self._by_texts = {tuple(to_simplified_many([u.text for u in self.devset[n].units])): p
                          for n, p in self.first_proba.items()}
        self.base.first = self.first
        return self


def build(taxonomy, data, devset: list, seed: int, progress) -> Bench:
    """The base model's pieces: its review base, and the devset documents' probabilities."""
    base_data = without(data, {d.name for d in devset})
    progress(f"base: {len(base_data.sentences)} sentences; cross-validating the first stage")
    base = ReviewBase.fit(taxonomy, base_data, seed, progress)
    first_proba = {d.name: base.first(to_simplified_many([u.text for u in d.units]))
                   for d in devset}
    context, _ = fit_context(base_data, taxonomy, base.cv, first_stage_threshold(base.params))
    base_proba = {name: context.in_context(p, heading_positions(next(
        d for d in devset if d.name == name).units)) for name, p in first_proba.items()}
    base.first = None
    return Bench(base, first_proba, base_proba, {d.name: d for d in devset}, context.threshold)


def load_bench(taxonomy, data, devset, seed: int, progress) -> Bench:
    """The cached base (same data, code and seed) or a new one, cached."""
    key = json.dumps([sorted(data.inputs.items()), config.training_code_fingerprint(), seed,
                      "review-base"])
    path = OUT / f"review_loop_app-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pkl"
    if path.exists():
        progress(f"base from the cache {path.name}")
        return dataclasses.replace(pickle.loads(path.read_bytes()), cached=True).ready()
    bench = build(taxonomy, data, devset, seed, progress)
    OUT.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(pickle.dumps(bench))
    temporary.replace(path)
    return bench.ready()


def base_model(bench: Bench, progress) -> ThemeModel:
    """The base model itself (its first stage and second stage), cached beside the base.

    What an adaptation starts from: the model the review opened with.
    """
    key = json.dumps([sorted(bench.base.data.inputs.items()),
                      config.training_code_fingerprint(), bench.base.params, "review-model"])
    path = OUT / f"review_loop_model-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pkl"
    taxonomy = bench.base.taxonomy
    if path.exists():
        (meta, arrays), (context_meta, context_arrays) = pickle.loads(path.read_bytes())
    else:
        progress("fitting the base model's first stage (for adaptations)")
        first = fit_first_stage(bench.base.data, taxonomy, bench.base.params, Segmenter())
        meta, arrays = first.to_state()
        context, _ = fit_context(bench.base.data, taxonomy, bench.base.cv,
                                 first_stage_threshold(bench.base.params))
        context_meta, context_arrays = context.to_state()
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(((meta, arrays), (context_meta, context_arrays))))
        temporary.replace(path)
    predictor = ThemePredictor(meta, arrays, taxonomy, Segmenter())
    return ThemeModel(taxonomy, predictor, types.SimpleNamespace(topic_themes_=[]), {},
                      context=ContextModel(context_meta, context_arrays))


def reviewed(bench: Bench, units: list[tuple[str, int, str]]
             ) -> tuple[list[LabelledSentence], list[LabelledDocument]]:
    """The labels file and the reviewed documents the app's Retrain would read.

    ``units`` are ``(document, position, label)``; a record names its report and the unit's
    index and text, as the review writes it; the documents have every unit, the reviewed
    ones labelled (as :func:`topics.review.retrain.reviewed_documents` makes them).
    """
    corrections, gold = [], {}
    for name, position, label in units:
        unit = bench.devset[name].units[position]
        corrections.append(LabelledSentence(unit.shown, label, name, unit.index, name))
        gold.setdefault(name, {})[position] = label
    documents = [LabelledDocument(f"reviewed/{name}", bench.devset[name].units,
                                  [labels.get(i) for i in range(len(bench.devset[name].units))],
                                  corpus="reviewed")
                 for name, labels in gold.items()]
    return corrections, documents


def retrain(bench: Bench, units: list[tuple[str, int, str]], tol: float | None = None,
            weight: float = 1.0) -> ThemeModel:
    """The app's retraining with the reviewed ``units``; no topic model (see the module)."""
    taxonomy = bench.base.taxonomy
    corrections, documents = reviewed(bench, units)
    if bench.adapt is not None:
        return adapted_model(bench.model, corrections, bench.adapt, **(bench.adapt_options or {}))
    corrections = [dataclasses.replace(c, weight=weight) for c in corrections]
    data, record = review_training(bench.base, corrections, documents)
    stage = record["second_stage"]
    context = ContextModel(stage["meta"], {k: np.asarray(v, dtype=np.float64)
                                           for k, v in stage["arrays"].items()})
    params = dict(bench.base.params, **({"tol": tol} if tol else {}))
    classifier = ThemeClassifier(taxonomy=taxonomy, segmenter=Segmenter(), **params)
    classifier.fit([s.text for s in data.sentences], [s.label for s in data.sentences],
                   sample_weight=[s.weight for s in data.sentences],
                   documents=[s.group or s.report for s in data.sentences])
    return ThemeModel(taxonomy, classifier.predictor_,
                      types.SimpleNamespace(topic_themes_=[]), {}, context=context)


def score(model: ThemeModel, bench: Bench, names: list[str]) -> dict:
    """Macro-F1 and accuracy on the labelled units of documents ``names``, each whole."""
    docs = [bench.devset[name] for name in names]
    labelled = model.label_units_many([(d.units, None, True) for d in docs], n_evidence=None,
                                      topics=False)
    gold, predicted = [], []
    for doc, out in zip(docs, labelled, strict=True):
        for truth, theme in zip(doc.gold, out.columns.themes, strict=True):
            if truth is not None:
                gold.append(truth)
                predicted.append(str(theme))
    return score_predictions(gold, predicted, bench.base.taxonomy.ids)


def base_score(bench: Bench, names: list[str]) -> dict:
    """The base model's scores on ``names`` (its cached in-context probabilities)."""
    from topics.classify.predictor import decide

    taxonomy, classes = bench.base.taxonomy, bench.base.cv.classes
    gold, predicted = [], []
    for name in names:
        labels = decide(bench.base_proba[name], classes, taxonomy.fallback, bench.threshold)
        for truth, label in zip(bench.devset[name].gold, labels, strict=True):
            if truth is not None:
                gold.append(truth)
                predicted.append(str(label))
    return score_predictions(gold, predicted, taxonomy.ids)


def candidates(bench: Bench, names: list[str]) -> list[tuple[str, int, str, dict]]:
    """``(document, position, gold, base in-context scores)`` of the labelled units."""
    classes = bench.base.cv.classes
    return [(name, i, truth, dict(zip(classes, bench.base_proba[name][i], strict=True)))
            for name in names for i, truth in enumerate(bench.devset[name].gold)
            if truth is not None]


def entropy(scores: dict) -> float:
    """Shannon entropy of a unit's probabilities."""
    return -sum(p * math.log(p) for p in scores.values() if p > 0)


def density(texts: list[str]) -> list[float]:
    """Each text's mean cosine similarity (character 1-2-grams, TF-IDF) to the others."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform(texts)
    similar = np.asarray((matrix @ matrix.T).sum(axis=1)).ravel() - 1.0
    return list(similar / max(len(texts) - 1, 1))


def one_per_group(keys: list, group_of) -> list:
    """``keys`` (already least sure first) taking turns between groups (reports).

    Every group's least sure key first (in the order of ``keys``), then every group's
    second, and so on (a queue variant measured on validation, not adopted).
    """
    rank: dict = {}
    ranked = []
    for position, key in enumerate(keys):
        group = group_of(key)
        rank[group] = rank.get(group, -1) + 1
        ranked.append((rank[group], position, key))
    ranked.sort(key=lambda item: item[:2])
    return [key for *_, key in ranked]


def order_of(strategy: str, units: list, seed: int = 0, texts: list[str] | None = None
             ) -> list[int]:
    """Positions of ``units`` in the order an analyst reviews them."""
    if strategy == "margin":
        return least_sure_first((k, u[3]) for k, u in enumerate(units))
    if strategy == "margin-per-report":
        return one_per_group(order_of("margin", units), lambda k: units[k][0])
    if strategy == "entropy":
        return sorted(range(len(units)), key=lambda k: (-entropy(units[k][3]), k))
    if strategy == "margin-density":
        weight = density(texts)
        return sorted(range(len(units)), key=lambda k: (
            -(1 - margin(units[k][3])) * weight[k], k))
    if strategy == "random":
        return random.Random(seed).sample(range(len(units)), len(units))
    raise ValueError(strategy)


def curve(bench: Bench, units: list, order: list[int], sizes, names: list[str], progress,
          tol: float | None = None, weight: float = 1.0) -> tuple[list[dict], list[int]]:
    """Scores on ``names`` after each size of reviewed units, and how many were wrong."""
    scores, wrong = [], []
    for size in sizes:
        chosen = [units[k] for k in order[:size]]
        began = time.monotonic()
        model = retrain(bench, [(n, i, g) for n, i, g, _ in chosen], tol, weight)
        scores.append(score(model, bench, names))
        wrong.append(sum(g != max(s, key=s.get) for _, _, g, s in chosen))
        progress(f"  {size} units: macro-F1 {scores[-1]['macro_f1']:.4f} "
                 f"({time.monotonic() - began:.0f} s)")
    return scores, wrong


def mean_sd(values: list[float], places: int = 3, sign: str = "") -> str:
    """``mean ± sd`` (sd 0 for one value)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):{sign}.{places}f} ± {sd:.{places}f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--random", type=int, default=3, help="random orders per split")
    parser.add_argument("--seed", type=int, default=0, help="the base model's seed")
    parser.add_argument("--queue", default="margin", choices=QUEUES)
    parser.add_argument("--select", action="store_true",
                        help="score validation parts of the pools, never the test halves")
    parser.add_argument("--solver", action="store_true",
                        help="how much the solver's stopping point moves one retraining")
    parser.add_argument("--tol", type=float, help="the first stage's tolerance (default: "
                        "the recipe's)")
    parser.add_argument("--intercept", action="store_true",
                        help="with --adapt: let the intercepts change too (not the app's)")
    parser.add_argument("--balanced", action="store_true",
                        help="with --adapt: weigh reviewed units by theme (not the app's)")
    parser.add_argument("--weight", type=float, default=1.0,
                        help="the reviewed units' sample weight in a full refit")
    parser.add_argument("--adapt", type=float, nargs="+", metavar="L2",
                        help="retrain as the app's Retrain does, adapting the base model "
                        "(with each of these L2 strengths in turn), not by a full refit")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    taxonomy, data = shipped_data()
    devset = [d for d in data.documents if d.corpus == "devset"]
    bench = load_bench(taxonomy, data, devset, args.seed, progress)
    if args.adapt is not None:
        bench.model = base_model(bench, progress)
        bench.adapt_options = {k: True for k in ("intercept", "balanced") if getattr(args, k)}
    if args.solver:
        solver_check(bench, devset, progress)
    elif args.adapt is None:
        run(args, bench, devset, progress, started)
    else:
        for l2 in args.adapt:
            bench.adapt = l2
            run(args, bench, devset, progress, time.monotonic())


def parts(devset: list, split: int, select: bool) -> tuple[list, list]:
    """The documents reviewed from and the documents scored, of one split."""
    pool, test = split_documents(devset, split)
    if select:
        return split_documents(pool, 1000 + split, 2 / 3)
    return pool, test


def run(args, bench: Bench, devset: list, progress, started: float) -> None:
    """The queue against random orders on each split; writes the tables."""
    runs: dict = {}  # (kind, size) -> score dicts
    wrong: dict = {}  # (kind, size) -> units the base model had wrong
    bases, per_split = [], []
    for split in args.splits:
        pool, scored = parts(devset, split, args.select)
        units = candidates(bench, [d.name for d in pool])
        names = [d.name for d in scored]
        bases.append(base_score(bench, names))
        progress(f"split {split}: {len(pool)} documents reviewed from ({len(units)} units), "
                 f"{len(names)} scored; base macro-F1 {bases[-1]['macro_f1']:.4f}")
        texts = [bench.devset[n].units[i].text for n, i, _, _ in units]
        orders = [("queue", order_of(args.queue, units, texts=texts))]
        orders += [("random", order_of("random", units, 100 * split + r))
                   for r in range(args.random)]
        cells: dict = {}
        for kind, order in orders:
            progress(f"split {split}, {kind}")
            scores, found = curve(bench, units, order, args.sizes, names, progress, args.tol,
                                  args.weight)
            for size, result, n in zip(args.sizes, scores, found, strict=True):
                runs.setdefault((kind, size), []).append(result)
                wrong.setdefault((kind, size), []).append(n)
                cells.setdefault((size, kind), []).append(result["macro_f1"])
        per_split.append((split, bases[-1]["macro_f1"], cells))
    write(args, bench, runs, wrong, bases, per_split, time.monotonic() - started)


def write(args, bench, runs, wrong, bases, per_split, seconds: float) -> None:
    command = " ".join(["python bench/review_loop.py", *sys.argv[1:]])
    scored = "validation part (1/3 of the pool)" if args.select else "test half"
    cached = ", base from the cache" if bench.cached else ""
    tol = f", first-stage tol {args.tol:g}" if args.tol else ""
    how = (f"Retrained as the app's Retrain does: the base model adapted to the reviewed "
           f"units (L2 {bench.adapt:g}{''.join(f', {k}' for k in bench.adapt_options or ())}; its "
           "second stage kept)" if bench.adapt is not None
           else "Full refit (the shipped data plus the reviewed units at weight "
           f"{args.weight:g}; the second stage learns from them in their documents)")
    lines = [f"# The review loop as the app retrains: the queue ({args.queue}) or random order",
             "", f"`{command}` ({seconds:.0f} s{cached}{tol}). Splits {args.splits} of the "
             f"development set by document; units reviewed from the pool"
             f"{' (its review part, 2/3)' if args.select else ''}, scored on the {scored}, "
             f"each document labelled whole. {how}. Queue: one "
             f"order per split; random: {args.random} orders per split.", "",
             "## Macro-F1 (mean ± sd: queue over splits, random over splits × orders)", "",
             "| reviewed units | queue macro-F1 | random macro-F1 | queue accuracy | "
             "random accuracy | units the base model had wrong, queue / random |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |",
             f"| 0 (base model) | {mean_sd([b['macro_f1'] for b in bases])} | same | "
             f"{mean_sd([b['accuracy'] for b in bases])} | same | |"]
    for size in args.sizes:
        q, r = runs[("queue", size)], runs[("random", size)]
        lines.append(f"| {size} | {mean_sd([s['macro_f1'] for s in q])} | "
                     f"{mean_sd([s['macro_f1'] for s in r])} | "
                     f"{mean_sd([s['accuracy'] for s in q])} | "
                     f"{mean_sd([s['accuracy'] for s in r])} | "
                     f"{statistics.mean(wrong[('queue', size)]):.0f} / "
                     f"{statistics.mean(wrong[('random', size)]):.0f} |")
    lines += ["", "## Paired: queue − random within each split", "",
              "Per split and size: the queue's macro-F1 less each random order's, mean ± sd "
              "over the random orders, and how many random orders the queue beats.", "",
              "| split | base | " + " | ".join(f"{s} units" for s in args.sizes) + " |",
              "| ---: | ---: | " + " | ".join("---:" for _ in args.sizes) + " |"]
    wins = total = 0
    by_size: dict = {}
    for split, base_f1, cells in per_split:
        row = []
        for size in args.sizes:
            q, rs = cells[(size, "queue")][0], cells[(size, "random")]
            diffs = [q - r for r in rs]
            by_size.setdefault(size, []).append(statistics.mean(diffs))
            beaten = sum(d > 0 for d in diffs)
            wins, total = wins + beaten, total + len(diffs)
            row.append(f"{mean_sd(diffs, 4, '+')}, beats {beaten}/{len(diffs)}")
        lines.append(f"| {split} | {base_f1:.3f} | " + " | ".join(row) + " |")
    lines.append("| mean of splits (sd over splits) | | " + " | ".join(
        mean_sd(by_size[s], 4, "+") for s in args.sizes) + " |")
    lines += ["", f"The queue beats {wins} of {total} (split, size, random order) runs.", "",
              "## Paired: after reviewing − the base model, within each split", "",
              "Does reviewing pay off at all? Per size: the retrained model's macro-F1 less the "
              "base model's on the same split, mean ± sd over the splits (random: each split's "
              "mean over its orders), and in how many (split, order) runs it is above the base.",
              "", "| reviewed units | queue − base | above base | random − base | above base |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    for size in args.sizes:
        queue_gain = [cells[(size, "queue")][0] - base_f1 for _, base_f1, cells in per_split]
        random_gain = [statistics.mean(cells[(size, "random")]) - base_f1
                       for _, base_f1, cells in per_split]
        above_random = sum(r > base_f1 for _, base_f1, cells in per_split
                           for r in cells[(size, "random")])
        lines.append(f"| {size} | {mean_sd(queue_gain, 4, '+')} | "
                     f"{sum(g > 0 for g in queue_gain)}/{len(queue_gain)} | "
                     f"{mean_sd(random_gain, 4, '+')} | {above_random}/"
                     f"{sum(len(cells[(size, 'random')]) for *_, cells in per_split)} |")
    lines += ["",
              "", f"Machine: {machine(('numpy', 'scipy', 'scikit-learn'))}", ""]
    name = (f"REVIEW_LOOP_{'adapt' if bench.adapt is not None else 'app'}"
            f"{'_select' if args.select else ''}.md")
    out = args.out or HERE / name
    if bench.adapt is not None and len(args.adapt) > 1:
        out = out.with_name(f"{out.stem}_l2-{bench.adapt:g}{out.suffix}")
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def solver_check(bench: Bench, devset: list, progress) -> None:
    """One retraining on split 0's validation part (200 queue units) at three tolerances.

    Same data, same objective: any difference in the scores is where the solver stopped.
    """
    review, validation = parts(devset, 0, True)
    units = candidates(bench, [d.name for d in review])
    chosen = [(n, i, g) for n, i, g, _ in (units[k] for k in order_of("margin", units)[:200])]
    names = [d.name for d in validation]
    for tol in (1e-3, 1e-4, 1e-5):
        began = time.monotonic()
        model = retrain(bench, chosen, tol)
        result = score(model, bench, names)
        progress(f"tol {tol:g}: validation macro-F1 {result['macro_f1']:.4f}, accuracy "
                 f"{result['accuracy']:.4f} ({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
