"""One process against a local Dask cluster: `topics classify DIR --format jsonl --out F`.

Run:  python bench/cluster.py [--sentences 300000] [--runs 2] [--workers 2]
Writes bench/CLUSTER.md. The corpus is synthetic: the shipped labelled sentences (seed hand
labels and authored examples) drawn with a fixed seed into ~1 MB reports with outline
headings, until it holds --sentences sentences (bench/out/cluster-corpus-N, reused). Each
configuration is run --runs times, the configurations taking turns (median time); the outputs
must be identical. Peak RSS and CPU time are sampled every 0.1 s with psutil: the client
process, and each worker process it spawns. The machines are shared and noisy: read the
ratio, and the CPU seconds, which say where the work went.
"""

from __future__ import annotations

import argparse
import filecmp
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
from common import HERE, OUT, build_corpus, machine

PACKAGES = ("scikit-learn", "jieba", "rjieba", "numpy", "dask", "distributed")


class PeakRss:
    """Samples the RSS of a process and of its spawned worker processes until stopped."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.client = 0
        self.workers: dict[int, int] = {}
        self.cpu: dict[int, float] = {}  # last seen user + system seconds, by pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.client = max(self.client, self.process.memory_info().rss)
                self.cpu[self.process.pid] = _cpu(self.process)
                for child in self.process.children(recursive=True):
                    try:
                        if "spawn_main" in " ".join(child.cmdline()):
                            rss = child.memory_info().rss
                            self.workers[child.pid] = max(self.workers.get(child.pid, 0), rss)
                            self.cpu[child.pid] = _cpu(child)
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self._stop.wait(0.1)

    def stop(self):
        self._stop.set()
        self._thread.join()

    @property
    def client_cpu(self) -> float:
        return self.cpu.get(self.process.pid, 0.0)

    @property
    def workers_cpu(self) -> float:
        return sum(v for pid, v in self.cpu.items() if pid != self.process.pid)


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run_classify(corpus: Path, model: str, out: Path, extra: list[str]) -> tuple[float, PeakRss]:
    args = [sys.executable, "-m", "topics", "-q", "classify", str(corpus), "--model", model,
            "--format", "jsonl", "--out", str(out), *extra]
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    sampler = PeakRss(child.pid)
    code = child.wait()
    seconds = time.perf_counter() - started
    sampler.stop()
    if code:
        raise SystemExit(f"{' '.join(args)} exited with {code}")
    return seconds, sampler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    from topics.resolve import default_model

    model = default_model().path
    corpus = build_corpus(OUT / f"cluster-corpus-{options.sentences}",
                          sentences=options.sentences)
    files = sorted(corpus.glob("*.txt"))
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    configs = [("1 process", []), (f"--scheduler local:{options.workers}",
                                   ["--scheduler", f"local:{options.workers}"])]
    runs = {name: {"times": [], "client": 0, "workers": [], "cpu": [], "wcpu": []}
            for name, _ in configs}
    outputs = [OUT / f"cluster-{number}.jsonl" for number in range(len(configs))]
    for run in range(options.runs):  # taking turns, so that the noise falls on both
        for (name, extra), out in zip(configs, outputs, strict=True):
            seconds, rss = run_classify(corpus, model, out, extra)
            print(f"{name}, run {run + 1}: {seconds:.1f} s (client CPU {rss.client_cpu:.1f} s, "
                  f"workers CPU {rss.workers_cpu:.1f} s)", file=sys.stderr)
            record = runs[name]
            record["times"].append(seconds)
            record["client"] = max(record["client"], rss.client)
            record["workers"].extend(rss.workers.values())
            record["cpu"].append(rss.client_cpu)
            record["wcpu"].append(rss.workers_cpu)
    rows = []
    for (name, _), out in zip(configs, outputs, strict=True):
        with open(out, encoding="utf-8") as handle:
            units = sum(1 for _ in handle)
        record = runs[name]
        rows.append((name, statistics.median(record["times"]), units, record["client"],
                     record["workers"], statistics.median(record["cpu"]),
                     statistics.median(record["wcpu"])))
    same = filecmp.cmp(outputs[0], outputs[1], shallow=False)
    ratio = rows[0][1] / rows[1][1]
    print(f"speed-up {ratio:.2f}x, identical output: {same}", file=sys.stderr)

    lines = [
        "# classify on a local Dask cluster",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on: {machine(PACKAGES)}.",
        "",
        f"Corpus: **synthetic** ({len(files)} reports, {megabytes:.1f} MB, "
        f"{options.sentences:,} sentences drawn from the shipped labelled sentences with a fixed "
        f"seed into ~1 MB reports with outline headings; {rows[0][2]:,} units labelled). "
        f"Command: `topics classify DIR --format jsonl --out FILE` with the default model; "
        f"median of {options.runs} runs. Peak RSS sampled every 0.1 s (psutil); the machine "
        f"is shared and noisy: read the ratio.",
        "",
        "| configuration | seconds | MB/s | units/s | client CPU s | workers CPU s | "
        "client peak RSS MB | worker peak RSS MB (each) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, seconds, units, client, workers, cpu, wcpu in rows:
        each = ", ".join(f"{w / 2**20:.0f}" for w in sorted(workers)) or "-"
        lines.append(f"| {name} | {seconds:.1f} | {megabytes / seconds:.2f} | "
                     f"{units / seconds:,.0f} | {cpu:.1f} | {wcpu:.1f} | {client / 2**20:.0f} | "
                     f"{each} |")
    lines += [
        "",
        f"Speed-up of `--scheduler local:{options.workers}` over one process: **{ratio:.2f}x** "
        f"(cluster start-up included).",
        "",
        f"Outputs identical, byte for byte: **{'yes' if same else 'NO'}**.",
        "",
        f"Worker peak RSS lists every worker process of every run ({options.runs} runs x "
        f"{options.workers} workers). CPU seconds are medians over the runs (user + system, "
        f"sampled every 0.1 s, so slightly low); the client of a cluster run reads and ships "
        f"the files, runs the scheduler, receives each report rendered as jsonl by the "
        f"workers and writes it; one "
        f"process does all the work itself.",
        "",
    ]
    (HERE / "CLUSTER.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
