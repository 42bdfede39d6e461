"""Which model to use: one the user names, ``./models/default``, or the built-in default.

The built-in default is trained on first use from the shipped data. Cross-validation, most
of the work, is not repeated there: its result (the second stage's fitted parameters and the
cross-validated scores) is shipped in ``resources/default_model_cv.json``, recorded at release
time by ``python scripts/record_default_model.py`` (:func:`record_default_fit`). The record
names the data and the training code it was made from; a stale record is not used (the
build then cross-validates, as ``topics train`` does).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import config
from .errors import ModelError

if TYPE_CHECKING:  # the model code (numpy, scipy) is imported where a model is loaded or
    from .pipeline.model import ThemeModel  # built: model_folder alone is cheap to import


def recorded_fit(path: str | os.PathLike | None = None) -> dict | None:
    """The shipped record of the default model's cross-validation; None if stale or missing."""
    path = Path(path) if path else config.recorded_fit_path()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(record, dict)
            or record.get("data_fingerprint") != config.data_fingerprint()
            or record.get("code_fingerprint") != config.training_code_fingerprint()):
        return None
    return record


def build_default_model(progress: Callable[[str], None] = lambda _m: None,
                        evaluate: bool = True, cross_validate: bool = False) -> ThemeModel:
    """Train the default model from the shipped taxonomy, labels and seed reports.

    Without ``cross_validate``, the shipped :func:`recorded_fit` stands for the
    cross-validation when it is up to date (the same model, in a fraction of the time).
    """
    from .taxonomy import load_taxonomy
    from .train import collect_training_data, train_model

    record = None if cross_validate else recorded_fit()
    if record is None and not cross_validate:
        progress("the recorded cross-validation is missing or stale: cross-validating "
                 "(a minute or two; `python scripts/record_default_model.py` records it)")
    progress("reading the shipped training data")
    taxonomy = load_taxonomy(config.taxonomy_path())
    data = collect_training_data(taxonomy, config.label_paths(), config.seed_paths(),
                                 document_sets=config.document_sets())
    model = train_model(taxonomy, data, evaluate=evaluate, progress=progress, recorded=record)
    model.manifest["data_fingerprint"] = config.data_fingerprint()
    model.manifest["code_fingerprint"] = config.package_code_fingerprint()
    model.manifest["name"] = "default"
    return model


def record_default_fit(path: str | os.PathLike | None = None,
                       progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Cross-validate the default model and write the record :func:`recorded_fit` reads."""
    from .fileio import atomic_write
    from .taxonomy import load_taxonomy
    from .text.segment import Segmenter
    from .train import collect_training_data, cross_validated_record, fit_cross_validated

    progress("reading the shipped training data")
    taxonomy = load_taxonomy(config.taxonomy_path())
    data = collect_training_data(taxonomy, config.label_paths(), config.seed_paths(),
                                 document_sets=config.document_sets())
    context, metrics = fit_cross_validated(data, taxonomy, {"random_state": 0}, Segmenter(),
                                           progress=progress)
    record = {"made": datetime.now(UTC).isoformat(timespec="seconds"),
              "made_by": "python scripts/record_default_model.py",
              "data_fingerprint": config.data_fingerprint(),
              "code_fingerprint": config.training_code_fingerprint(),
              **cross_validated_record(context, metrics)}
    atomic_write(path or config.recorded_fit_path(),
                 json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return record


def check_writable(folder: Path) -> None:
    """Raise ``ModelError`` unless a model can be written into ``folder`` (made if missing)."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder.parent):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ModelError(f"{folder}: cannot write the default model there ({reason}): set "
                         f"TOPICS_HOME to a writable folder, or give --model") from None


def default_model(progress: Callable[[str], None] = lambda _m: None,
                  notice: Callable[[str], None] | None = None) -> ThemeModel:
    """The built-in default model, built into the user cache on first use.

    It is rebuilt when the shipped data or the package's code changes, or the installed
    library versions differ from those it was built with; it is never used stale.
    ``notice`` hears why a build starts (default: ``progress``).
    """
    from .bundle import check_target, load_model, read_manifest, save_model

    notice = notice or progress
    folder = config.builtin_model_dir()
    try:
        # the cheap check first: a stale model is not loaded only to be thrown away
        manifest = read_manifest(folder)
        data = manifest.get("data_fingerprint") == config.data_fingerprint()
        if data and manifest.get("code_fingerprint") == config.package_code_fingerprint():
            return load_model(folder, manifest)
        reason = (f"the shipped training {'code' if data else 'data'} changed: rebuilding the "
                  "default model")
    except ModelError as exc:
        if (folder / "manifest.json").exists():
            reason = f"rebuilding the default model: {exc}"
        else:
            reason = f"building the default model in {folder} (first use, about 20 s on 2 cores)"
    check_writable(folder)  # before the work, not after it
    check_target(folder)
    notice(reason)
    model = build_default_model(progress)
    save_model(model, folder)
    return model


def resolve_model(path: str | os.PathLike | None,
                  progress: Callable[[str], None] = lambda _m: None,
                  notice: Callable[[str], None] | None = None) -> ThemeModel:
    """Load the model at ``path``; without one, ``./models/default`` or the built-in default."""
    from .bundle import load_model

    folder = _given_or_local(path)
    return load_model(folder) if folder is not None else default_model(progress, notice)


def _given_or_local(path: str | os.PathLike | None) -> Path | None:
    """``path``; without one, ``./models/default`` if it holds a model; else None (the default)."""
    if path:
        return Path(path)
    if (config.LOCAL_MODEL_DIR / "manifest.json").exists():
        return config.LOCAL_MODEL_DIR
    return None


def model_folder(path: str | os.PathLike | None) -> Path | None:
    """The folder :func:`resolve_model` loads for ``path``, when it need not build one.

    ``path`` itself; without one, ``./models/default`` or the built-in default model's
    folder when it holds a model (which may still turn out stale and be rebuilt), else None.
    """
    folder = _given_or_local(path)
    if folder is None and (config.builtin_model_dir() / "manifest.json").exists():
        folder = config.builtin_model_dir()
    return folder


def describe_model(model: ThemeModel) -> str:
    """Which model this is, for a summary line: where, when and from what it was trained."""
    manifest = model.manifest
    path = Path(model.path).resolve() if model.path else None
    if path is not None and path == config.builtin_model_dir().resolve():
        where = f"built-in default ({path})"
    elif path is not None and path == config.LOCAL_MODEL_DIR.resolve():
        where = f"{config.LOCAL_MODEL_DIR} (trained here; it replaces the built-in default " \
                f"in this folder)"
    else:
        where = str(path) if path else "in memory"
    created = str(manifest.get("created", "?")).replace("T", " ")[:16]
    return f"model {where}, made {created} UTC from {training_summary(manifest)}"


def training_summary(manifest: dict) -> str:
    """What a model was trained on, in a few words, from its manifest."""
    training = manifest.get("training", {})
    if manifest.get("name") == "default":
        what = "the shipped data"
    else:
        inputs = training.get("inputs", {})
        labels = sum(1 for p in inputs if p.endswith(".jsonl"))
        what = f"{len(inputs) - labels} reports, {labels} label files"
    sources = training.get("by_source", {})
    hand = sum(n for s, n in sources.items() if not s.startswith("weak"))
    weak = sum(n for s, n in sources.items() if s.startswith("weak"))
    return f"{what} ({hand} hand-labelled, {weak} weak-labelled units)"
