"""In-process A/B of the labelling path's pieces: an older checkout's code against this one's.

Run:  python bench/speed_ab.py --before CHECKOUT --model MODEL [--rounds 9] [--pieces A,B]

CHECKOUT is a folder holding an older ``topics`` package (e.g. a ``git archive`` of main);
MODEL a saved model. The older modules are read from CHECKOUT's source into this process
(each under another name) and run on the same inputs as this checkout's, rounds alternating;
each piece's output is asserted equal first. Pieces: the TF-IDF weighting (``_weighted``) of
two seed reports' batches; topic inference, evidence and explained JSON Lines of the
shipped texts (bench/real.py's corpora); the shipped reports' JSON Lines and CSV (plain and
explained) and terminal table (one line per unit, and wrapped to 100 columns) as ``classify``
renders a batch of them (``Renderer.many``; before: report by report, CSV and table from the
results). ``--pieces`` runs only the pieces whose names hold one of
its words (e.g. ``--pieces csv,json``). CPU time (``process_time``), medians of the rounds:
read the ratios, not the seconds (the machine is shared).
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
    return {name: statistics.median(values) for name, values in times.items()}


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


def _rendered(model, loaded, explain: bool, old_jsonl, old_tables, chosen, rounds: int) -> dict:
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
        if chosen(piece):
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
    parser.add_argument("--pieces", default="", help="comma-separated words of piece names")
    args = parser.parse_args()
    wanted = [w for w in args.pieces.split(",") if w]
    chosen = lambda name: not wanted or any(w in name for w in wanted)  # noqa: E731
    from real import corpus_seeds, corpus_shipped

    import topics.features.vectorize as vectorize
    from topics.bundle import load_model
    from topics.features.definition import normalise_chars_many, weighted_matrix
    from topics.parallel.tuning import settle_for_labelling
    from topics.render import jsonl

    model = load_model(args.model).prepare(False)
    settle_for_labelling()
    classifier, topic_model = model.classifier, model.topic_model
    absolute = {"from ..": "from topics.", "from .sparse": "from topics.features.sparse",
                "from .vocabulary": "from topics.topic.vocabulary",
                "from .records": "from topics.render.records"}
    report = {}
    old_vectorize = _old_module(args.before, "topics/features/vectorize.py", absolute)
    old_inference = _old_module(args.before, "topics/topic/inference.py", absolute)
    old_predictor = _old_module(args.before, "topics/classify/predictor.py", absolute)
    old_jsonl = _old_module(args.before, "topics/render/jsonl.py", absolute)
    old_tables = _old_module(args.before, "topics/render/tables.py", absolute)

    if chosen("_weighted (2 seed reports)"):
        # _weighted: the arguments of this checkout's transforms on two seed reports' batches
        calls, new_weighted = [], vectorize._weighted
        vectorize._weighted = lambda *a: calls.append(a) or new_weighted(*a)
        words, chars = classifier._transforms()
        for texts, tokens in _batches(model, corpus_seeds(), 2)[1]:
            words(tokens), chars(normalise_chars_many(texts))
        vectorize._weighted = new_weighted
        for call in calls:
            old, new = old_vectorize._weighted(*call), new_weighted(*call)
            assert all(np.array_equal(getattr(old, a), getattr(new, a))
                       for a in ("data", "indices", "indptr"))
        report["_weighted (2 seed reports)"] = _ab({
            "before": lambda: [old_vectorize._weighted(*c) for c in calls],
            "now": lambda: [new_weighted(*c) for c in calls]}, args.rounds)

    loaded, batches = _batches(model, corpus_shipped())
    if chosen("topic inference (shipped)"):
        content = [classifier.segmenter.content_of(tokens) for _, tokens in batches]
        before_topics = old_inference.TopicInference(topic_model.meta,
                                                     topic_model.to_state()[1])
        for documents in content:
            assert np.array_equal(before_topics.transform(documents),
                                  topic_model.transform(documents))
        report["topic inference (shipped)"] = _ab({
            "before": lambda: [before_topics.transform(d) for d in content],
            "now": lambda: [topic_model.transform(d) for d in content]}, args.rounds)

    if chosen("evidence (shipped)"):
        meta, arrays = classifier.to_state()
        before_classifier = old_predictor.ThemePredictor(meta, arrays, classifier.taxonomy,
                                                         classifier.segmenter)
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

    if chosen("explained JSON Lines (shipped)"):
        labelled = model.label_units_many([(x.units, x.ids, x.in_context) for x in loaded])
        assert [old_jsonl.labelled_jsonl(x) for x in labelled] == list(map(jsonl.labelled_jsonl,
                                                                           labelled))
        report["explained JSON Lines (shipped)"] = _ab({
            "before": lambda: [old_jsonl.labelled_jsonl(x) for x in labelled],
            "now": lambda: list(map(jsonl.labelled_jsonl, labelled))}, args.rounds)

    for explain in (False, True):
        report.update(_rendered(model, loaded, explain, old_jsonl, old_tables, chosen,
                                args.rounds))

    print(f"medians of {args.rounds} rounds, CPU seconds (outputs asserted equal):")
    for piece, times in report.items():
        print(f"  {piece}: before {times['before']:.3f}, now {times['now']:.3f}: "
              f"{times['before'] / times['now']:.2f}x")


if __name__ == "__main__":
    main()
