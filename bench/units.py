"""Snapshot the sentence units of every shipped text, and check them against a snapshot.

Run:  python bench/units.py write SNAPSHOT.json   (e.g. on main, before changing the splitter)
      python bench/units.py check SNAPSHOT.json   (after: lists every report whose units differ)
      python bench/units.py digest                (prints the sha256 that tests/text pins)

The texts are the seed reports and every document of labels/documents, each split as plain
text (lines rejoined) and as Word (each line a paragraph). A unit is compared on all its
fields: text, offsets, heading flag, level and parent.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def texts() -> list[tuple[str, str]]:
    """``(name, text)`` of the seeds and of every document of labels/documents."""
    sys.path.insert(0, str(HERE.parent))
    from common import shipped_text_paths

    return [(f"{p.parent.name}/{p.name}", p.read_text(encoding="utf-8"))
            for p in shipped_text_paths()]


def snapshot() -> dict[str, list[list]]:
    """Every text's units, split with and without rejoining lines."""
    from topics.text.sentences import split_units

    result = {}
    for name, text in texts():
        for rejoin in (True, False):
            result[f"{name} rejoin={rejoin}"] = [
                [u.text, u.start, u.end, u.is_heading, u.level, u.heading]
                for u in split_units(text, name, rejoin=rejoin)]
    return result


def digest(units: dict[str, list[list]]) -> str:
    """sha256 of a snapshot, independent of how it is stored."""
    return hashlib.sha256(json.dumps(units, ensure_ascii=False, sort_keys=True)
                          .encode()).hexdigest()


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "digest"
    now = snapshot()
    if command == "digest":
        print(digest(now))
        return 0
    path = Path(sys.argv[2])
    if command == "write":
        path.write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
        print(f"{sum(map(len, now.values())):,} units of {len(now)} splits -> {path}")
        return 0
    before = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for key in sorted(set(before) | set(now)):
        old, new = before.get(key, []), now.get(key, [])
        if old == new:
            continue
        changed += 1
        old_set, new_set = {json.dumps(u, ensure_ascii=False) for u in old}, \
            {json.dumps(u, ensure_ascii=False) for u in new}
        print(f"## {key}: {len(old)} -> {len(new)} units")
        for unit in old:
            if json.dumps(unit, ensure_ascii=False) not in new_set:
                print("  - " + json.dumps(unit, ensure_ascii=False))
        for unit in new:
            if json.dumps(unit, ensure_ascii=False) not in old_set:
                print("  + " + json.dumps(unit, ensure_ascii=False))
    total = sum(map(len, now.values()))
    print(f"{len(now) - changed} of {len(now)} splits identical ({total:,} units now)")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
