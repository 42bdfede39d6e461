"""Benchmark on real-style text: shipped reports and documents, as .txt, .docx and .pdf.

Run:  python bench/real.py [--runs 3] [--before CHECKOUT] [--skip-baseline]
Writes its part of bench/RESULTS.md (after bench/run.py's). Corpora (built under
bench/out/, kept between runs):

- ``shipped``: the seed reports and every document of labels/documents (devset and
  written), as they are (small .txt files: 728, and 872 since the sixth round of written
  documents);
- ``seeds-20mb``: 20 reports of about 1 MB, each the seed reports concatenated;
- ``docx`` and ``pdf``: the development set's documents and the seeds, written as Word
  files (python-docx) and as PDF (reportlab, its built-in CJK font STSong-Light; skipped
  with a note when reportlab is missing);
- ``synthetic``: bench/common.build_corpus (shipped labelled sentences drawn into reports).

For each: read + split (MB/s of the text read, in a child process), the default
``topics classify DIR --format jsonl`` (no --jobs: the command chooses), the same with
``--jobs 1``, and the naive baseline of bench/run.py (``jieba.lcut`` per sentence and
the trained classifier's scikit-learn transform and predict). Also ``jieba.lcut`` alone
over the corpus' sentences (in process, dictionary loaded first), explained output
(``--explain``, html, xlsx), labelling in context against each unit alone, and the peak
memory of the plain command on 5 and on 50 one-MB seed reports (``--skip-rss``: not).
``--before`` runs the same commands with an older checkout first on PYTHONPATH (e.g. a
``git archive`` of main): its columns are "before". Medians of ``--runs`` runs; the
commands take turns, so a machine getting busier weighs on all alike. Ratios are measured
in the same run: read them, not the seconds (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import HERE, OUT, build_corpus, machine, shipped_text_paths
from run import BASELINE, REAL_MARK, peak_rss

PACKAGES = ("scikit-learn", "gensim", "jieba", "rjieba", "numpy", "python-docx", "pdfplumber")

READ_SPLIT = r'''
import json, statistics, sys, time
from pathlib import Path
from topics.read.documents import read_report
from topics.text.sentences import split_units
paths = sorted(p for p in Path(sys.argv[1]).iterdir() if p.suffix in (".txt", ".docx", ".pdf"))
times, cpu, size, units = [], [], 0, 0
for _ in range(int(sys.argv[2])):
    started, started_cpu = time.perf_counter(), time.process_time()
    size = units = 0
    for path in paths:
        report = read_report(path)
        units += len(split_units(report.text, path.name, rejoin=report.rejoin))
        size += len(report.text.encode("utf-8"))
    times.append(time.perf_counter() - started)
    cpu.append(time.process_time() - started_cpu)
print(json.dumps({"seconds": statistics.median(times), "cpu": statistics.median(cpu),
                  "mb": size / 1e6, "units": units}))
'''

JIEBA_ALONE = r'''
import json, statistics, sys, time
from pathlib import Path
import jieba
from topics.read.documents import read_report
from topics.text.sentences import split_units
texts = []
for path in sorted(p for p in Path(sys.argv[1]).iterdir() if p.suffix in (".txt", ".docx", ".pdf")):
    report = read_report(path)
    texts += [u.text for u in split_units(report.text, path.name, rejoin=report.rejoin)]
jieba.lcut("预热")
times = []
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    times.append(time.perf_counter() - started)
print(json.dumps({"seconds": statistics.median(times)}))
'''

CONTEXT = r'''
import json, statistics, sys, time
from pathlib import Path
from topics.bundle import load_model
from topics.parallel.tuning import settle_for_labelling
from topics.read.documents import read_report
from topics.text.sentences import split_units
model = load_model(sys.argv[1])
settle_for_labelling()
reports = []
for path in sorted(p for p in Path(sys.argv[2]).iterdir() if p.suffix == ".txt"):
    report = read_report(path)
    reports.append(split_units(report.text, path.name, rejoin=report.rejoin))
times = {True: [], False: []}
for _ in range(int(sys.argv[3])):
    for in_context in (False, True):
        started = time.perf_counter()
        for units in reports:
            model.predict_units(units, in_context=in_context)
        times[in_context].append(time.perf_counter() - started)
print(json.dumps({"alone": statistics.median(times[False]),
                  "context": statistics.median(times[True])}))
'''


def shipped_texts() -> list[tuple[str, str]]:
    """(file name, text) of the seeds and every document of labels/documents."""
    return [(f"{p.parent.parent.name}-{p.name}" if p.parent.name == "docs" else p.name,
             p.read_text(encoding="utf-8")) for p in shipped_text_paths()]


def corpus_shipped() -> Path:
    folder = OUT / "real-shipped"
    texts = list(shipped_texts())
    done = folder / "DONE"
    if not done.exists() or done.read_text() != str(len(texts)):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, text in texts:
            (folder / name).write_text(text, encoding="utf-8")
        done.write_text(str(len(texts)))
    return folder


def corpus_seeds(reports: int = 20, megabytes: float = 1.0) -> Path:
    from topics import config

    folder = OUT / f"real-seeds-{reports}mb"
    if not (folder / "DONE").exists():
        folder.mkdir(parents=True, exist_ok=True)
        seeds = [p.read_text(encoding="utf-8") for p in config.seed_paths()]
        for number in range(reports):
            parts, size = [], 0
            while size < megabytes * 1e6:
                text = seeds[len(parts) % len(seeds)]
                parts.append(text)
                size += len(text.encode("utf-8"))
            (folder / f"seeds-{number:02d}.txt").write_text("\n".join(parts), encoding="utf-8")
        (folder / "DONE").write_text("")
    return folder


def _dev_and_seed_texts() -> list[tuple[str, str]]:
    """(file name, text) of the seed reports and the development set's documents."""
    return [(name, text) for (name, text), path in zip(shipped_texts(), shipped_text_paths(),
                                                       strict=True)
            if path.parent.name != "docs" or path.parent.parent.name == "devset"]


def corpus_docx() -> Path:
    from docx import Document

    folder = OUT / "real-docx"
    if not (folder / "DONE").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in _dev_and_seed_texts():
            document = Document()
            for line in text.splitlines():
                if line.strip():
                    document.add_paragraph(line)
            document.save(str(folder / (Path(name).stem + ".docx")))
        (folder / "DONE").write_text("")
    return folder


def corpus_pdf(chars_per_line: int = 38, lines_per_page: int = 40) -> Path | str:
    """The texts drawn as PDF pages, lines wrapped; or why not (a note)."""
    try:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas
    except ImportError:
        return "no PDF row: reportlab is not installed (pip install -e '.[test]')"
    folder = OUT / "real-pdf"
    if not (folder / "DONE").exists():
        folder.mkdir(parents=True, exist_ok=True)
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        for name, text in _dev_and_seed_texts():
            lines = []
            for paragraph in text.splitlines():
                paragraph = paragraph.strip()
                lines += [paragraph[i:i + chars_per_line]
                          for i in range(0, len(paragraph), chars_per_line)]
            pdf = canvas.Canvas(str(folder / (Path(name).stem + ".pdf")))
            for first in range(0, max(len(lines), 1), lines_per_page):
                pdf.setFont("STSong-Light", 11)
                for row, line in enumerate(lines[first:first + lines_per_page]):
                    pdf.drawString(60, 800 - 19 * row, line)
                pdf.showPage()
            pdf.save()
        (folder / "DONE").write_text("")
    return folder


def environment(pythonpath: str | None = None) -> dict[str, str]:
    """The environment of a measured command: this one's, with its bytecode cached.

    An installed topics has its modules compiled (pip does it); with
    PYTHONDONTWRITEBYTECODE set, as on the development machines, every command would
    compile them again (0.1-0.3 s each, topics' and the baseline's alike).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
        # the older checkout's default model in a home of its own: it may write another
        # bundle format, and in one home each side would rebuild the other's model
        env["TOPICS_HOME"] = str(OUT / "before-home")
    return env


MODEL_OF = """
import json
from topics.resolve import default_model
print(json.dumps(str(default_model().path)))
"""


def child(script: str, args: list[str], pythonpath: str | None = None) -> dict:
    env = environment(pythonpath)
    done = subprocess.run([sys.executable, "-c", script, *args], check=True,
                          capture_output=True, text=True, env=env, cwd=OUT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def wall(command: list[str], pythonpath: str | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system, its worker processes included) of a command."""
    import resource

    env = environment(pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env, cwd=OUT)  # not the checkout: its topics would come first
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def chosen_processes(folder: Path, model_dir: str) -> str:
    """What the default command chose (its -v line)."""
    done = subprocess.run([sys.executable, "-m", "topics", "-v", "classify", str(folder),
                           "--model", model_dir, "--format", "jsonl", "--out",
                           str(OUT / "chosen.jsonl")], capture_output=True, text=True,
                          check=True, cwd=OUT)
    line = next((x for x in done.stderr.splitlines() if " process" in x and "MB" in x), "")
    return line.removeprefix("topics: ").split(" (")[0] or "?"


def take_turns(commands: dict, runs: int) -> tuple[dict, dict]:
    """Median wall and CPU seconds of each command, the commands taking turns."""
    times = {key: [] for key in commands}
    for _ in range(runs):
        for key, (command, path) in commands.items():
            times[key].append(wall(command, path))
    return ({key: statistics.median(w for w, _ in values) for key, values in times.items()},
            {key: statistics.median(c for _, c in values) for key, values in times.items()})


def peak_memory(topics: list[str], model_dir: str) -> list[tuple[str, float, float]]:
    """Peak RSS of the plain command (default and one process) on 5 and on 50 seed reports."""
    folders = [corpus_seeds(reports) for reports in (5, 50)]
    out = str(OUT / "real-out.jsonl")
    rows = []
    for label, extra in (("default (no --jobs)", []), ("--jobs 1", ["--jobs", "1"])):
        small, large = (peak_rss([*topics, str(folder), "--model", model_dir, "--format",
                                  "jsonl", "--out", out, *extra]) for folder in folders)
        rows.append((label, small, large))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="an older checkout to compare with (PYTHONPATH)")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="no naive baseline (it is slow: ~0.3 MB/s)")
    parser.add_argument("--only", help="comma-separated corpora to run")
    parser.add_argument("--skip-rss", action="store_true",
                        help="no peak-memory rows (5 and 50 one-MB seed reports)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from topics.resolve import default_model

    OUT.mkdir(exist_ok=True)
    model_dir = str(default_model().path)
    before = str(Path(args.before).resolve()) if args.before else None
    # the model each side labels with: its own default model (built on first use)
    model_of = {None: model_dir}  # the model each side labels with
    if before:
        model_of[before] = child(MODEL_OF, [], before)
    baseline = OUT / "baseline.py"
    baseline.write_text(BASELINE, encoding="utf-8")
    pdf = corpus_pdf()
    shipped = corpus_shipped()
    shipped_name = f"shipped ({sum(1 for _ in shipped.rglob('*.txt'))} .txt)"
    corpora = {shipped_name: shipped,
               "seeds, 20 x 1 MB (.txt)": corpus_seeds(),
               "devset + seeds as .docx": corpus_docx()}
    notes = []
    if isinstance(pdf, Path):
        corpora["devset + seeds as .pdf"] = pdf
    else:
        notes.append(pdf)
    corpora["synthetic 5 MB (.txt)"] = build_corpus(OUT / "corpus-5mb", megabytes=5)
    if args.only:
        wanted = args.only.split(",")
        corpora = {k: v for k, v in corpora.items() if any(w in k for w in wanted)}
    topics = [sys.executable, "-m", "topics", "-q", "classify"]
    rows, explained = [], []
    for name, folder in corpora.items():
        print(f"# {name}", file=sys.stderr)
        split = child(READ_SPLIT, [str(folder), str(args.runs)])
        split_before = child(READ_SPLIT, [str(folder), str(args.runs)], before) if before \
            else None
        jieba_alone = child(JIEBA_ALONE, [str(folder), str(args.runs)])
        out = OUT / "real-out.jsonl"
        commands = {"default": ([*topics, str(folder), "--model", model_dir, "--format",
                                 "jsonl", "--out", str(out)], None),
                    "jobs1": ([*topics, str(folder), "--model", model_dir, "--format",
                               "jsonl", "--out", str(out), "--jobs", "1"], None)}
        if before:
            commands["before"] = ([*topics, str(folder), "--model", model_of[before],
                                   "--format", "jsonl", "--out", str(out), "--jobs", "1"],
                                  before)
        if not args.skip_baseline:
            commands["baseline"] = ([sys.executable, str(baseline), model_dir, str(folder),
                                     str(OUT / "real-baseline.jsonl")], None)
        times, cpu = take_turns(commands, args.runs)
        rows.append((name, split, split_before, jieba_alone, times, cpu,
                     chosen_processes(folder, model_dir)))
        if not name.startswith("shipped"):  # explained output: one corpus (it is slow)
            continue
        x_commands = {}
        for fmt, extra in (("--explain jsonl", ["--format", "jsonl", "--explain"]),
                           ("html", ["--format", "html"]), ("xlsx", ["--format", "xlsx"])):
            suffix = extra[1]
            for key, path in (("now", None), ("before", before)):
                if key == "before" and not before:
                    continue
                x_commands[(fmt, key)] = ([*topics, str(folder), "--model", model_of[path],
                                           *extra,
                                           "--jobs", "1", "--out",
                                           str(OUT / f"real-x-{key}.{suffix}")], path)
        x_times, x_cpu = take_turns(x_commands, args.runs)
        explained.append((name, split["mb"], times["jobs1"], x_times, x_cpu))
    context = child(CONTEXT, [model_dir, str(shipped), str(args.runs)])
    memory = [] if args.skip_rss else peak_memory(topics, model_dir)
    lines = ["# Benchmark on real-style text", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
             f"`python bench/real.py --runs {args.runs}"
             f"{' --before CHECKOUT' if before else ''}` on: {machine(PACKAGES)}. "
             f"Load average at the end: {os.getloadavg()[0]:.1f} (the machine is shared "
             "with other engineers' builds and tests: read the ratios, measured in the same "
             "run with the commands taking turns, not the seconds). Medians of "
             f"{args.runs} runs. MB: UTF-8 megabytes of the text read from the files.", ""]
    if before:
        lines += ["\"before\": the same commands with the checkout given to `--before` "
                  "(main before this work) first on PYTHONPATH, one process (its default), "
                  "labelling with that checkout's own default model (built in a home of its "
                  "own: bench/out/before-home).",
                  ""]
    lines += ["## Read + split, and `topics classify DIR --format jsonl`", "",
              "Throughput from wall time; ratios as wall / CPU time (user + system of the "
              "command and its workers: less sensitive to a busy machine; for one process, "
              "the fairer ratio). \"default\" is the command without --jobs.", "",
              "| corpus | MB | units | read + split MB/s (wall / CPU) | before | default: "
              "processes "
              "chosen | default MB/s | --jobs 1 MB/s | default vs --jobs 1 (wall) | "
              "--jobs 1 vs before | naive baseline MB/s | default vs baseline | --jobs 1 vs "
              "jieba.lcut alone (CPU) | default vs jieba.lcut alone (wall) |",
              "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, split, split_before, jieba_alone, times, cpu, chosen in rows:
        mb = split["mb"]

        def ratio(slow: str, fast: str, only_wall: bool = False, times=times, cpu=cpu) -> str:
            if slow not in times or fast not in times:
                return ""
            text = f"**{times[slow] / times[fast]:.2f}x**"
            return text if only_wall else f"{text} / {cpu[slow] / cpu[fast]:.2f}x"

        read_before = ("" if not split_before else f"{mb / split_before['seconds']:.1f} / "
                       f"{mb / split_before['cpu']:.1f}")
        baseline_mbs = f"{mb / times['baseline']:.2f}" if "baseline" in times else ""
        lines.append(
            f"| {name} | {mb:.2f} | {split['units']:,} | {mb / split['seconds']:.1f} / "
            f"{mb / split['cpu']:.1f} | "
            f"{read_before} | {chosen} | {mb / times['default']:.2f} | "
            f"{mb / times['jobs1']:.2f} | {ratio('jobs1', 'default', True)} | "
            f"{ratio('before', 'jobs1')} | {baseline_mbs} | {ratio('baseline', 'default')} | "
            f"{jieba_alone['seconds'] / cpu['jobs1']:.1f}x | "
            f"**{jieba_alone['seconds'] / times['default']:.1f}x** |")
    lines += ["", "jieba.lcut alone: `jieba.lcut` over the corpus' units in one process, "
                  "its dictionary loaded before the clock starts (median of the runs, wall; "
                  "one process, so its CPU time is its wall time); the command's time includes "
                  "its start, model load, reading, splitting and writing.", ""]
    if explained:
        lines += ["## Explained output (one process)", "",
                  "| corpus | output | MB/s now | before | now vs before (wall / CPU) | "
                  "plain jsonl MB/s (now) |", "|---|---|---:|---:|---:|---:|"]
        for name, mb, plain, x_times, x_cpu in explained:
            for fmt in ("--explain jsonl", "html", "xlsx"):
                now = x_times[(fmt, "now")]
                old = x_times.get((fmt, "before"))
                versus = ("" if old is None else f"**{old / now:.2f}x** / "
                          f"{x_cpu[(fmt, 'before')] / x_cpu[(fmt, 'now')]:.2f}x")
                lines.append(f"| {name} | {fmt} | {mb / now:.2f} | "
                             f"{'' if old is None else f'{mb / old:.2f}'} | {versus} | "
                             f"{mb / plain:.2f} |")
        lines.append("")
    lines += ["## Labelling in context (the second stage)", "",
              "`ThemeModel.predict_units` over the shipped corpus' reports, in context and "
              "each unit alone (the first stage, calibrated): in-process, model loaded.", "",
              f"Alone {context['alone']:.2f} s, in context {context['context']:.2f} s: "
              f"in context costs **{context['context'] / context['alone'] - 1:.0%}** of "
              "labelling throughput.", ""]
    if memory:
        lines += ["## Peak memory: 5 against 50 one-MB seed reports", "",
                  "Peak RSS (MB) of the largest process of `topics classify DIR --format jsonl` "
                  "(GNU time), the folder holding 5 or 50 reports of about 1 MB, each the seed "
                  "reports concatenated.", "",
                  "| command | 5 reports | 50 reports | 50 vs 5 |", "|---|---:|---:|---:|"]
        for label, small, large in memory:
            lines.append(f"| {label} | {small:.0f} | {large:.0f} | **{large / small:.2f}x** |")
        lines.append("")
    lines += [f"Note: {note}" for note in notes]
    results = HERE / "RESULTS.md"
    kept = results.read_text(encoding="utf-8") if results.exists() else ""
    kept = kept[:kept.find(REAL_MARK)] if REAL_MARK in kept else kept
    lines[0] = "## Real-style text (`bench/real.py`)"
    results.write_text(kept.rstrip("\n") + f"\n\n{REAL_MARK}\n" + "\n".join(
        line.replace("## ", "### ", 1) if line.startswith("## ") and i else line
        for i, line in enumerate(lines)) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
