"""In-process A/B of the labelling path's pieces: an older checkout's code against this one's.

Run:  python bench/speed_ab.py --before CHECKOUT --model MODEL [--rounds 9]

CHECKOUT is a folder holding an older ``topics`` package (e.g. a ``git archive`` of main);
MODEL a saved model. The older modules are read from CHECKOUT's source into this process
(each under another name) and run on the same inputs as this checkout's, rounds alternating;
each piece's output is asserted equal first. Pieces: the features and probabilities of
labelling (``ThemePredictor.blocks`` + ``block_probabilities``, the older one with the older
feature modules) of the shipped texts and of three seed reports; ``segmented``: the same with
the texts' segmentation (``Segmenter.tokens_many``, the older one with the older segment
module), tokens asserted equal too; the TF-IDF weighting
(``_weighted``) of two seed reports' batches; topic inference, evidence and explained JSON
Lines of the shipped texts (bench/real.py's corpora); ``render``: the shipped reports' JSON
Lines and CSV (plain and explained) and terminal table (one line per unit, and wrapped to 100
columns) as ``classify`` renders a batch of them (``Renderer.many``; before: report by report,
CSV and table from the results). ``--pieces`` picks some. CPU time (``process_time``), medians
of the rounds, and the median of each round's own ratio (a round runs the two sides back to
back, so a load that drifts moves both): read the ratios, not the seconds (the machine is
shared).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _old_module(checkout: Path, relative: str, replacements: dict[str, str]):
    """The module at ``relative`` in ``checkout``, its relative imports made absolute."""
    source = (checkout / relative).read_text(encoding="utf-8")
    for old, new in replacements.items():
        source = source.replace(old, new)
    name = "before_" + relative.replace("/", "_").removesuffix(".py")
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, str(checkout / relative), "exec"), module.__dict__)
    return module


def _ab(pieces: dict, rounds: int) -> dict[str, float]:
    times = {name: [] for name in pieces}
    for number in range(rounds):
        order = list(pieces) if number % 2 == 0 else list(reversed(pieces))
        for name in order:
            started = time.process_time()
            pieces[name]()
            times[name].append(time.process_time() - started)
    medians = {name: statistics.median(values) for name, values in times.items()}
    if {"before", "now"} <= set(times):  # each round's own ratio: steadier on a busy machine
        medians["ratio"] = statistics.median(
            b / n for b, n in zip(times["before"], times["now"], strict=True))
    return medians


def _batches(model, folder: Path, limit: int | None = None):
    from topics.config import MAX_BYTES
    from topics.pipeline.inputs import load_input
    from topics.pipeline.model import BATCH_UNITS
    from topics.text.simplify import to_simplified_many

    files = sorted(folder.glob("*.txt"))[:limit]
    loaded = [load_input(str(f), None, MAX_BYTES) for f in files]
    units = [u for x in loaded for u in x.units]
    out = []
    for first in range(0, len(units), BATCH_UNITS):
        texts = to_simplified_many([u.text for u in units[first:first + BATCH_UNITS]])
        out.append((texts, model.classifier.segmenter.tokens_many(texts)))
    return loaded, out


#: The relative imports of the older modules, made absolute.
ABSOLUTE = {"from ..": "from topics.", "from .sparse": "from topics.features.sparse",
            "from .vocabulary": "from topics.topic.vocabulary",
            "from .records": "from topics.render.records",
            "from ._numbers": "from topics.render._numbers",
            "from ._rjieba": "from topics.text._rjieba"}
#: What ``--pieces`` may pick.
PIECES = ("blocks", "segmented", "weighted", "topics", "evidence", "jsonl", "render")


def _same_blocks(old, new) -> bool:
    """Feature blocks equal in structure, values and types, and equal probabilities."""
    (old_blocks, old_proba), (new_blocks, new_proba) = old, new
    for a, b in ((old_blocks.words, new_blocks.words), (old_blocks.chars, new_blocks.chars)):
        if a.shape != b.shape or not all(
                getattr(a, x).dtype == getattr(b, x).dtype
                and np.array_equal(getattr(a, x), getattr(b, x))
                for x in ("data", "indices", "indptr")):
            return False
    return (np.array_equal(old_blocks.cues, new_blocks.cues)
            and np.array_equal(old_proba, new_proba))


def _rendered(model, loaded, explain: bool, old_jsonl, old_tables, rounds: int) -> dict:
    """The shipped reports' JSON Lines, CSV and table as ``classify`` renders a batch."""
    from topics.config import N_EVIDENCE
    from topics.pipeline.model import theme_profile
    from topics.render.outputs import renderer

    labelled = model.label_units_many([(x.units, x.ids, x.in_context) for x in loaded],
                                      n_evidence=N_EVIDENCE if explain else None,
                                      topics=explain)
    names, ids = [x.name for x in loaded], model.taxonomy.ids
    kind = "explained " if explain else ""
    def table(width):
        out = []
        for name, x in zip(names, labelled, strict=True):
            results = x.results()
            out.append(old_tables.results_table(name, results, theme_profile(results, ids),
                                                model.taxonomy, width))
        return out

    befores = {("jsonl", None): lambda: [old_jsonl.labelled_jsonl(x) for x in labelled],
               ("csv", None): lambda: [old_tables.results_csv(x.results(), ids, header=False)
                                       for x in labelled]}
    if not explain:  # a table shows neither evidence nor topics
        befores.update({("table", None): lambda: table(None), ("table", 100): lambda: table(100)})
    shown = {"jsonl": "JSON Lines", "csv": "CSV", "table": "table"}
    report = {}
    for (fmt, width), before in befores.items():
        piece = (f"{kind}{shown[fmt]}{'' if width is None else f' wrapped to {width} columns'}"
                 ", a batch (shipped)")
        render = renderer(fmt, model.taxonomy, explain, width)

        def now(render=render):
            return render.many(names, labelled)

        assert before() == now()
        report[piece] = _ab({"before": before, "now": now}, rounds)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--model", required=True)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--pieces", nargs="+", default=list(PIECES), choices=list(PIECES))
    args = parser.parse_args()
    from real import corpus_seeds, corpus_shipped

    from topics.bundle import load_model
    from topics.parallel.tuning import settle_for_labelling

    model = load_model(args.model).prepare(False)
    settle_for_labelling()
    classifier = model.classifier
    absolute = ABSOLUTE
    old_vectorize = _old_module(args.before, "topics/features/vectorize.py", absolute)
    old_inference = _old_module(args.before, "topics/topic/inference.py", absolute)
    _old_module(args.before, "topics/features/cues.py", absolute)
    older_features = {  # the older predictor with the older feature modules
        f"from {prefix}{name} ": f"from before_topics_features_{name} "
        for prefix in ("..features.", ".") for name in ("vectorize", "cues", "definition")}
    _old_module(args.before, "topics/features/definition.py", {**older_features, **absolute})
    old_predictor = _old_module(args.before, "topics/classify/predictor.py",
                                {**older_features, **absolute})
    old_jsonl = _old_module(args.before, "topics/render/jsonl.py", absolute)
    meta, arrays = classifier.to_state()
    before_classifier = old_predictor.ThemePredictor(meta, arrays, classifier.taxonomy,
                                                     classifier.segmenter)
    report = {}

    def features(predictor, texts, tokens):
        blocks = predictor.blocks(texts, tokens)
        return blocks, predictor.block_probabilities(blocks)

    old_segment = _old_module(args.before, "topics/text/segment.py", absolute)
    segmenter = classifier.segmenter
    before_segmenter = old_segment.Segmenter.from_lists(**segmenter.to_lists())
    corpora = (("shipped", corpus_shipped(), None), ("3 seed reports", corpus_seeds(), 3))
    for name, folder, limit in corpora if {"blocks", "segmented"} & set(args.pieces) else ():
        batches = _batches(model, folder, limit)[1]
        for texts, tokens in batches:
            assert _same_blocks(features(before_classifier, texts, tokens),
                                features(classifier, texts, tokens))
            assert before_segmenter.tokens_many(texts) == tokens
        # each batch's features dropped before the next is made, as labelling does
        if "blocks" in args.pieces:
            report[f"blocks + block_probabilities ({name})"] = _ab({
                "before": lambda b=batches: all(features(before_classifier, *x) for x in b),
                "now": lambda b=batches: all(features(classifier, *x) for x in b)}, args.rounds)
        if "segmented" in args.pieces:  # tokens made afresh, as labelling makes them
            texts = [x[0] for x in batches]
            report[f"tokens_many + blocks + block_probabilities ({name})"] = _ab({
                "before": lambda t=texts: all(
                    features(before_classifier, x, before_segmenter.tokens_many(x)) for x in t),
                "now": lambda t=texts: all(
                    features(classifier, x, segmenter.tokens_many(x)) for x in t)}, args.rounds)

    report.update(_later_pieces(args, model, old_vectorize, old_inference, before_classifier,
                                old_jsonl))
    print(f"medians of {args.rounds} rounds, CPU seconds (outputs asserted equal):")
    for piece, times in report.items():
        print(f"  {piece}: before {times['before']:.3f}, now {times['now']:.3f}: "
              f"{times['before'] / times['now']:.2f}x (median of the rounds' ratios "
              f"{times['ratio']:.2f}x)")


def _later_pieces(args, model, old_vectorize, old_inference, before_classifier, old_jsonl):
    """The pieces after ``blocks``, those of ``args.pieces``."""
    from real import corpus_seeds, corpus_shipped

    import topics.features.vectorize as vectorize
    from topics.features.definition import normalise_chars_many, weighted_matrix
    from topics.render import jsonl

    classifier, topic_model = model.classifier, model.topic_model
    report = {}
    if "weighted" in args.pieces:
        # _weighted: the arguments of this checkout's transforms on two seed reports' batches
        calls, new_weighted = [], vectorize._weighted
        vectorize._weighted = lambda *a: calls.append(a) or new_weighted(*a)
        words, chars = classifier._transforms()
        for texts, tokens in _batches(model, corpus_seeds(), 2)[1]:
            words(tokens), chars(normalise_chars_many(texts))
        vectorize._weighted = new_weighted
        calls = [tuple(np.concatenate(x) if isinstance(x, list) else x for x in call)
                 for call in calls]  # pairs in one piece, as the older _weighted takes them
        for call in calls:
            old, new = old_vectorize._weighted(*call), new_weighted(*call)
            assert all(np.array_equal(getattr(old, a), getattr(new, a))
                       for a in ("data", "indices", "indptr"))
        report["_weighted (2 seed reports)"] = _ab({
            "before": lambda: [old_vectorize._weighted(*c) for c in calls],
            "now": lambda: [new_weighted(*c) for c in calls]}, args.rounds)
    if not {"topics", "evidence", "jsonl", "render"} & set(args.pieces):
        return report

    loaded, batches = _batches(model, corpus_shipped())
    if "topics" in args.pieces:
        content = [classifier.segmenter.content_of(tokens) for _, tokens in batches]
        before_topics = old_inference.TopicInference(topic_model.meta,
                                                     topic_model.to_state()[1])
        for documents in content:
            assert np.array_equal(before_topics.transform(documents),
                                  topic_model.transform(documents))
        report["topic inference (shipped)"] = _ab({
            "before": lambda: [before_topics.transform(d) for d in content],
            "now": lambda: [topic_model.transform(d) for d in content]}, args.rounds)

    if "evidence" in args.pieces:
        before_classifier._display_names()
        cases = []
        for texts, tokens in batches:
            matches = classifier.cue_matcher_.matches_many(texts)
            blocks = classifier.blocks(texts, tokens,
                                       classifier.cue_matcher_.score_matrix(matches))
            cases.append((weighted_matrix(blocks, classifier.params),
                          classifier.block_probabilities(blocks).argmax(axis=1), matches))
        for case in cases:
            assert before_classifier._evidence(*case, 3) == classifier._evidence(*case, 3)
        report["evidence (shipped)"] = _ab({
            "before": lambda: [before_classifier._evidence(*c, 3) for c in cases],
            "now": lambda: [classifier._evidence(*c, 3) for c in cases]}, args.rounds)

    if "jsonl" in args.pieces:
        labelled = model.label_units_many([(x.units, x.ids, x.in_context) for x in loaded])
        assert [old_jsonl.labelled_jsonl(x) for x in labelled] == list(
            map(jsonl.labelled_jsonl, labelled))
        report["explained JSON Lines (shipped)"] = _ab({
            "before": lambda: [old_jsonl.labelled_jsonl(x) for x in labelled],
            "now": lambda: list(map(jsonl.labelled_jsonl, labelled))}, args.rounds)
    if "render" in args.pieces:
        old_tables = _old_module(args.before, "topics/render/tables.py", ABSOLUTE)
        for explain in (False, True):
            report.update(_rendered(model, loaded, explain, old_jsonl, old_tables, args.rounds))
    return report


if __name__ == "__main__":
    main()
