"""Which model to use: one the user names, ``./models/default``, or the built-in default."""

from __future__ import annotations

import os
from collections.abc import Callable

from . import config
from .bundle import check_target, load_model, read_manifest, save_model
from .errors import ModelError
from .pipeline.model import ThemeModel


def build_default_model(progress: Callable[[str], None] = lambda _m: None,
                        evaluate: bool = True) -> ThemeModel:
    """Train the default model from the shipped taxonomy, labels and seed reports."""
    from .taxonomy import load_taxonomy
    from .train import collect_training_data, train_model

    taxonomy = load_taxonomy(config.taxonomy_path())
    data = collect_training_data(taxonomy, config.label_paths(), config.seed_paths(),
                                 document_sets=config.document_sets())
    model = train_model(taxonomy, data, evaluate=evaluate, progress=progress)
    model.manifest["data_fingerprint"] = config.data_fingerprint()
    model.manifest["name"] = "default"
    return model


def default_model(progress: Callable[[str], None] = lambda _m: None,
                  notice: Callable[[str], None] | None = None) -> ThemeModel:
    """The built-in default model, built into the user cache on first use.

    It is rebuilt when the shipped data changes or the installed library
    versions differ from those it was built with; it is never used stale.
    ``notice`` hears why a build starts (default: ``progress``).
    """
    notice = notice or progress
    folder = config.builtin_model_dir()
    try:
        # the cheap check first: a stale model is not loaded only to be thrown away
        if read_manifest(folder).get("data_fingerprint") == config.data_fingerprint():
            return load_model(folder)
        notice("the shipped training data changed: rebuilding the default model")
    except ModelError as exc:
        if (folder / "manifest.json").exists():
            notice(f"rebuilding the default model: {exc}")
        else:
            notice(f"building the default model in {folder} (first use, about two minutes)")
    check_target(folder)  # before minutes of work, not after
    model = build_default_model(progress)
    save_model(model, folder)
    return model


def resolve_model(path: str | os.PathLike | None,
                  progress: Callable[[str], None] = lambda _m: None,
                  notice: Callable[[str], None] | None = None) -> ThemeModel:
    """Load the model at ``path``; without one, ``./models/default`` or the built-in default."""
    if path:
        return load_model(path)
    if (config.LOCAL_MODEL_DIR / "manifest.json").exists():
        return load_model(config.LOCAL_MODEL_DIR)
    return default_model(progress, notice)
