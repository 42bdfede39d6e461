"""Model bundles on disk: JSON and ``.npy`` arrays plus ``manifest.json``; no pickles.

A bundle folder holds ``manifest.json`` and one ``data-<hash>/`` folder of
artifacts. Saving writes a new data folder, then replaces the manifest with one
atomic rename, then removes the old data folder: a crash at any moment leaves
either the old bundle or the new one, whole. A lock file beside the folder keeps
two writers apart. Loading reads only JSON and ``.npy`` files (``allow_pickle``
off), after checking the format version, every artifact's sha256, that no
artifact is a symlink or lies outside the folder, and the library versions.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from .errors import ModelError
from .fileio import atomic_write, file_sha256
from .pipeline.model import ThemeModel
from .taxonomy import Taxonomy

FORMAT_VERSION = 3  # 3: the second stage (context.json, context.*.npy)
MANIFEST = "manifest.json"
#: Seconds a writer waits for another writer of the same bundle.
LOCK_TIMEOUT = 600.0

#: Libraries whose version is recorded; the value is how many version parts must match.
LIBRARIES = {"scikit-learn": 2, "gensim": 2, "numpy": 1, "scipy": 1, "jieba": 3}


def library_versions() -> dict[str, str]:
    """Installed versions of Python and the libraries a bundle depends on."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def version_mismatches(recorded: dict[str, str]) -> list[str]:
    """Libraries whose installed version differs from a manifest's where it matters."""
    installed = library_versions()
    out = []
    for name, parts in LIBRARIES.items():
        made, now = recorded.get(name), installed[name]
        if made is None or made.split(".")[:parts] != now.split(".")[:parts]:
            out.append(f"{name} {made} (model) vs {now} (installed)")
    return out


def _json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _artifacts(model: ThemeModel) -> dict[str, bytes]:
    """Every artifact of a model as file name -> bytes."""
    files: dict[str, bytes] = {}
    states = [("classifier", model.classifier.to_state()), ("topics", model.topic_model.to_state())]
    if model.context is not None:
        states.append(("context", model.context.to_state()))
    for prefix, (meta, arrays) in states:
        files[f"{prefix}.json"] = _json_bytes(meta)
        for name, array in arrays.items():
            files[f"{prefix}.{name}.npy"] = _npy_bytes(array)
    files["segmenter.json"] = _json_bytes(model.classifier.segmenter.to_lists())
    return files


def lock_path(target: Path) -> Path:
    """The lock file that keeps two writers of ``target`` apart."""
    return target.parent / f".{target.name}.lock"


def _locked(target: Path, timeout: float, wait: Callable[[str], None]):
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(target)))
    try:
        lock.acquire(timeout=0)
        return lock
    except Timeout:
        wait(f"{target} is being written by another topics process; waiting up to "
             f"{timeout:.0f}s")
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise ModelError(f"{target}: still locked by another topics process after "
                         f"{timeout:.0f}s (lock file {lock_path(target)}); try again "
                         f"later") from None
    return lock


def save_model(model: ThemeModel, target: str | os.PathLike, lock_timeout: float = LOCK_TIMEOUT,
               wait: Callable[[str], None] = lambda _m: None) -> Path:
    """Write ``model`` to the folder ``target`` so that a crash never leaves half a model."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    files = _artifacts(model)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    data_dir = "data-" + hashlib.sha256(_json_bytes(hashes)).hexdigest()[:16]
    manifest = dict(model.manifest)
    manifest.update({
        "format_version": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "platform": f"{platform.system()} {platform.machine()}",
        "taxonomy": model.taxonomy.to_dict(),
        "topics": {"topic_themes": model.topic_model.topic_themes_,
                   "coherence": model.topic_model.coherence_},
        "data_dir": data_dir,
        "artifacts": {f"{data_dir}/{name}": digest for name, digest in sorted(hashes.items())},
    })
    lock = _locked(target, lock_timeout, wait)
    try:
        target.mkdir(exist_ok=True)
        if not (target / data_dir).is_dir():
            tmp = target / f".tmp-{uuid.uuid4().hex}"
            tmp.mkdir()
            for name, data in files.items():
                with open(tmp / name, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, target / data_dir)
        atomic_write(target / MANIFEST, _json_bytes(manifest))
        for stale in target.iterdir():  # what earlier, killed writers left behind
            if stale.name == data_dir:
                continue
            if stale.name.startswith(("data-", ".tmp-")):
                shutil.rmtree(stale, ignore_errors=True)
            elif stale.name.startswith(f".{MANIFEST}.") and stale.name.endswith(".tmp"):
                stale.unlink(missing_ok=True)
    finally:
        lock.release()
    model.manifest, model.path = manifest, str(target)
    return target


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of the bundle at ``path``, checked for format version."""
    folder = Path(path)
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        raise ModelError(f"{folder}: no model folder here (train one with `topics train`)")
    if manifest_path.is_symlink():
        raise ModelError(f"{manifest_path}: is a symlink; a model's files must be its own")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder}: not a model bundle (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{manifest_path}: unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise ModelError(f"{manifest_path}: manifest is not a JSON object")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(
            f"{folder}: model format version {version!r} is newer than this topics reads "
            f"({FORMAT_VERSION}); upgrade topics or retrain with `topics train --out {folder}`")
    if version < FORMAT_VERSION:
        raise ModelError(
            f"{folder}: model format version {version} is older than this topics reads "
            f"({FORMAT_VERSION}); retrain it with `topics train --out {folder}`")
    return manifest


def _artifact_path(folder: Path, name: str) -> Path:
    """The path of an artifact, refusing anything outside the folder or through a symlink."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ModelError(f"{folder}: manifest names a file outside the model folder: {name}")
    current = folder
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            raise ModelError(f"{folder}: {name} is a symlink; a model's files must be its own")
    return current


def check_bundle(path: str | os.PathLike, manifest: dict) -> None:
    """Verify every artifact's sha256 and the library versions the bundle was made with."""
    folder = Path(path)
    expected = manifest.get("artifacts")
    if not isinstance(expected, dict) or not expected:
        raise ModelError(f"{folder}: manifest lists no artifacts")
    for name, digest in expected.items():
        artifact = _artifact_path(folder, name)
        if not artifact.is_file():
            raise ModelError(f"{folder}: artifact {name} is missing")
        if file_sha256(artifact) != digest:
            raise ModelError(f"{folder}: artifact {name} does not match its sha256 (damaged or "
                             f"changed since training)")
    mismatches = version_mismatches(manifest.get("versions", {}))
    if mismatches:
        raise ModelError(
            f"{folder}: made with other library versions ({'; '.join(mismatches)}); "
            f"retrain it with `topics train --out {folder}`")


def load_model(path: str | os.PathLike) -> ThemeModel:
    """Load a bundle after checking it; only JSON and plain arrays are read."""
    from .classify.context import ContextModel
    from .classify.predictor import ThemePredictor
    from .text.segment import Segmenter
    from .topic.inference import TopicInference

    folder = Path(path)
    manifest = read_manifest(folder)
    check_bundle(folder, manifest)
    data = folder / manifest["data_dir"]

    def load_json(name: str):
        return json.loads((data / name).read_text(encoding="utf-8"))

    def load_arrays(prefix: str) -> dict[str, np.ndarray]:
        arrays = {}
        for name in manifest["artifacts"]:
            file = Path(name).name
            if file.startswith(prefix + ".") and file.endswith(".npy"):
                arrays[file[len(prefix) + 1:-4]] = np.load(data / file, allow_pickle=False)
        return arrays

    try:
        taxonomy = Taxonomy.from_dict(manifest["taxonomy"], f"{folder / MANIFEST}")
        lists = load_json("segmenter.json")
        segmenter = Segmenter.from_lists(lists["entries"], lists["stopwords"])
        classifier = ThemePredictor(load_json("classifier.json"), load_arrays("classifier"),
                                    taxonomy, segmenter)
        topic_model = TopicInference(load_json("topics.json"), load_arrays("topics"))
        context = ContextModel(load_json("context.json"), load_arrays("context"))
        if context.classes != [str(c) for c in classifier.classes_]:
            raise ModelError(f"{folder}: the second stage's classes differ from the classifier's")
    except ModelError:
        raise
    except Exception as exc:  # a damaged bundle can fail in many library-specific ways
        raise ModelError(f"{folder}: cannot load model: {type(exc).__name__}: {exc}") from None
    recorded = manifest.get("segmenter", {}).get("fingerprint")
    if recorded and recorded != segmenter.fingerprint():
        raise ModelError(f"{folder}: segmenter dictionaries differ from those it was trained with")
    return ThemeModel(taxonomy, classifier, topic_model, manifest, str(folder), context)
