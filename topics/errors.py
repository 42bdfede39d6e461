"""Exceptions raised by the library; the CLI turns them into one-line messages."""

import unicodedata
from collections.abc import Callable
from typing import TypeGuard


class TopicsError(Exception):
    """Base class of every error the library raises on purpose."""


class UsageError(TopicsError):
    """Options or arguments that do not go together (the CLI shows its usage with it)."""


class InputError(TopicsError):
    """A report or data file cannot be read or makes no sense."""


def failed(outcome) -> TypeGuard[InputError]:
    """Whether ``outcome`` is an input that failed: its ``InputError``, held as a value.

    A batch goes on past an input it cannot read, so the places that read or label many
    inputs (``read.files.expand_inputs``, labelling, the local pool, the Dask mapper, the
    training mapper) hand on such an input's error in place of its result; this is the one
    check for it, and :func:`outcome` the one way to make it.
    """
    return isinstance(outcome, InputError)


def outcome(function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)``, or the ``InputError`` it raised as a value.

    See :func:`failed`.
    """
    try:
        return function(*args, **kwargs)
    except InputError as exc:
        return exc


class TaxonomyError(TopicsError):
    """A taxonomy file is malformed."""


class LabelError(TopicsError):
    """A label file is malformed or names a theme the taxonomy lacks."""


class ModelError(TopicsError):
    """A model bundle is missing, damaged, or made by other library versions."""


class TrainingError(TopicsError):
    """The training data cannot make a model (too little of it, too few words)."""


class ClusterError(TopicsError):
    """A Dask cluster cannot be reached, or lost the work (the ``cluster`` extra missing too)."""


class WorkerError(TopicsError):
    """A worker process died while labelling (killed, or out of memory)."""


class OutputError(TopicsError):
    """An output file (or standard output) cannot be written: no such folder, disk full, ..."""


class Stopped(KeyboardInterrupt):  # noqa: N818 (an interruption, as KeyboardInterrupt is)
    """SIGTERM or SIGHUP asked the command to stop: it cleans up as after Ctrl-C."""


def ignore_more_stops() -> None:
    """Ignore Ctrl-C and SIGTERM from now on: the command has stopped and cleaned up.

    What is left is saying so and exiting; a second Ctrl-C there would only print a
    traceback from the interpreter's shutdown (as it waits for the threads).
    """
    import signal

    for name in ("SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)


def printable(name) -> str:
    r"""A file name (str, bytes or path) safe to print on one line of any terminal.

    Bytes that are not UTF-8 (kept as surrogate escapes by ``os`` functions, e.g. a GBK
    name from a Windows zip) become ``\xNN``; lone surrogates ``\udNNN``; control
    characters (a newline in a name) ``\n``, ``\x1b`` and so on. Printable names are
    returned unchanged.
    """
    import os

    text = os.fsdecode(name) if not isinstance(name, str) else name
    if text.isprintable():
        return text
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    escapes = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "".join(c if c.isprintable() or unicodedata.category(c) == "Zs"
                   else escapes.get(c, repr(c)[1:-1]) for c in text)
