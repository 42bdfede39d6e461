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
    version = installed_versions(("topics",))["topics"]
    if version is None:  # not installed: metadata says so
        from importlib import metadata

        version = metadata.version("topics")
    documents = [path for docs, labels in document_sets()
                 for path in (labels, *_texts_in(docs))]
    files = [taxonomy_path(), *label_paths(), *seed_paths(), *documents,
             *sorted((Path(__file__).resolve().parent / "resources").glob("*.txt"))]
    return _cached_digest("data", version, files, lambda: _data_digest(version, files))


def _texts_in(folder: Path) -> list[Path]:
    """``sorted(folder.glob("*.txt"))``, from the names alone (the shipped texts are ~1,200)."""
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith(".txt"))
    except OSError:
        return []
    return [folder / name for name in names]


def installed_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    """The installed version of each distribution of ``names`` (None: not installed).

    As ``importlib.metadata.version`` finds them, kept in the user cache under the state
    of every folder it searches (each entry of ``sys.path``, missing ones too): a
    distribution installed, upgraded or removed adds or removes its metadata folder in one
    of them, which changes that folder's times. A command that loads a model so neither
    imports ``importlib.metadata`` (and the ``email`` package with it) nor searches
    ``sys.path`` for each library.
    """
    import json
    import sys

    places = []
    for entry in sys.path:
        try:
            info = os.stat(entry or ".")
        except (OSError, ValueError):
            places.append([entry, None])
            continue
        places.append([os.path.abspath(entry or "."), info.st_mtime_ns, info.st_ctime_ns,
                       info.st_ino, info.st_dev])

    def look_up() -> str:
        from importlib import metadata

        versions = {}
        for name in names:
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = None
        return json.dumps(versions)

    kind = "versions " + " ".join(names)
    try:
        found = json.loads(_cached(kind, json.dumps([kind, places]), look_up))
    except (TypeError, ValueError):
        found = None
    if not (isinstance(found, dict) and set(found) == set(names)
            and all(v is None or isinstance(v, str) for v in found.values())):
        found = json.loads(look_up())  # a kept entry that is not one: looked up again
    return found


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

    try:
        # ctime too: a tool that restores the modification time (cp -p, touch -r, rsync -t)
        # cannot restore it, so a same-size edit so hidden is still seen
        stats = [(name, s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
                 for name, s in ((name, os.stat(name)) for name in map(str, files))]
    except OSError:
        return compute()
    return _cached(kind, json.dumps([kind, version, stats]), compute)


def _cached(kind: str, key: str, compute) -> str:
    """``compute()``, or what it gave before for the same ``key`` (kept in the user cache).

    One value is kept per ``kind`` (the latest). The cache is only an aid: unreadable or
    unwritable, the value is computed.
    """
    import json

    from .fileio import read_regular, replace_file

    key = hashlib.sha256(key.encode()).hexdigest()
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
