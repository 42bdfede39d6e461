"""Benchmark suite: stage throughput and end-to-end classify, as ratios against a naive baseline.

Run:  python bench/run.py [--sizes 5,50] [--runs 3]
Writes bench/RESULTS.md. Corpora are synthetic: shipped labelled sentences (seed hand labels
and authored examples) drawn with a fixed seed into reports of about 1 MB, with outline
headings, until each corpus reaches its size. Every number is measured in the same run as
its baseline; medians of --runs runs, the end-to-end ones taking turns. The machines are
shared and noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import HERE, OUT, build_corpus, machine

PACKAGES = ("scikit-learn", "gensim", "jieba", "rjieba", "numpy")
#: Where bench/real.py's part of RESULTS.md starts (each script rewrites its own part).
REAL_MARK = "<!-- bench/real.py -->"
#: End-to-end configurations of `topics classify`: output key, extra arguments.
CONFIGS = (("j1", ["--jobs", "1"]), ("j2", ["--jobs", "2"]), ("x1", ["--jobs", "1", "--explain"]),
           ("x2", ["--jobs", "2", "--explain"]))

BASELINE = r'''
import json, sys, time
from pathlib import Path
import jieba
from topics.bundle import load_model
from topics.read.documents import read_report
from topics.text.sentences import split_units
from topics.features.definition import feature_matrix
from topics.features.tfidf import fitted_vectorizers
from topics.text.simplify import to_simplified
from topics.text.segment import is_noise

model = load_model(sys.argv[1])
clf = model.classifier
meta, arrays = clf.to_state()
word_vectorizer, char_vectorizer = fitted_vectorizers(meta, arrays["word_idf"], arrays["char_idf"])
for line in clf.segmenter.entries:  # the same dictionary as topics, on jieba's global tokenizer
    parts = line.split()
    jieba.add_word(parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None)
out = open(sys.argv[3], "w", encoding="utf-8")
stop = clf.segmenter.stopwords
for path in sorted(p for p in Path(sys.argv[2]).iterdir()
                   if p.suffix in (".txt", ".docx", ".pdf")):
    report = read_report(path)
    units = split_units(report.text, path.name, rejoin=report.rejoin)
    texts = [to_simplified(u.text) for u in units]
    tokens = [[t for t in jieba.lcut(x) if len(t) > 1 and t not in stop and not is_noise(t)]
              for x in texts]
    features = feature_matrix(texts, tokens, [clf.cue_matcher_.matches(x) for x in texts],
                              clf.cue_matcher_, word_vectorizer.transform,
                              char_vectorizer.transform, clf.params)
    labels = clf.decide(clf.probabilities(features))
    for unit, label in zip(units, labels):
        out.write(json.dumps({"report": unit.report, "index": unit.index, "text": unit.text,
                              "theme": str(label)}, ensure_ascii=False) + "\n")
out.close()
'''


def themes(path: Path) -> list[str]:
    """The themes of a jsonl output, in order."""
    return [json.loads(line)["theme"] for line in path.read_text(encoding="utf-8").splitlines()]


def timed(function, runs: int):
    values = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        values.append(time.perf_counter() - started)
    return statistics.median(values), result


def run_process(args: list[str], runs: int) -> float:
    """Median wall time (s) of a child process (peak RSS: :func:`peak_rss`)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_rss(args: list[str]) -> float:
    """Peak RSS (MB) of one child process, measured by /usr/bin/time when available."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        if Path("/usr/bin/time").exists():
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *args], check=True,
                           stdout=subprocess.DEVNULL)
            return int(Path(report.name).read_text().split()[-1]) / 1024
    return float("nan")


BREAKDOWN = r'''
import sys, time, json
t0 = time.perf_counter()
from topics.bundle import load_model
from topics.pipeline.inputs import load_input
import topics.classify.predictor, topics.render.tables, topics.topic.inference  # classify's
t1 = time.perf_counter()
model = load_model(sys.argv[1])
t2 = time.perf_counter()
loaded = load_input(sys.argv[2])
results = model.classify_units(loaded.units, explain=False)  # as the table format
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "work": t3 - t2, "units": len(results)}))
'''


def one_report_breakdown(model_dir: str, runs: int) -> list[str]:
    """Where the time of `topics classify` on one seed report goes."""
    from topics import config

    report = str(config.seed_paths()[0])
    start = run_process([sys.executable, "-c", "pass"], runs)
    parts = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", BREAKDOWN, model_dir, report], check=True,
                              capture_output=True, text=True)
        parts.append(json.loads(done.stdout))
    total = run_process([sys.executable, "-m", "topics", "-q", "classify", report,
                            "--model", model_dir], runs)
    median = {k: statistics.median(p[k] for p in parts) for k in ("imports", "load", "work")}
    return ["## One seed report (`topics classify` on " + Path(report).name +
            f", {parts[0]['units']} units)", "", "| part | seconds |", "|---|---:|",
            f"| interpreter start | {start:.2f} |", f"| imports | {median['imports']:.2f} |",
            f"| model load | {median['load']:.2f} |",
            "| work (read, split, segment, classify; no topics, as the table format) | "
            f"{median['work']:.2f} |",
            f"| whole command | {total:.2f} |", ""]


def stage_table(model, folder: Path, runs: int) -> list[tuple]:
    """Per-stage throughput on one corpus: ours against the naive baseline."""
    import jieba

    from topics.features.definition import normalise_chars
    from topics.features.tfidf import fitted_vectorizers
    from topics.read.documents import read_report
    from topics.render.jsonl import labelled_jsonl, results_jsonl
    from topics.text.sentences import split_units

    paths = sorted(folder.glob("*.txt"))
    megabytes = sum(p.stat().st_size for p in paths) / 1e6
    t_split, units = timed(lambda: [u for p in paths for u in split_units(read_report(p).text,
                                                                          p.name)], runs)
    texts = [u.text for u in units]
    n = len(texts)
    sample = texts[: min(n, 40000)]
    sample_mb = sum(len(t.encode()) for t in sample) / 1e6
    from topics.text.segment import Segmenter

    segmenter = model.classifier.segmenter
    reference_segmenter = Segmenter.from_lists(segmenter.entries, segmenter.stopwords)
    reference_segmenter.backend = "jieba"
    segmenter.tokens("预热")
    reference_segmenter.tokens("预热")
    jieba.lcut("预热")
    seg_runs = max(runs, 5)  # a few seconds each: medians of more runs
    t_jieba, _ = timed(lambda: [jieba.lcut(t) for t in sample], seg_runs)
    t_fast, fast = timed(lambda: segmenter.tokens_many(sample), seg_runs)
    cut = segmenter._rjieba.cut  # the backend alone: the ceiling of what topics can reach
    t_raw, _ = timed(lambda: [cut(t, True) for t in sample], seg_runs)
    reference = [reference_segmenter.tokens(t) for t in sample]
    classifier = model.classifier
    tokens = segmenter.content_tokens_many(sample)
    t_features, blocks = timed(lambda: classifier.blocks(sample, segmented=fast), runs)
    meta, arrays = classifier.to_state()
    word_vectorizer, char_vectorizer = fitted_vectorizers(meta, arrays["word_idf"],
                                                          arrays["char_idf"])
    t_sklearn, _ = timed(lambda: (
        word_vectorizer.transform(tokens),
        char_vectorizer.transform([normalise_chars(t) for t in sample]),
        [classifier.cue_matcher_.matches(t) for t in sample]), runs)
    t_predict, _ = timed(lambda: classifier.block_probabilities(blocks), runs)
    sample_units = units[: len(sample)]
    t_columns, columns = timed(lambda: model.label_units(sample_units, n_evidence=None,
                                                         topics=False), 1)
    t_lean, _ = timed(lambda: model.classify_units(sample_units, explain=False), 1)
    t_label, results = timed(lambda: model.classify_units(sample_units), 1)
    t_write, _ = timed(lambda: labelled_jsonl(columns), runs)
    t_write_explained, _ = timed(lambda: results_jsonl(results), runs)
    rows = [
        ("read + split", megabytes / t_split, n / t_split, None),
        ("segment: jieba.lcut (baseline)", sample_mb / t_jieba, len(sample) / t_jieba, 1.0),
        (f"segment: topics ({segmenter.backend_name})", sample_mb / t_fast, len(sample) / t_fast,
         t_jieba / t_fast),
        ("segment: rjieba's cut alone (no jieba-identity fixes, for reference)",
         sample_mb / t_raw, len(sample) / t_raw, t_jieba / t_raw),
        ("vectorise: sklearn TfidfVectorizer.transform, cues one by one (baseline)",
         sample_mb / t_sklearn, len(sample) / t_sklearn, 1.0),
        ("vectorise: topics (numpy n-gram index, cues by Aho-Corasick)", sample_mb / t_features,
         len(sample) / t_features, t_sklearn / t_features),
        ("predict (logistic regression, numpy)", sample_mb / t_predict,
         len(sample) / t_predict, None),
        ("label units as columns (label_units: all of the above; what jsonl uses)",
         sample_mb / t_columns, len(sample) / t_columns, None),
        ("label units, a result object each (classify_units; table, csv)", sample_mb / t_lean,
         len(sample) / t_lean, None),
        ("label units, explained (also evidence and topics)", sample_mb / t_label,
         len(sample) / t_label, None),
        ("write jsonl (from the columns)", sample_mb / t_write, len(sample) / t_write, None),
        ("write jsonl, explained", sample_mb / t_write_explained,
         len(sample) / t_write_explained, None),
    ]
    identical = fast == reference
    return rows, identical, n


def training_table(sizes: list[int]) -> list[str]:
    """`topics train` on each corpus (weak labels only, no CV): time, peak RSS, coherence."""
    rows = []
    for size in sizes:
        folder, out = OUT / f"corpus-{size}mb", OUT / f"model-{size}mb"
        command = [sys.executable, "-m", "topics", "-q", "train", str(folder), "--no-eval",
                   "--out", str(out)]
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
            started = time.perf_counter()
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *command],
                           check=True, stdout=subprocess.DEVNULL)
            seconds = time.perf_counter() - started
            rss = int(Path(report.name).read_text().split()[-1]) / 1024
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        metrics, training = manifest["metrics"], manifest["training"]
        rows.append((size, seconds, rss, metrics["topic_coherence"], training))
    lines = ["", "## Training at scale (`topics train DIR --no-eval`, one run each)", "",
             "Weak labels only (the corpora have no hand labels); the classifier trains on at "
             "most 50,000 of them (`--max-weak`); LDA streams every unit from disk.", "",
             "| corpus | seconds | peak RSS MB | LDA documents | LDA passes | weak labels "
             "found / used | mean c_v | mean u_mass |", "|---|---:|---:|---:|---:|---|---:|---:|"]
    for size, seconds, rss, coherence, training in rows:
        used = training["by_source"]
        used = sum(v for k, v in used.items() if k.startswith("weak"))
        lines.append(f"| {size} MB | {seconds:.0f} | {rss:.0f} | "
                     f"{training['topic_model_documents']:,} | {training['topic_model_passes']} | "
                     f"{training['weak_labels_found']:,} / {used:,} | {coherence['mean_c_v']} | "
                     f"{coherence['mean_u_mass']} |")
    if len(rows) >= 2:
        lines += ["", f"Training peak RSS, {rows[-1][0]} MB vs {rows[0][0]} MB: "
                      f"**{rows[-1][2] / rows[0][2]:.2f}x**."]
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,50", help="corpus sizes in MB")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--model", help="model folder (default: the built-in default model)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from topics.bundle import load_model
    from topics.resolve import default_model

    OUT.mkdir(exist_ok=True)
    model = load_model(args.model) if args.model else default_model()
    from topics.parallel.tuning import settle_for_labelling

    settle_for_labelling()  # as `topics classify` runs (GC and allocator), baselines included
    model_dir = model.path
    sizes = [int(s) for s in args.sizes.split(",")]
    lines = ["# Benchmark results", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on: "
             f"{machine(PACKAGES)}.",
             "", "Corpora are **synthetic**: shipped labelled sentences drawn with a fixed seed "
             "into ~1 MB reports with outline headings. Throughput is a median of "
             f"{args.runs} runs (end to end, the baseline and each configuration take turns); "
             "ratios are against the naive baseline measured in the same run (the machines are "
             "shared and noisy: read the ratios, not the seconds).", ""]
    baseline_script = OUT / "baseline.py"
    baseline_script.write_text(BASELINE, encoding="utf-8")
    e2e = []
    for size in sizes:
        folder = build_corpus(OUT / f"corpus-{size}mb", megabytes=size)
        megabytes = sum(p.stat().st_size for p in folder.glob("*.txt")) / 1e6
        rows, identical, n_units = stage_table(model, folder, args.runs)
        lines += [f"## Stages on the {size} MB corpus ({megabytes:.1f} MB, {n_units:,} units; "
                  f"segment/vectorise/predict/label/write on up to 40,000 units)", "",
                  "| stage | MB/s | units/s | ratio vs baseline |", "|---|---:|---:|---:|"]
        for name, mbs, ups, ratio in rows:
            lines.append(f"| {name} | {mbs:.2f} | {ups:,.0f} | "
                         f"{'' if ratio is None else f'{ratio:.1f}x'} |")
        lines += ["", f"Fast segmenter tokens identical to jieba's (both with the domain "
                      f"dictionary) on this sample: **{'yes' if identical else 'NO'}**.", ""]
        base_out = OUT / f"baseline-{size}.jsonl"
        base = [sys.executable, str(baseline_script), model_dir, str(folder), str(base_out)]
        outputs, commands = {}, {"base": base}
        for key, extra in CONFIGS:
            outputs[key] = OUT / f"ours-{size}-{key}.jsonl"
            commands[key] = [sys.executable, "-m", "topics", "-q", "classify", str(folder),
                             "--model", model_dir, "--format", "jsonl", "--out",
                             str(outputs[key]), *extra]
        # Runs take turns (baseline, then each configuration, again and again) so that a
        # machine getting faster or slower during the benchmark weighs on all alike.
        times = {key: [] for key in commands}
        for _ in range(args.runs):
            for key, command in commands.items():
                times[key].append(run_process(command, 1))
        row = {"size": size, "mb": megabytes, "rss_base": peak_rss(base)}
        row.update({("base" if key == "base" else f"t{key}"): statistics.median(values)
                    for key, values in times.items()})
        for key, _ in CONFIGS:
            row[f"rss{key}"] = peak_rss(commands[key])
        row["parallel_same"] = (outputs["j1"].read_bytes() == outputs["j2"].read_bytes()
                                and outputs["x1"].read_bytes() == outputs["x2"].read_bytes())
        baseline_themes = themes(base_out)
        row["same"] = min(sum(a == b for a, b in zip(themes(outputs[key]), baseline_themes,
                                                    strict=True)) / len(baseline_themes)
                          for key, _ in CONFIGS)
        e2e.append(row)
    lines += ["## End-to-end `topics classify DIR --format jsonl`", "",
              "Baseline: one process, `jieba.lcut` per sentence, the trained classifier's "
              "`TfidfVectorizer.transform` and `predict`, jsonl out (bench/out/baseline.py): "
              "report, index, text and theme per unit. topics writes those and the confidence "
              "and every theme's score; with `--explain` also the evidence and the LDA topic "
              "per unit (computed only then). `--jobs 2` shares the reports between the "
              "command's process and one worker process (the machine has 2 cores). The "
              "baseline's themes are the first stage's; topics reads each unit in its report "
              "(the second stage), so the last column is the share of units whose theme is the "
              "same (the smallest over the four configurations).", "",
              "| corpus | baseline MB/s | topics: 1 process | --jobs 2 | --explain, 1 process | "
              "--explain --jobs 2 | peak RSS MB (GNU time, largest process): baseline / "
              "1 process / --jobs 2 / --explain --jobs 2 | 1 process = --jobs 2, byte for byte "
              "| themes = baseline's |",
              "|---|---:|---:|---:|---:|---:|---|---|---|"]
    for r in e2e:
        cells = " | ".join(f"{r['mb'] / r[f't{key}']:.2f} MB/s, **{r['base'] / r[f't{key}']:.1f}x**"
                           for key, _ in CONFIGS)
        lines.append(
            f"| {r['size']} MB | {r['mb'] / r['base']:.2f} | {cells} | "
            f"{r['rss_base']:.0f} / {r['rssj1']:.0f} / {r['rssj2']:.0f} / {r['rssx2']:.0f} | "
            f"{'yes' if r['parallel_same'] else 'NO'} | {r['same']:.1%} |")
    if len(e2e) >= 2:
        small, large = e2e[0], e2e[-1]
        lines += ["", f"Peak RSS of `topics classify` (1 process), {large['size']} MB vs "
                      f"{small['size']} MB: **{large['rssj1'] / small['rssj1']:.2f}x** "
                      f"(with --explain: {large['rssx1'] / small['rssx1']:.2f}x)."]
    lines += training_table(sizes)
    help_time = run_process([sys.executable, "-m", "topics", "--help"], args.runs)
    lines += ["", f"`topics --help`: {help_time:.2f} s (median, interpreter start included).", ""]
    lines += one_report_breakdown(model_dir, args.runs)
    results = HERE / "RESULTS.md"
    kept = results.read_text(encoding="utf-8") if results.exists() else ""
    kept = kept[kept.find(REAL_MARK):] if REAL_MARK in kept else ""  # bench/real.py's part
    results.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
