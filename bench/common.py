"""What the benchmark scripts share: where they write, the machine, the synthetic corpora."""

from __future__ import annotations

import json
import os
import platform
import random
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
REPORT_BYTES = 1_000_000


def side_environment(pythonpath: str | None, home: str, **extra: str) -> dict[str, str]:
    """The environment of one side of a before/after command: ``TOPICS_HOME`` its own home,
    the older checkout first on ``PYTHONPATH`` (None: this one), ``extra`` variables set.

    Both sides have their bytecode cached (as ``real.environment``): else a checkout without
    .pyc files compiles every module on every run (~0.13 s) and looks slower.
    """
    env = dict(os.environ, TOPICS_HOME=home, **extra)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def shipped_text_paths() -> list[Path]:
    """The seed reports, then the .txt documents of every set of labels/documents."""
    from topics import config

    paths = list(config.seed_paths())
    for docs, _labels in config.document_sets():
        paths += sorted(docs.glob("*.txt"))
    return paths


def shipped_data():
    """The shipped taxonomy and the default model's training data (labels, seeds, documents)."""
    from topics import config
    from topics.taxonomy import load_taxonomy
    from topics.train import collect_training_data

    taxonomy = load_taxonomy(config.taxonomy_path())
    return taxonomy, collect_training_data(taxonomy, config.label_paths(), config.seed_paths(),
                                           document_sets=config.document_sets())


def machine(packages: tuple[str, ...]) -> str:
    """OS, CPU, cores, memory, Python and the versions of ``packages``."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{memory}; "
            f"Python {platform.python_version()}; {versions}")


def build_corpus(folder: Path, megabytes: int | None = None, sentences: int | None = None,
                 seed: int = 0) -> Path:
    """A folder of ~1 MB synthetic reports drawn from the shipped labelled sentences.

    Sentences are drawn with a fixed seed into paragraphs of 2-6, with an outline heading
    now and then, until the corpus holds ``megabytes`` MB or ``sentences`` sentences. A
    folder already built (it has a ``DONE`` file) is reused.
    """
    from topics import config

    done = folder / "DONE"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    pool = [json.loads(line)["text"] for path in config.label_paths()
            for line in path.read_text(encoding="utf-8").splitlines()]
    pool = [s for s in pool if s[-1] in "。！？；"]
    rng = random.Random(seed)
    numerals = "一二三四五六七八九十"
    written = drawn = number = 0

    def more() -> bool:
        return ((megabytes is None or written < megabytes * 1_000_000)
                and (sentences is None or drawn < sentences))

    while more():
        parts, size, section = [], 0, 0
        while size < REPORT_BYTES and (sentences is None or drawn < sentences):
            if rng.random() < 0.08:
                title = rng.choice(pool)[:20].rstrip("，。；")
                heading = f"{numerals[section % 10]}、{title}\n"
                section += 1
                parts.append(heading)
                size += len(heading.encode())
            count = rng.randint(2, 6)
            if sentences is not None:
                count = min(count, sentences - drawn)
            paragraph = "".join(rng.choice(pool) for _ in range(count)) + "\n"
            drawn += count
            parts.append(paragraph)
            size += len(paragraph.encode())
        (folder / f"report-{number:04d}.txt").write_text("".join(parts), encoding="utf-8")
        written += size
        number += 1
    done.write_text(f"{drawn} sentences, {written:,} bytes\n")
    return folder
