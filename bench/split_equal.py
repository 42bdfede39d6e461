"""Check that this checkout's splitter makes the units an older checkout's makes, field for field.

Run:  python bench/split_equal.py --before CHECKOUT [--seed-reports 3]

CHECKOUT is a folder holding an older ``topics`` package (e.g. ``git archive`` of main,
extracted); its ``topics/text/sentences.py`` is loaded into this process under another name.
The texts: the seed reports and every document of labels/documents (the shipped texts of
bench/out/real-shipped), the first ``--seed-reports`` of bench/out/real-seeds-20mb, every
string literal holding Chinese in tests/,
and the .docx and .pdf files of bench/out/real-docx and real-pdf (read by this checkout's
readers; bench/out is taken from /work/main when this checkout has none). Plain texts are
split with and without rejoining lines, documents as read (their ``rejoin`` and
``plain_lines``), and each text also in five variants: spaces after commas, spaced lines,
CRLF with markdown headings and emphasis, full-width spaces with BOMs and escapes, trailing
spaces and tabs. Every field of every unit is compared; the first differences are printed.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import astuple
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

_CJK = re.compile(r"[\u4e00-\u9fff]")


def bench_out() -> Path:
    """This checkout's bench/out if it holds the real-style corpora, else main's."""
    own = HERE / "out"
    return own if (own / "real-shipped").is_dir() else Path("/work/main/bench/out")


def test_literals() -> list[str]:
    """Every string literal in tests/ that holds a Chinese character."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and _CJK.search(node.value):
                found.append(node.value)
    return found


def variants(text: str) -> list[str]:
    """The text, and five variants that take the splitter's other paths."""
    lines = text.splitlines()
    spaced = [" ".join(line) if i % 3 == 1 else line.replace("，", " ， ")
              for i, line in enumerate(lines)]
    marked = []
    for i, line in enumerate(lines):
        if line[:1] in "一二三四五六七八九十（(" and len(line) < 40:
            line = f"## **{line}**"
        elif i % 4 == 2 and len(line) > 8:
            line = f"{line[:3]}**{line[3:7]}**{line[7:]}"
        marked.append(line)
    escaped = ["\ufeff" + line.replace("。", "。\u3000").replace("（", "\\（")
               .replace("_", "\\_").replace("、", "\u3000、") if i % 2 else line
               for i, line in enumerate(lines)]
    trailing = [("\t" if i % 5 == 0 else "") + line + (" \t" if i % 2 else "  ")
                for i, line in enumerate(lines)]
    return [text, text.replace("，", "， ").replace(",", ", "), "\n".join(spaced),
            "\r\n".join(marked), "\n".join(escaped), "\n".join(trailing)]


def inputs(seed_reports: int) -> list[tuple[str, str, bool, frozenset[int]]]:
    """``(name, text, rejoin, plain_lines)`` of every text to split."""
    from common import shipped_text_paths

    from topics.read.documents import read_report

    out = bench_out()
    paths = shipped_text_paths()  # the seed reports and every labelled document
    paths += sorted((out / "real-seeds-20mb").glob("*.txt"))[:seed_reports]
    documents = [*sorted((out / "real-docx").glob("*.docx")),
                 *sorted((out / "real-pdf").glob("*.pdf"))]
    texts = []
    for path in paths:
        report = read_report(path)
        for number, text in enumerate(variants(report.text)):
            for rejoin in (True, False):
                texts.append((f"{path} v{number} rejoin={rejoin}", text, rejoin, frozenset()))
    for number, literal in enumerate(test_literals()):
        for rejoin in (True, False):
            texts.append((f"tests literal {number} rejoin={rejoin}", literal, rejoin, frozenset()))
    for path in documents:
        report = read_report(path)
        for number, text in enumerate(variants(report.text)):
            texts.append((f"{path} v{number}", text, report.rejoin,
                          report.plain_lines if number == 0 else frozenset()))
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--seed-reports", type=int, default=3)
    args = parser.parse_args()
    from speed_ab import _old_module

    from topics.text.sentences import split_units

    old = _old_module(args.before, "topics/text/sentences.py", {})
    texts = inputs(args.seed_reports)
    differing = units = 0
    for name, text, rejoin, plain_lines in texts:
        before = list(map(astuple, old.split_units(text, name, rejoin=rejoin,
                                                   plain_lines=plain_lines)))
        now = list(map(astuple, split_units(text, name, rejoin=rejoin, plain_lines=plain_lines)))
        units += len(now)
        if before != now:
            differing += 1
            if differing <= 5:
                pairs = enumerate(zip(before, now, strict=False))
                first = next((i for i, (a, b) in pairs if a != b), min(len(before), len(now)))
                print(f"## {name}: {len(before)} -> {len(now)} units; first difference at {first}:")
                print(f"  - {before[first:first + 1]}\n  + {now[first:first + 1]}")
    print(f"{len(texts) - differing:,} of {len(texts):,} splits identical "
          f"({units:,} units now)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
