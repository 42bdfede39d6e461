"""What a model bundle may hold: JSON schemas of its files and checks of its arrays.

A bundle is data from outside (copied, downloaded, edited): everything in it is checked
before any of it is used, so that a damaged or tampered bundle is refused with one line
naming the model folder, the file and the problem, never a library's error later.

- The JSON files (the manifest, ``classifier.json``, ``topics.json``, ``context.json``,
  ``segmenter.json``) are validated against the schemas below (jsonschema, Draft 2020-12):
  the type of every field the loader reads.
- ``.npy`` files are parsed here, not by ``np.load``: only little- or big-endian float64
  arrays of at most two dimensions whose declared size is exactly the bytes that follow
  the header (no object dtype, no pickle, no huge allocation from a forged header), and
  no NaN or infinity.
- :func:`check_shapes` ties the arrays to each other and to the JSON: coefficients to
  the vocabularies, classes and taxonomy; topic arrays to the dictionary and topic list;
  second-stage arrays to the classes.
"""

from __future__ import annotations

import functools
import io
import math

import numpy as np

from .errors import ModelError
from .taxonomy import MAX_WEIGHT

#: The files of a bundle's data folder: the loader reads these and nothing else.
ARTIFACTS = (
    "classifier.json", "classifier.word_idf.npy", "classifier.char_idf.npy",
    "classifier.coef.npy", "classifier.intercept.npy", "classifier.word_documents.npy",
    "topics.json", "topics.alpha.npy", "topics.eta.npy", "topics.sstats.npy",
    "context.json", "context.weights.npy", "context.bias.npy", "context.alone_weights.npy",
    "context.alone_bias.npy",
    "segmenter.json",
)
#: Largest artifact read (bytes); the default model's largest is under 2 MB.
MAX_ARTIFACT_BYTES = 512 << 20
#: Largest manifest read (bytes).
MAX_MANIFEST_BYTES = 64 << 20

#: Arrays of strings; checked by the ``itemType`` keyword below, as fast as a loop can (the
#: default model's vocabularies hold 200,000 strings, which ``items`` takes seconds over).
_STRINGS = {"type": "array", "itemType": "string"}
_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_NGRAMS = {"type": "array", "prefixItems": [{"type": "integer", "minimum": 1, "maximum": 10}] * 2,
           "minItems": 2, "maxItems": 2}

_WEIGHTED_WORDS = {"type": "object",
                   "additionalProperties": {"type": "number", "exclusiveMinimum": 0,
                                            "maximum": MAX_WEIGHT}}

MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["format_version", "created", "versions", "platform", "taxonomy", "topics",
                 "data_dir", "artifacts", "manifest_sha256", "classifier", "segmenter", "seed",
                 "training", "metrics"],
    "properties": {
        "format_version": {"type": "integer"},
        "created": {"type": "string"},
        "versions": {"type": "object", "additionalProperties": {"type": "string"}},
        "platform": {"type": "string"},
        "taxonomy": {
            "type": "object",
            "required": ["fallback", "themes"],
            "properties": {
                "fallback": {"type": "string"},
                "rules": _STRINGS,
                "themes": {"type": "array", "minItems": 2, "items": {
                    "type": "object",
                    "required": ["id", "cues"],
                    "properties": {
                        "id": {"type": "string"},
                        "name_zh": {"type": "string"},
                        "name_en": {"type": "string"},
                        "description": {"type": "string"},
                        "cues": _WEIGHTED_WORDS,
                        "hints": _WEIGHTED_WORDS,
                    }}},
            }},
        "topics": {"type": "object", "properties": {
            "topic_themes": {"type": "array", "items": {"type": ["string", "null"]}},
            "coherence": {"type": "array", "items": {"type": "object"}}}},
        "data_dir": {"type": "string", "pattern": "^data-[0-9a-f]{16}$"},
        "artifacts": {"type": "object", "additionalProperties": _HEX64},
        "manifest_sha256": _HEX64,
        "classifier": {"type": "object"},
        "segmenter": {"type": "object", "required": ["fingerprint"],
                      "properties": {"fingerprint": _HEX64}},
        "seed": {"type": "integer"},
        "training": {"type": "object"},
        "metrics": {"type": "object"},
        "data_fingerprint": {"type": "string"},
        "code_fingerprint": {"type": "string"},
        "name": {"type": "string"},
    },
}

#: Schemas of the JSON artifacts, by file name.
ARTIFACT_SCHEMAS = {
    "classifier.json": {
        "type": "object",
        "required": ["params", "classes", "word_vocabulary", "char_vocabulary"],
        "properties": {
            "params": {"type": "object",
                       "required": ["word_ngrams", "char_ngrams", "word_weight", "char_weight",
                                    "cue_weight", "threshold"],
                       "properties": {
                           "word_ngrams": _NGRAMS, "char_ngrams": _NGRAMS,
                           "word_weight": {"type": "number"},
                           "char_weight": {"type": "number"},
                           "cue_weight": {"type": "number"},
                           "hints": {"type": "boolean"},
                           "threshold": {"type": "number", "minimum": 0, "maximum": 1}}},
            "classes": {**_STRINGS, "minItems": 2},
            "word_vocabulary": _STRINGS,
            "char_vocabulary": _STRINGS,
        }},
    "topics.json": {
        "type": "object",
        "required": ["params", "topic_themes", "coherence", "dictionary"],
        "properties": {
            "params": {"type": "object", "required": ["iterations"],
                       "properties": {"iterations": {"type": "integer", "minimum": 1,
                                                     "maximum": 100_000}}},
            "topic_themes": {"type": "array", "minItems": 1,
                             "items": {"type": ["string", "null"]}},
            "coherence": {"type": "array", "items": {"type": "object"}},
            "dictionary": {"type": "object", "required": ["tokens"],
                           "properties": {"tokens": {**_STRINGS, "minItems": 1},
                                          "dfs": {"type": "array", "itemType": "integer"}}},
            # the topic model's own vocabulary (absent from models made before it had one)
            "stopwords": _STRINGS,
            "phrases": {"type": "array", "items": {**_STRINGS, "minItems": 2, "maxItems": 2}},
        }},
    "context.json": {
        "type": "object",
        "required": ["classes", "threshold"],
        "properties": {"classes": _STRINGS,
                       "threshold": {"type": "number", "minimum": 0, "maximum": 1},
                       "fitted": {"type": "boolean"}}},
    "segmenter.json": {
        "type": "object",
        "required": ["entries", "stopwords"],
        "properties": {"entries": _STRINGS, "stopwords": _STRINGS}},
}


def _where(error) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "the top level"


def _short(error) -> str:
    """A validation error in a few words, without the (possibly huge) offending value."""
    kind, expected = error.validator, error.validator_value
    if kind == "itemType":
        return f"must be {expected}"
    if kind == "type":
        return f"must be {' or '.join(expected) if isinstance(expected, list) else expected}"
    if kind == "required":
        return error.message.split(" is a required")[0] + " is missing"
    if kind in ("minimum", "maximum", "exclusiveMinimum"):
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than"}
        return f"must be {word[kind]} {expected}"
    if kind in ("minItems", "maxItems"):
        return f"must have {'at least' if kind == 'minItems' else 'at most'} {expected} items"
    if kind == "pattern":
        return f"does not match {expected}"
    message = error.message
    return message if len(message) <= 120 else message[:117] + "..."


_ITEM_TYPES = {"string": str, "integer": int}


def _item_type(validator, expected, instance, _schema):
    """The ``itemType`` keyword: every item of an array is of one JSON type (bool no integer)."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "array"):
        return
    kind = _ITEM_TYPES[expected]
    if set(map(type, instance)) <= {kind}:  # JSON gives exactly str and int (bool is not)
        return
    for index, item in enumerate(instance):
        if type(item) is not kind:
            yield ValidationError(f"must be {expected}", validator="itemType",
                                  validator_value=expected, path=[index])
            return


@functools.cache
def _validator_class():
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, {"itemType": _item_type})


def validate(data, schema: dict, where: str, raw: bytes | None = None,
             raw_digest: bytes | None = None) -> None:
    """Raise ``ModelError("WHERE: FIELD: PROBLEM")`` unless ``data`` fits ``schema``.

    With ``raw``, the bytes ``data`` was parsed from, a document that passed this very
    check before is not checked again: the sha256 of its bytes, the schema and this
    module's code is kept in the user cache (``validated.json``) when it passes. Loading
    a model already checked once then does not import jsonschema (0.1-0.2 s a process).
    ``raw_digest`` may pass ``hashlib.sha256(raw).digest()`` when the caller has it (see
    :func:`check_once`).
    """
    def run() -> None:
        from jsonschema.exceptions import best_match

        error = best_match(_validator_class()(schema).iter_errors(data))
        if error is not None:
            raise ModelError(f"{where}: field {_where(error)} {_short(error)}")

    if raw is None:
        run()
    else:
        check_once(raw, schema, run, raw_digest)


def check_once(raw: bytes, check: dict, run, raw_digest: bytes | None = None) -> None:
    """``run()``, which raises unless the document of the bytes ``raw`` passes ``check``.

    Kept as :func:`validate` keeps its validations: once ``run`` has passed on these very
    bytes, for the same ``check`` (a description of it that changes whenever its outcome
    could, e.g. with the digest of the code that runs it) and this module's code, it is not
    run again. Bytes changed in any way are checked again.

    ``raw_digest``, when given, must be ``hashlib.sha256(raw).digest()`` (e.g. the digest
    ``raw`` was just verified against): the key is then made without hashing ``raw`` again,
    and is the same key.
    """
    key = _validation_key(raw, check, raw_digest)
    if key in _kept_validations():
        return
    run()
    _keep_validation(key)


#: Validations kept in the user cache, the latest last (see :func:`validate`).
KEPT_VALIDATIONS = 256


def _validation_key(raw: bytes, schema: dict, raw_digest: bytes | None = None) -> str:
    import hashlib
    import json

    digest = hashlib.sha256(_code_digest().encode())
    digest.update(json.dumps(schema, sort_keys=True).encode() + b"\0")
    digest.update(hashlib.sha256(raw).digest() if raw_digest is None else raw_digest)
    return digest.hexdigest()


@functools.cache
def source_digest(path: str) -> str | None:
    """sha256 of a module's source file (what kept checks depend on); None: unreadable."""
    import hashlib
    from pathlib import Path

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _code_digest() -> str:
    """sha256 of this module's source: checking code changed, nothing kept is trusted."""
    return source_digest(__file__) or "unknown"


def _validations_path():
    from .config import cache_dir

    return cache_dir() / "validated.json"


@functools.cache
def _kept_validations() -> list[str]:
    """The keys of the validations passed before (read once a process; none if unreadable)."""
    import json

    from .fileio import read_regular

    try:
        kept = json.loads(read_regular(_validations_path()) or b"[]")
    except (OSError, ValueError):
        return []
    return [k for k in kept if isinstance(k, str)] if isinstance(kept, list) else []


def _keep_validation(key: str) -> None:
    """Add ``key`` to the kept validations (the cache is only an aid: errors are ignored)."""
    import json

    from .fileio import replace_file

    kept = _kept_validations()
    kept.append(key)
    del kept[:-KEPT_VALIDATIONS]
    try:
        path = _validations_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, json.dumps(kept).encode())
    except OSError:
        pass


def parse_npy(data: bytes, where: str) -> np.ndarray:
    """The float64 array in ``data`` (an ``.npy`` file's bytes), refused unless plain and finite.

    The header is read with numpy's own parser; the array is made from the bytes that
    follow only when they are exactly as many as the header declares.
    """
    from numpy.lib import format as npy

    buffer = io.BytesIO(data)
    try:
        major, _minor = npy.read_magic(buffer)
        read_header = npy.read_array_header_1_0 if major == 1 else npy.read_array_header_2_0
        shape, fortran_order, dtype = read_header(buffer)
    except (ValueError, TypeError, SyntaxError, EOFError) as exc:
        raise ModelError(f"{where}: not a readable .npy array ({exc})") from None
    if dtype.hasobject or dtype.kind != "f" or dtype.itemsize != 8 or dtype.fields:
        raise ModelError(f"{where}: arrays must hold float64 numbers, not {dtype}")
    if len(shape) > 2 or any(not isinstance(n, int) or n < 0 for n in shape):
        raise ModelError(f"{where}: unexpected array shape {shape}")
    count = math.prod(shape)
    if count * 8 != len(data) - buffer.tell():
        raise ModelError(f"{where}: the header declares shape {shape} ({count * 8:,} bytes) "
                         f"but {len(data) - buffer.tell():,} bytes follow it")
    array = np.frombuffer(data, dtype=dtype, count=count, offset=buffer.tell())
    array = np.array(array.reshape(shape, order="F" if fortran_order else "C"),
                     dtype=np.float64)
    if not np.isfinite(array).all():
        raise ModelError(f"{where}: holds NaN or infinite values")
    return array


def _unique(values: list, what: str, where: str) -> None:
    if len(set(values)) != len(values):
        raise ModelError(f"{where}: {what} holds duplicates")


def _unique_kept(raw: bytes | None, lists: list[tuple[list, str]], where: str,
                 raw_digest: bytes | None = None) -> None:
    """:func:`_unique` of each ``(values, what)``, kept with ``raw`` (see :func:`check_once`).

    ``raw`` are the bytes the lists were parsed from: once these very bytes passed, they are
    not checked again (a vocabulary of 200,000 words takes 10-30 ms). ``raw_digest`` as
    :func:`check_once` takes it.
    """
    def check() -> None:
        for values, what in lists:
            _unique(values, what, where)

    if raw is None:
        check()
    else:
        check_once(raw, {"check": "unique", "what": [what for _, what in lists]}, check,
                   raw_digest)


def _shape(array: np.ndarray, expected: tuple, name: str, meaning: str, where: str) -> None:
    if array.shape != expected:
        raise ModelError(f"{where}: {name} has shape {array.shape}, expected {expected} "
                         f"({meaning})")


def check_shapes(taxonomy_ids: list[str], json_files: dict, arrays: dict[str, dict],
                 where: str, raw: dict[str, bytes] | None = None,
                 raw_digests: dict[str, bytes] | None = None) -> None:
    """Check that the arrays fit each other, the JSON artifacts and the taxonomy.

    ``json_files`` maps artifact names (``classifier.json``, ...) to their parsed content;
    ``arrays`` maps a prefix (``classifier``, ``topics``, ``context``) to its arrays by name.
    ``raw``, the bytes the JSON files were parsed from, keeps the checks of their lists
    for no duplicates (see :func:`_unique_kept`); ``raw_digests``, the sha256 of those bytes
    by name when the caller has them (see :func:`check_once`).
    """
    raw, digests = raw or {}, raw_digests or {}
    clf_raw, topics_raw = raw.get("classifier.json"), raw.get("topics.json")
    ids = set(taxonomy_ids)
    clf = json_files["classifier.json"]
    for name in ("word_ngrams", "char_ngrams"):
        low, high = clf["params"][name]
        if low > high:
            raise ModelError(f"{where}: classifier.json's {name} [{low}, {high}] is not a range")
    for line in json_files["segmenter.json"]["entries"]:
        parts = line.split()  # as the segmenter reads it: word [frequency] [tag]
        if not parts or (len(parts) > 1 and parts[1].isdigit()
                         and not (parts[1].isascii() and len(parts[1]) <= 9)):
            raise ModelError(f"{where}: segmenter.json has a dictionary line that is not "
                             f"'word [frequency] [tag]': {line[:40]!r}")
    classes, words, chars = clf["classes"], clf["word_vocabulary"], clf["char_vocabulary"]
    _unique_kept(clf_raw, [(classes, "classifier.json's classes"),
                           (words, "classifier.json's word_vocabulary"),
                           (chars, "classifier.json's char_vocabulary")], where,
                 digests.get("classifier.json"))
    strangers = [c for c in classes if c not in ids]
    if strangers:
        raise ModelError(f"{where}: the classifier's classes {strangers} are not themes of the "
                         f"manifest's taxonomy ({', '.join(taxonomy_ids)})")
    a = arrays["classifier"]
    kinds = 2 if clf["params"].get("hints") else 1  # cue columns (and hint columns)
    n_cues = len(taxonomy_ids) * kinds
    n_features = len(words) + len(chars) + n_cues
    _shape(a["word_idf"], (len(words),), "classifier.word_idf.npy", "one per word", where)
    _shape(a["char_idf"], (len(chars),), "classifier.char_idf.npy", "one per character n-gram",
           where)
    _shape(a["coef"], (len(classes), n_features), "classifier.coef.npy",
           f"{len(classes)} classes x {len(words)} words + {len(chars)} character n-grams + "
           f"{len(taxonomy_ids)} themes x {kinds} ({'cues, hints' if kinds == 2 else 'cues'})",
           where)
    _shape(a["intercept"], (len(classes),), "classifier.intercept.npy", "one per class", where)
    _shape(a["word_documents"], (len(words),), "classifier.word_documents.npy", "one per word",
           where)
    if (a["word_documents"] < 0).any() or (a["word_documents"] % 1).any():
        raise ModelError(f"{where}: classifier.word_documents.npy must hold whole document "
                         f"counts (non-negative)")

    topics = json_files["topics.json"]
    themes, tokens = topics["topic_themes"], topics["dictionary"]["tokens"]
    _unique_kept(topics_raw, [(tokens, "topics.json's dictionary")], where,
                 digests.get("topics.json"))
    strangers = [t for t in themes if t is not None and t not in ids]
    if strangers:
        raise ModelError(f"{where}: topics.json ties topics to {strangers}, not themes of the "
                         f"manifest's taxonomy")
    k, v = len(themes), len(tokens)
    t = arrays["topics"]
    _shape(t["alpha"], (k,), "topics.alpha.npy", "one per topic", where)
    _shape(t["eta"], (k, v), "topics.eta.npy", f"{k} topics x {v} words", where)
    _shape(t["sstats"], (k, v), "topics.sstats.npy", f"{k} topics x {v} words", where)
    for name, values in (("coherence", topics["coherence"]),
                         ("dictionary.dfs", topics["dictionary"].get("dfs", [0] * v))):
        if len(values) != len(themes if name == "coherence" else tokens):
            raise ModelError(f"{where}: topics.json's {name} has {len(values)} entries, "
                             f"expected {len(themes if name == 'coherence' else tokens)}")
    if (t["alpha"] <= 0).any() or (t["eta"] <= 0).any() or (t["sstats"] < 0).any():
        raise ModelError(f"{where}: topic arrays must be positive (alpha, eta) and "
                         f"non-negative (sstats)")

    context = json_files["context.json"]
    if context["classes"] != classes:
        raise ModelError(f"{where}: the second stage's classes differ from the classifier's")
    from .classify.context import VIEWS

    c = arrays["context"]
    _shape(c["weights"], (len(VIEWS),), "context.weights.npy", "one per view", where)
    _shape(c["alone_weights"], (1,), "context.alone_weights.npy", "one view", where)
    _shape(c["bias"], (len(classes),), "context.bias.npy", "one per class", where)
    _shape(c["alone_bias"], (len(classes),), "context.alone_bias.npy", "one per class", where)
