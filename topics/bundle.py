"""Model bundles on disk: a folder of artifacts plus ``manifest.json``, written atomically."""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from .errors import ModelError
from .model import ThemeModel
from .taxonomy import Taxonomy, file_sha256

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CLASSIFIER = "classifier.joblib"
LDA_DIR = "lda"
LDA_FILE = "lda/model"
DICTIONARY = "dictionary.gensim"

#: Libraries whose version is recorded; the value is how many version parts must match.
LIBRARIES = {"scikit-learn": 2, "gensim": 2, "numpy": 1, "scipy": 1, "jieba": 3, "joblib": 1}


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


def _artifact_hashes(folder: Path) -> dict[str, str]:
    hashes = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            hashes[path.relative_to(folder).as_posix()] = file_sha256(path)
    return hashes


def save_model(model: ThemeModel, target: str | os.PathLike) -> Path:
    """Write ``model`` to the folder ``target``, replacing it only once complete.

    Artifacts go to a temporary folder beside ``target``, which is renamed into
    place; an earlier bundle at ``target`` stays intact until that moment.
    """
    import joblib

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        joblib.dump(model.classifier, tmp / CLASSIFIER)
        (tmp / LDA_DIR).mkdir()
        topic_model = model.topic_model
        topic_model.lda_.save(str(tmp / LDA_FILE))
        topic_model.dictionary_.save(str(tmp / DICTIONARY))
        manifest = dict(model.manifest)
        manifest.update({
            "format_version": FORMAT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "platform": f"{platform.system()} {platform.machine()}",
            "taxonomy": model.taxonomy.to_dict(),
            "topics": {
                "params": {k: v for k, v in topic_model.get_params().items() if k != "taxonomy"},
                "topic_themes": topic_model.topic_themes_,
                "coherence": topic_model.coherence_,
            },
            "artifacts": _artifact_hashes(tmp),
        })
        with open(tmp / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
            handle.write("\n")
        _replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    model.manifest, model.path = manifest, str(target)
    return target


def _replace_dir(new: Path, target: Path) -> None:
    """Move the finished folder ``new`` to ``target``, keeping the old one until then."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of the bundle at ``path``, checked for format version."""
    folder = Path(path)
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        raise ModelError(f"{folder}: no model folder here (train one with `topics train`)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder}: not a model bundle (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{manifest_path}: unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise ModelError(f"{manifest_path}: manifest is not a JSON object")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{folder}: model format version {version!r}, this topics reads version "
            f"{FORMAT_VERSION}; retrain it with `topics train --out {folder}`")
    return manifest


def check_bundle(path: str | os.PathLike, manifest: dict) -> None:
    """Verify every artifact's sha256 and the library versions the bundle was made with."""
    folder = Path(path)
    expected = manifest.get("artifacts")
    if not isinstance(expected, dict) or not expected:
        raise ModelError(f"{folder}: manifest lists no artifacts")
    for name, digest in expected.items():
        artifact = (folder / name).resolve()
        if folder.resolve() not in artifact.parents:
            raise ModelError(f"{folder}: manifest names a file outside the model folder: {name}")
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
    """Load a bundle after checking its format version, checksums and library versions."""
    import joblib
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    from .lda import ThemeTopicModel

    folder = Path(path)
    manifest = read_manifest(folder)
    check_bundle(folder, manifest)
    try:
        taxonomy = Taxonomy.from_dict(manifest["taxonomy"], f"{folder / MANIFEST}")
        classifier = joblib.load(folder / CLASSIFIER)
        topics = manifest["topics"]
        topic_model = ThemeTopicModel(taxonomy=taxonomy, **topics["params"])
        topic_model.lda_ = LdaModel.load(str(folder / LDA_FILE))
        topic_model.dictionary_ = Dictionary.load(str(folder / DICTIONARY))
        topic_model.topic_themes_ = topics["topic_themes"]
        topic_model.coherence_ = topics["coherence"]
    except ModelError:
        raise
    except Exception as exc:  # a damaged bundle can fail in many library-specific ways
        raise ModelError(f"{folder}: cannot load model: {type(exc).__name__}: {exc}") from None
    if list(classifier.taxonomy.ids) != taxonomy.ids:
        raise ModelError(f"{folder}: classifier themes differ from the manifest's taxonomy")
    return ThemeModel(taxonomy, classifier, topic_model, manifest, str(folder))

