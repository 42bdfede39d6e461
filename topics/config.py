"""Every shared default, defined once; where the shipped data live and the default model goes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: Report files larger than this many MB are refused rather than read whole (``--max-size``).
MAX_SIZE_MB = 20.0
#: Most weak-labelled sentences the classifier trains on (a seeded sample; ``--max-weak``).
MAX_WEAK = 50_000
#: LDA topics of a model: one per theme with cue words, the rest free (``--topics``; none by
#: default: bench/TOPICS.md).
N_TOPICS = 8
#: Evidence terms given for each labelled unit.
N_EVIDENCE = 5
#: Words per topic in the outputs that show the topic model (xlsx, html).
N_TOPIC_WORDS = 15
#: Folder that ``topics train`` writes and ``topics classify`` reads by default.
LOCAL_MODEL_DIR = Path("models") / "default"


def megabytes(size: float) -> int:
    """A size in MB (as ``--max-size`` gives it) in bytes."""
    return int(size * 1024 * 1024)


#: :data:`MAX_SIZE_MB` in bytes.
MAX_BYTES = megabytes(MAX_SIZE_MB)

TAXONOMY_FILE = "taxonomy.toml"
LABEL_FILES = ("seed_labels.jsonl", "authored_examples.jsonl")


def _data_dir(package: str, source_dir: str) -> Path:
    """A shipped data folder: inside the installed package, or in the source checkout.

    A wheel holds ``labels/`` and ``seeds/`` as ``topics/_labels`` and
    ``topics/_seeds``; an editable install reads them where they are.
    """
    here = Path(__file__).resolve().parent
    for folder in (here / package, here.parent / source_dir):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"shipped data folder {source_dir}/ not found beside {here}")


def taxonomy_path() -> Path:
    """The default taxonomy file shipped with the package."""
    return _data_dir("_labels", "labels") / TAXONOMY_FILE


def label_paths() -> list[Path]:
    """The shipped label files: hand labels of the seeds and authored examples."""
    folder = _data_dir("_labels", "labels")
    return [folder / name for name in LABEL_FILES if (folder / name).is_file()]


def document_sets() -> list[tuple[Path, Path]]:
    """The shipped labelled document sets: ``(docs folder, labels file)`` of each."""
    root = _data_dir("_labels", "labels") / "documents"
    return [(folder / "docs", folder / "labels.jsonl")
            for folder in sorted(root.iterdir()) if (folder / "labels.jsonl").is_file()]


def seed_paths() -> list[Path]:
    """The shipped seed reports."""
    return sorted(_data_dir("_seeds", "seeds").glob("*.txt"))


def data_fingerprint() -> str:
    """sha256 of the package version, shipped data and word lists; a change rebuilds the default.

    The digest is kept in the user cache (``fingerprints.json``) under the files' paths,
    sizes and modification times: a command hashes the shipped data again only when one
    of them changed (or the version did).
    """
    from importlib import metadata

    version = metadata.version("topics")
    documents = [path for docs, labels in document_sets()
                 for path in (labels, *sorted(docs.glob("*.txt")))]
    files = [taxonomy_path(), *label_paths(), *seed_paths(), *documents,
             *sorted((Path(__file__).resolve().parent / "resources").glob("*.txt"))]
    return _cached_digest("data", version, files, lambda: _data_digest(version, files))


def _data_digest(version: str, files: list[Path]) -> str:
    digest = hashlib.sha256(version.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _cached_digest(kind: str, version: str, files: list[Path], compute) -> str:
    """``compute()``, or the digest kept for the same files unchanged (by ``os.stat``).

    The cache is only an aid: unreadable or unwritable, the digest is computed.
    """
    import json

    from .fileio import read_regular, replace_file

    try:
        # ctime too: a tool that restores the modification time (cp -p, touch -r, rsync -t)
        # cannot restore it, so a same-size edit so hidden is still seen
        stats = [(str(path), s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
                 for path, s in ((path, path.stat()) for path in files)]
    except OSError:
        return compute()
    key = hashlib.sha256(json.dumps([kind, version, stats]).encode()).hexdigest()
    cache = cache_dir() / "fingerprints.json"
    try:
        kept = json.loads(read_regular(cache) or b"{}")
        if kept.get(kind, {}).get("key") == key:
            return kept[kind]["digest"]
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        kept = {}
    digest = compute()
    if not isinstance(kept, dict):
        kept = {}
    kept[kind] = {"key": key, "digest": digest}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        replace_file(cache, json.dumps(kept).encode())
    except OSError:
        pass
    return digest


#: Modules and folders of the package that cannot change what cross-validation gives the
#: default model (they read, label, render or save): editing them keeps the record valid.
NOT_TRAINING = ("__init__.py", "__main__.py", "cli.py", "resolve.py", "bundle.py",
                "bundle_schema.py", "labelling.py", "compare.py", "fileio.py", "errors.py",
                "render", "parallel", "topic", "pipeline", "review")


def training_code_fingerprint() -> str:
    """sha256 of the package's source files that training's cross-validation runs."""
    return _code_fingerprint(NOT_TRAINING)


def package_code_fingerprint() -> str:
    """sha256 of every source file of the package: the cached default model is made by it."""
    return _code_fingerprint(())


def _code_fingerprint(left_out: tuple[str, ...]) -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):
        relative = path.relative_to(here)
        if relative.parts[0] not in left_out:
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def recorded_fit_path() -> Path:
    """The shipped record of the default model's cross-validation (see ``topics.resolve``)."""
    return Path(__file__).resolve().parent / "resources" / "default_model_cv.json"


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
