"""Model bundles on disk: JSON and ``.npy`` arrays plus ``manifest.json``; no pickles.

A bundle folder holds ``manifest.json`` and one ``data-<hash>/`` folder of
artifacts. Saving writes a new data folder, then replaces the manifest with one
atomic rename, then removes the old data folder: a crash at any moment leaves
either the old bundle or the new one, whole. A lock file beside the folder keeps
two writers apart, and a journal inside it names what a writer makes, so that only
that (and the replaced data folder) is ever removed; a folder that holds something
else and no model is refused. Loading reads each file once (never through a symlink,
never more than a size limit), checks the manifest (format version, schema, its own
sha256, the artifact list) and every artifact's sha256, then parses JSON and plain
float arrays from the checked bytes (see ``bundle_schema``) and checks their shapes.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import platform
import re
import shutil
import stat
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .bundle_schema import (
    ARTIFACT_SCHEMAS,
    ARTIFACTS,
    MANIFEST_SCHEMA,
    MAX_ARTIFACT_BYTES,
    MAX_MANIFEST_BYTES,
    check_once,
    check_shapes,
    parse_npy,
    source_digest,
    validate,
)
from .errors import ModelError
from .fileio import atomic_write, file_sha256
from .pipeline.model import ThemeModel
from .taxonomy import Taxonomy

#: 3: the second stage (context.json, context.*.npy); 4: the manifest's own sha256;
#: 5: the word features' document counts (classifier.word_documents.npy); 6: the taxonomy's
#: hint words, and the classifier's hint columns when its ``hints`` parameter is on.
FORMAT_VERSION = 6
#: The oldest format this topics reads: a format-5 bundle is one of version 6 without hints.
OLDEST_FORMAT_VERSION = 5
MANIFEST = "manifest.json"
#: The manifest's field holding the sha256 of the rest of it.
MANIFEST_DIGEST = "manifest_sha256"
#: Seconds a writer waits for another writer of the same bundle.
LOCK_TIMEOUT = 600.0

#: Libraries whose version is recorded; the value is how many version parts must match.
LIBRARIES = {"scikit-learn": 2, "gensim": 2, "numpy": 1, "scipy": 1, "jieba": 3}


def library_versions() -> dict[str, str]:
    """Installed versions of Python and the libraries a bundle depends on.

    As ``importlib.metadata`` finds them, kept in the user cache
    (:func:`topics.config.installed_versions`): every model load checks them.
    """
    from .config import installed_versions

    versions = {"python": platform.python_version()}
    for name, version in installed_versions(tuple(LIBRARIES)).items():
        versions[name] = "missing" if version is None else version
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

    if lock_path(target).is_symlink():  # opening it would truncate what it points to
        raise ModelError(f"{target}: its lock file {lock_path(target)} is a symlink; remove it")
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


#: Inside a bundle folder, while a writer works: the names of the folders it makes (its
#: temporary folder and the new data folder) and of the data folder it replaces, so that
#: what a killed writer left behind is known to be ours and removed by the next one.
#: Nothing else of the folder is ever removed.
JOURNAL = ".topics-writing"
_DATA_DIR = re.compile(r"data-[0-9a-f]{16}")
_OURS = re.compile(r"\.tmp-[0-9a-f]{32}|data-[0-9a-f]{16}")
_OUR_TEMP_FILES = re.compile(rf"\.({re.escape(MANIFEST)}|{re.escape(JOURNAL)})\.[^/]+\.tmp")


def _old_data_dir(target: Path) -> str | None:
    """The data folder named by the model already at ``target``; ``None`` if there is none.

    Raises ``ModelError`` if ``target`` is not a folder, or is a non-empty folder that holds
    no model (nor what a killed writer of one left): a model is never written into someone
    else's folder.
    """
    if not target.exists() and not target.is_symlink():
        return None
    if not target.is_dir():
        kind = "a file" if target.exists() else "a broken symlink"
        raise ModelError(f"{target}: is {kind}, not a model folder; give --out a new folder "
                         f"or a model's")
    try:
        entries = [p.name for p in target.iterdir()]
    except OSError as exc:
        raise ModelError(f"{target}: cannot read the folder: {exc.strerror}") from None
    manifest = target / MANIFEST
    if manifest.is_file() and not manifest.is_symlink():
        try:
            with open(manifest, "rb") as handle:
                old = json.loads(handle.read(MAX_MANIFEST_BYTES))
        except (OSError, ValueError, RecursionError):
            old = None
        if (isinstance(old, dict) and isinstance(old.get("format_version"), int)
                and isinstance(old.get("artifacts"), dict)):
            data_dir = old.get("data_dir")
            return data_dir if isinstance(data_dir, str) and _DATA_DIR.fullmatch(data_dir) else None
    if not entries or JOURNAL in entries:
        return None
    if manifest.exists() and any(_DATA_DIR.fullmatch(e) for e in entries):
        return None  # a model whose manifest is damaged: replaced, its data left alone
    raise ModelError(f"{target}: folder is not empty and holds no model; topics writes a model "
                     f"only into a new or empty folder or over a model (choose another --out)")


def check_target(target: str | os.PathLike) -> None:
    """Raise ``ModelError`` unless a model can be saved at ``target`` (see :func:`save_model`).

    Called before training, so that a refusal does not come after minutes of work.
    """
    target = Path(target)
    _old_data_dir(target)
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ModelError(f"{target}: {parent} is not a folder")
    if not os.access(parent if not target.is_dir() else target, os.W_OK | os.X_OK):
        raise ModelError(f"{target}: no permission to write there")


def _journal(target: Path) -> list[str]:
    try:
        lines = (target / JOURNAL).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in lines if _OURS.fullmatch(line)]


def _remove(path: Path) -> None:
    """Remove a file, folder or symlink of ours (a symlink itself, never what it points to)."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _intact(folder: Path, hashes: dict[str, str]) -> bool:
    """Whether ``folder`` is a real folder holding exactly these files with these sha256."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        names = sorted(p.name for p in folder.iterdir())
        return names == sorted(hashes) and all(
            not (folder / n).is_symlink() and (folder / n).is_file()
            and file_sha256(folder / n) == digest for n, digest in hashes.items())
    except OSError:
        return False


def save_model(model: ThemeModel, target: str | os.PathLike, lock_timeout: float = LOCK_TIMEOUT,
               wait: Callable[[str], None] = lambda _m: None) -> Path:
    """Write ``model`` to the folder ``target`` so that a crash never leaves half a model.

    ``target`` must be missing, an empty folder, or a model folder (``ModelError``
    otherwise). Only what is ours is removed: the replaced model's data folder and what
    an earlier writer, killed, listed in the folder's journal.
    """
    target = Path(target)
    files = _artifacts(model)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    data_dir = _data_dir_name(hashes)
    manifest = dict(model.manifest)
    manifest.pop(MANIFEST_DIGEST, None)
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
    manifest[MANIFEST_DIGEST] = _manifest_digest(manifest)
    check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"{target}: cannot create its folder: {exc.strerror}") from None
    lock = _locked(target, lock_timeout, wait)
    tmp = None
    try:
        old_data_dir = _old_data_dir(target)
        target.mkdir(exist_ok=True)
        leftovers = _journal(target)
        tmp = target / f".tmp-{uuid.uuid4().hex}"
        # ours to remove once a manifest naming another data folder is in place: what a
        # killed writer left, our temporary and data folders, the data folder we replace
        ours = [*leftovers, tmp.name, data_dir, *([old_data_dir] if old_data_dir else [])]
        atomic_write(target / JOURNAL, "".join(f"{n}\n" for n in ours))
        tmp.mkdir()
        for name, data in files.items():
            with open(tmp / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        final = target / data_dir
        if data_dir != old_data_dir or not _intact(final, hashes):
            if final.exists() or final.is_symlink():  # a killed writer's, or damaged
                _remove(final)
            os.replace(tmp, final)
            tmp = None
        # else the same model again: the live data folder stays, our copy is removed below
        atomic_write(target / MANIFEST, _json_bytes(manifest))
        for name in leftovers + ([old_data_dir] if old_data_dir else []):
            if name != manifest["data_dir"]:
                _remove(target / name)
        for stale in target.iterdir():  # temporary files of a killed atomic write
            if _OUR_TEMP_FILES.fullmatch(stale.name):
                stale.unlink(missing_ok=True)
        (target / JOURNAL).unlink(missing_ok=True)
    except OSError as exc:
        raise ModelError(f"{target}: cannot write the model: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            _remove(tmp)
        lock.release()
    model.manifest, model.path = manifest, str(target)
    return target


def _manifest_digest(manifest: dict) -> str:
    """sha256 of a manifest without its own digest field (as :func:`_json_bytes` writes it)."""
    return hashlib.sha256(_json_bytes(
        {k: v for k, v in manifest.items() if k != MANIFEST_DIGEST})).hexdigest()


def _data_dir_name(hashes: dict[str, str]) -> str:
    """The data folder's name: a digest of its files' digests (so it names its content)."""
    return "data-" + hashlib.sha256(_json_bytes(hashes)).hexdigest()[:16]


_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _open_dir(folder: Path, path: Path, name: str) -> int:
    """A descriptor of the real folder ``path`` (never through a symlink)."""
    if path.is_symlink():
        raise ModelError(f"{folder}: {name} is a symlink; a model's files must be its own")
    try:
        return os.open(path, _FLAGS | getattr(os, "O_DIRECTORY", 0))
    except FileNotFoundError:
        raise ModelError(f"{folder}: {name} is missing") from None
    except OSError as exc:
        raise ModelError(f"{folder}: cannot open {name}: {exc.strerror}") from None


def _read(folder: Path, dir_fd: int, name: str, shown: str, limit: int) -> bytes:
    """The bytes of the regular file ``name`` in the folder ``dir_fd``, at most ``limit``.

    Never follows a symlink, never opens a FIFO or device for reading, never reads more
    than ``limit`` bytes: what is read is exactly what is then checked and used.
    """
    try:
        fd = os.open(name, _FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        raise ModelError(f"{folder}: {shown} is missing") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
            raise ModelError(f"{folder}: {shown} is a symlink; a model's files must be its "
                             f"own") from None
        raise ModelError(f"{folder}: cannot open {shown}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ModelError(f"{folder}: {shown} is not a regular file")
        if info.st_size > limit:
            raise ModelError(f"{folder}: {shown} is {info.st_size:,} bytes, over the limit of "
                             f"{limit:,} for a model file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ModelError(f"{folder}: cannot read {shown}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ModelError(f"{folder}: {shown} grew past the limit of {limit:,} bytes")
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_json(data: bytes, where: str, allow_nan: bool = True):
    try:
        text = data.decode("utf-8")
        if allow_nan:
            return json.loads(text)
        return json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(f"{where}: not valid JSON: {exc}") from None


#: The artifacts whose parsed form is kept with a model's tables (``classify.tables``).
_KEPT_DOCUMENTS = ("classifier.json",)


def _parsed_artifact(data: bytes, where: str, name: str, tables) -> dict:
    """:func:`_parse_json` of an artifact's verified bytes, or the same document kept.

    ``tables`` are the model's ``SavedTables``, named by its manifest (so by the sha256
    ``data`` was verified against): the form of the document kept there
    (``tables.document_arrays``) is turned back instead of parsing the bytes again.
    """
    from .classify.tables import document_arrays, document_of

    allow_nan = name == "topics.json"
    if name not in _KEPT_DOCUMENTS:
        return _parse_json(data, where, allow_nan)
    kind = name.replace(".", "-")
    kept = tables.load(kind)
    document = None if kept is None else document_of(kept)
    if document is None:
        document = _parse_json(data, where, allow_nan)
        arrays = document_arrays(document)
        if arrays is not None:
            tables.save(kind, arrays)
    return document


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of the bundle at ``path``, checked: format version, schema, its own sha256.

    Also checked: the artifacts it lists are exactly a bundle's files, in its data folder,
    whose name is the digest of their digests.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ModelError(f"{folder}: no model folder here (train one with `topics train`)")
    if not (folder / MANIFEST).exists() and not (folder / MANIFEST).is_symlink():
        raise ModelError(f"{folder}: not a model bundle (no {MANIFEST})")
    fd = _open_dir(folder, folder, "the model folder")
    try:
        data = _read(folder, fd, MANIFEST, MANIFEST, MAX_MANIFEST_BYTES)
    finally:
        os.close(fd)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(f"{manifest_path}: unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise ModelError(f"{manifest_path}: manifest is not a JSON object")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ModelError(f"{manifest_path}: field format_version must be an integer, not "
                         f"{str(version)[:40]!r}")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{folder}: model format version {version!r} is newer than this topics reads "
            f"({FORMAT_VERSION}); upgrade topics or retrain with `topics train --out {folder}`")
    if version < OLDEST_FORMAT_VERSION:
        raise ModelError(
            f"{folder}: model format version {version} is older than this topics reads "
            f"({OLDEST_FORMAT_VERSION}-{FORMAT_VERSION}); retrain it with "
            f"`topics train --out {folder}`")
    data_digest = hashlib.sha256(data).digest()  # of the bytes both kept checks are made on
    validate(manifest, MANIFEST_SCHEMA, str(manifest_path), data, data_digest)

    def check_digest() -> None:
        try:
            digest = _manifest_digest(manifest)
        except UnicodeEncodeError:  # a lone surrogate (\ud800) that JSON let through
            raise ModelError(f"{manifest_path}: holds text that is not valid Unicode "
                             f"(damaged or edited)") from None
        if manifest[MANIFEST_DIGEST] != digest:
            raise ModelError(f"{manifest_path}: does not match its sha256 (damaged or edited "
                             f"since training); retrain with `topics train --out {folder}`")

    # the manifest written out again to hash it: kept once these very bytes (and this code) pass
    code = source_digest(__file__)
    if code is None:
        check_digest()
    else:
        check_once(data, {"check": MANIFEST_DIGEST, "code": code}, check_digest, data_digest)
    data_dir, artifacts = manifest["data_dir"], manifest["artifacts"]
    expected = {f"{data_dir}/{name}" for name in ARTIFACTS}
    if set(artifacts) != expected:
        odd = sorted(set(artifacts) ^ expected)
        raise ModelError(f"{folder}: manifest's artifacts are not a model's files in its data "
                         f"folder {data_dir} (outside the model folder, missing or unknown: "
                         f"{', '.join(odd[:3])})")
    hashes = {name.split("/", 1)[1]: digest for name, digest in artifacts.items()}
    if _data_dir_name(dict(sorted(hashes.items()))) != data_dir:
        raise ModelError(f"{folder}: data folder {data_dir} is not named after its files' "
                         f"sha256 (manifest edited)")
    return manifest


def check_bundle(path: str | os.PathLike, manifest: dict) -> dict[str, bytes]:
    """Verify every artifact's sha256 and the library versions; the verified bytes by name.

    Each file is read once: the bytes that were hashed are the bytes that are used.
    """
    folder = Path(path)
    data_dir = manifest["data_dir"]
    fd = _open_dir(folder, folder / data_dir, data_dir)
    blobs = {}
    try:
        for name in ARTIFACTS:
            shown = f"{data_dir}/{name}"
            data = _read(folder, fd, name, f"artifact {shown}", MAX_ARTIFACT_BYTES)
            if hashlib.sha256(data).hexdigest() != manifest["artifacts"][shown]:
                raise ModelError(f"{folder}: artifact {shown} does not match its sha256 "
                                 f"(damaged or changed since training)")
            blobs[name] = data
    finally:
        os.close(fd)
    mismatches = version_mismatches(manifest["versions"])
    if mismatches:
        raise ModelError(
            f"{folder}: made with other library versions ({'; '.join(mismatches)}); "
            f"retrain it with `topics train --out {folder}`")
    return blobs


def load_model(path: str | os.PathLike, manifest: dict | None = None) -> ThemeModel:
    """Load a bundle after checking it; only JSON and plain float arrays are read.

    Every file is read once, checked against its sha256, then parsed from those same
    bytes; JSON against its schema, arrays for dtype, size and shape against each other.
    ``manifest`` may pass what :func:`read_manifest` has just given for ``path``.
    """
    from .classify.context import ContextModel
    from .classify.predictor import ThemePredictor
    from .classify.tables import SavedTables
    from .errors import TaxonomyError
    from .text.segment import Segmenter
    from .topic.inference import TopicInference

    folder = Path(path)
    manifest = read_manifest(folder) if manifest is None else manifest
    blobs = check_bundle(folder, manifest)
    try:
        taxonomy = Taxonomy.from_dict(manifest["taxonomy"], f"{folder / MANIFEST}")
    except TaxonomyError as exc:
        raise ModelError(f"{folder}: the manifest's taxonomy is broken: {exc}") from None
    # check_bundle has just verified each blob against these: they are its sha256
    digests = {name: bytes.fromhex(manifest["artifacts"][f"{manifest['data_dir']}/{name}"])
               for name in ARTIFACTS}
    tables = SavedTables(manifest)  # what loading and labelling build, kept for the next process
    documents, arrays = {}, {}
    for name in ARTIFACTS:
        where = f"{folder}: {name}"
        if name.endswith(".json"):
            documents[name] = _parsed_artifact(blobs[name], where, name, tables)
            validate(documents[name], ARTIFACT_SCHEMAS[name], where, blobs[name], digests[name])
        else:
            prefix, key, _npy = name.split(".")
            arrays.setdefault(prefix, {})[key] = parse_npy(blobs[name], where)
    check_shapes(taxonomy.ids, documents, arrays, str(folder), blobs, digests)
    lists = documents["segmenter.json"]
    segmenter = Segmenter.from_lists(lists["entries"], lists["stopwords"])
    if manifest["segmenter"]["fingerprint"] != segmenter.fingerprint():
        raise ModelError(f"{folder}: segmenter dictionaries differ from those it was trained with")
    try:
        classifier = ThemePredictor(documents["classifier.json"], arrays["classifier"],
                                    taxonomy, segmenter)
        classifier.tables = tables
        topic_model = TopicInference(documents["topics.json"], arrays["topics"])
        context = ContextModel(documents["context.json"], arrays["context"])
    except Exception as exc:  # checked above; a bug if it happens, said as a model error
        raise ModelError(f"{folder}: cannot load model: {type(exc).__name__}: {exc}") from None
    return ThemeModel(taxonomy, classifier, topic_model, manifest, str(folder), context)
