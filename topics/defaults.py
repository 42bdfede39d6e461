"""Where the shipped taxonomy, labels and seed reports live, and where the default model goes."""

from __future__ import annotations

import hashlib
import os
from importlib.util import find_spec
from pathlib import Path

TAXONOMY_FILE = "taxonomy.toml"
LABEL_FILES = ("seed_labels.jsonl", "authored_examples.jsonl")


def _package_dir(package: str) -> Path:
    """The folder of a data package (``labels/`` and ``seeds/`` are mapped into the package)."""
    spec = find_spec(package)
    for location in spec.submodule_search_locations or ():
        if Path(location).is_dir():
            return Path(location)
    raise FileNotFoundError(f"data package {package} is not installed")


def taxonomy_path() -> Path:
    """The default taxonomy file shipped with the package."""
    return _package_dir("topics._labels") / TAXONOMY_FILE


def label_paths() -> list[Path]:
    """The shipped label files: hand labels of the seeds and authored examples."""
    folder = _package_dir("topics._labels")
    return [folder / name for name in LABEL_FILES if (folder / name).is_file()]


def seed_paths() -> list[Path]:
    """The shipped seed reports."""
    return sorted(_package_dir("topics._seeds").glob("*.txt"))


def data_fingerprint() -> str:
    """sha256 over the shipped data and word lists: the default model is rebuilt when it changes."""
    digest = hashlib.sha256()
    files = [taxonomy_path(), *label_paths(), *seed_paths(),
             *sorted(_package_dir("topics.resources").glob("*.txt"))]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_dir() -> Path:
    """Per-user folder for the built-in default model (``TOPICS_HOME`` overrides it)."""
    home = os.environ.get("TOPICS_HOME")
    if home:
        return Path(home)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "topics"


def builtin_model_dir() -> Path:
    """Where the built-in default model is built on first use."""
    return cache_dir() / "models" / "default"
