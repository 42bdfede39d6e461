"""Label many inputs: the one library entry that ``topics classify`` and ``compare`` call.

As spaCy's ``Language.pipe`` runs a pipeline over many texts, :func:`label_many` labels
many report files, folders, ``.jsonl`` files of units and standard input, in input order,
in this process, shared with worker processes (``jobs``) or on a Dask cluster
(``scheduler``); the output is the same, byte for byte, whichever runs it.

>>> import topics
>>> from topics.labelling import label_many
>>> model = topics.load_model("models/default")                # doctest: +SKIP
>>> for name, results in label_many(model, ["reports/"], jobs=4):  # doctest: +SKIP
...     print(name, len(results))
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .config import MAX_BYTES
from .errors import InputError, UsageError, failed, outcome
from .read.files import REPORT_SUFFIXES

#: What the walk of an input folder lists: reports and ``.jsonl`` files of units.
INPUT_SUFFIXES = (*REPORT_SUFFIXES, ".jsonl")

if TYPE_CHECKING:  # imported where used: see Labelling._run
    from .compare import Comparison
    from .pipeline.label import Outcome, Render, Rendered
    from .pipeline.model import ThemeModel, UnitResult

    #: A model, or a function that loads one: called once the worker processes have
    #: started, so that they import the labelling code while this process loads the
    #: model. Such a function may name the folder it loads from (its ``folder``
    #: attribute, see :func:`model_loader`): the workers then load the model meanwhile too.
    ModelSource = ThemeModel | Callable[[], ThemeModel]
    #: A renderer (``topics.render.outputs.renderer``), or a function of the loaded model
    #: that makes one (its taxonomy names the score columns); None: results, not text.
    RenderSource = Render | Callable[[ThemeModel], Render | None] | None

_log = logging.getLogger("topics")


def _is_model(model) -> bool:
    """Whether ``model`` is a ``ThemeModel`` (else a function that loads one).

    Asked without importing the model code (numpy, scipy: see ``Labelling._run``): no
    object is a model before that code is imported.
    """
    code = sys.modules.get("topics.pipeline.model")
    return code is not None and isinstance(model, code.ThemeModel)


def model_loader(load: Callable[[], ThemeModel], folder: str | os.PathLike | None
                 ) -> Callable[[], ThemeModel]:
    """``load``, naming the ``folder`` of the saved model it loads (None: not known yet).

    Worker processes load the model from that folder while ``load`` runs here; they label
    with it only if it is the model ``load`` gave (its manifest), else they load it again.
    """

    def loader() -> ThemeModel:
        return load()

    loader.folder = None if folder is None else str(folder)
    return loader


def _folder(model: ModelSource) -> str | None:
    """The folder of the saved model of ``model``, when known before it is loaded."""
    if _is_model(model):
        return model.path
    return getattr(model, "folder", None)


def _quiet(_message: str) -> None:
    pass


def loaded(model: ModelSource, background: bool = False) -> ThemeModel:
    """The model; a function that loads one is called, and this process tuned to keep it.

    Such a model lives as long as this process labels (see ``parallel.tuning``); what it
    builds on first use is built now (``ThemeModel.prepare``: with ``background``, partly
    in a thread, for a process that labels alone).
    """
    if _is_model(model):
        return model
    from .parallel.tuning import settle_for_labelling

    model = model().prepare(background)
    settle_for_labelling()
    return model


def input_items(inputs: Iterable[str], exclude: Iterable[str | os.PathLike] = (),
                on_skip: Callable[[str], None] | None = None) -> list[str | InputError]:
    """The report files (and ``-``) of ``inputs``, folders expanded; problems as InputError.

    Never the files of ``exclude`` (the output being written, its temporary file); in a
    folder, never an earlier output of topics (:func:`~topics.pipeline.inputs.earlier_output`).
    ``on_skip`` hears each file so skipped that the inputs hold, in one line.
    """
    from .pipeline.inputs import earlier_output
    from .read.files import expand_inputs

    inputs, exclude = list(inputs), list(exclude)
    suffixes, skip = INPUT_SUFFIXES, on_skip or _quiet
    for target in exclude:
        if _listed(target, inputs, suffixes) is not None:
            skip(f"{target}: the output file of this run, not read as input")
    given, items = set(inputs), []
    for item in expand_inputs(inputs, suffixes, exclude=exclude):
        found = isinstance(item, str) and item not in given  # found in a folder
        reason = found and earlier_output(item)
        if reason:
            skip(f"{item}: {reason}, not a report")
            continue
        items.append(item)
    return items


def input_file(target: str | os.PathLike, inputs: Iterable[str],
               suffixes: tuple[str, ...] = INPUT_SUFFIXES) -> str | None:
    """The file of ``inputs`` that is ``target`` and would be read as input, or None.

    It is an input given, or a file that the walk of an input folder lists (``suffixes``)
    and does not skip as an earlier output of topics (see :func:`input_items`); the same
    file as ``target``, links followed. Only the matching file is opened.
    """
    from .pipeline.inputs import earlier_output

    inputs = list(inputs)
    item = _listed(target, inputs, suffixes)
    return item if item is not None and (item in inputs or not earlier_output(item)) else None


def _listed(target: str | os.PathLike, inputs: list[str], suffixes: tuple[str, ...]
            ) -> str | None:
    """The item of the walk of ``inputs`` that is the existing file ``target``, or None.

    The walk is ``expand_inputs``' (folders expanded to their ``suffixes`` files); links are
    followed.
    """
    from .read.files import expand_inputs

    if not os.path.isfile(target):
        return None
    for item in expand_inputs(inputs, suffixes):
        if failed(item) or item == "-":
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(item, target):
                return item
    return None


def failure(item: str | InputError, exc: InputError) -> tuple[str, str]:
    """``(name, reason)`` of an input that could not be read, for the outputs' list of them.

    The name is the input's path (``<stdin>`` for ``-``); the reason is the message without
    the name it starts with.
    """
    message = str(exc)
    if item == "-":
        names = ["<stdin>"]
    elif isinstance(item, str):
        names = [item, str(Path(item))]
    else:
        names = [message.split(": ", 1)[0]]
    for name in names:
        if message.startswith(f"{name}: "):
            return name, message[len(name) + 2:]
    return names[0], message


def worker_count(jobs: int | None, items: list) -> int:
    """Worker processes to start for ``jobs`` processes: they and this one share the files.

    ``jobs`` 0 is one process per core; None chooses from the files' number and size and
    the cores (``parallel.tuning.choose_processes``) and logs the choice. None are started
    for standard input, which is read here, and the files with it.
    """
    from .parallel.tuning import choose_processes, usable_cores

    if "-" in items:
        return 0
    if jobs is None:
        processes, why = choose_processes([i for i in items if isinstance(i, str)])
        _log.info("%d process%s (%s; --jobs sets it)", processes,
                  "es" * (processes != 1), why)
    else:
        processes = jobs if jobs > 0 else usable_cores()
    return max(0, min(processes, len(items)) - 1)


class Labelling:
    """The labelled inputs of :func:`label_many`, an iterator of ``(name, results)``.

    ``results`` are :class:`~topics.pipeline.model.UnitResult` objects, or
    :class:`~topics.pipeline.label.Rendered` text with a renderer. Once it has started,
    ``model`` and ``render`` are the model and renderer used; ``failed`` counts the inputs
    that could not be read, and ``failures`` names them: ``(name, reason)`` each.
    """

    def __init__(self, model: ModelSource, items: list, render: RenderSource, jobs: int | None,
                 scheduler, encoding: str | None, max_bytes: int,
                 on_error: Callable[[InputError], None] | None, stdin: BinaryIO | None,
                 progress: Callable[[str], None], cluster_log_level: int):
        self.items = items
        self.model: ThemeModel | None = model if _is_model(model) else None
        self.failures: list[tuple[str, str]] = []
        self.render: Render | None = None  # the renderer, once the model is loaded
        self._load = None if self.model is not None else model
        self._render, self._jobs, self._scheduler = render, jobs, scheduler
        self._encoding, self._max_bytes = encoding, max_bytes
        self._on_error, self._stdin = on_error, stdin
        self._progress, self._cluster_log_level = progress, cluster_log_level
        self._iterator: Iterator | None = None

    @property
    def failed(self) -> int:
        """How many inputs could not be read."""
        return len(self.failures)

    def __iter__(self) -> Labelling:
        return self

    def __next__(self) -> tuple[str, list[UnitResult] | Rendered]:
        if self._iterator is None:
            self._iterator = self._run()
        return next(self._iterator)

    def close(self) -> None:
        """Stop the worker processes or the cluster client of an unfinished run."""
        if self._iterator is not None:
            self._iterator.close()

    def _run(self) -> Iterator[tuple[str, list[UnitResult] | Rendered]]:
        from .parallel.pool import worker_pool

        with contextlib.ExitStack() as stack:
            # the workers start first, then this process imports the labelling code
            # (numpy, scipy, the model: ~0.3 s) and loads the model while they do the same
            pool = stack.enter_context(worker_pool(
                0 if self._scheduler else worker_count(self._jobs, self.items),
                _folder(self._load or self.model)))
            model = self.model = loaded(self._load or self.model, background=pool is None)
            render = self._render
            if render is not None and not hasattr(render, "explain"):  # a factory
                render = render(model)
            self.render = render
            files = [i for i in self.items if i != "-"]
            if self._scheduler:
                from .parallel.cluster import connect, label_files_on_cluster

                client = self._scheduler
                if isinstance(client, str):
                    client = stack.enter_context(
                        connect(client, self._cluster_log_level, self._progress))
                outcomes = label_files_on_cluster(client, model, files, self._encoding,
                                                  self._max_bytes, render)
            else:
                from .parallel.sharing import label_files

                outcomes = label_files(model, files, self._encoding, self._max_bytes,
                                       render=render, pool=pool)
            for item in self.items:
                result = self._stdin_outcome(model, render) if item == "-" else next(outcomes)
                if failed(result):
                    self.failures.append(failure(item, result))
                    if self._on_error is None:
                        raise result
                    self._on_error(result)
                    continue
                _log.info("labelled %s: %d units", item, len(result[1]))
                yield result

    def _stdin_outcome(self, model: ThemeModel, render: Render | None) -> Outcome:
        from .pipeline.inputs import read_stdin
        from .pipeline.label import label_input

        if self._stdin is None and sys.stdin is None:  # started with standard input closed
            from .read.inputs import STDIN

            return InputError(f"{STDIN}: standard input is closed")
        stream = self._stdin if self._stdin is not None else sys.stdin.buffer
        loaded = outcome(read_stdin, stream, self._encoding, self._max_bytes)
        return loaded if failed(loaded) else label_input(model, loaded, render)


def label_many(model: ModelSource, inputs: Iterable[str], render: RenderSource = None, *,
               jobs: int | None = None, scheduler=None, encoding: str | None = None,
               max_bytes: int = MAX_BYTES, on_error: Callable[[InputError], None] | None = None,
               stdin: BinaryIO | None = None, progress: Callable[[str], None] = _quiet,
               cluster_log_level: int = logging.ERROR, exclude: Iterable[str] = (),
               on_skip: Callable[[str], None] | None = None) -> Labelling:
    """Label every unit of many inputs, in input order: ``(name, results)`` per input.

    Parameters
    ----------
    model : ThemeModel or callable
        The model, or a function that loads it once the worker processes have started.
        Worker processes load the model from ``model.path``: it must be saved.
    inputs : iterable of str
        Report files (.txt, .md, .docx, .pdf), folders of them, ``.jsonl`` files of units,
        or ``-`` for ``stdin``.
    render : renderer, callable or None
        Renders each report where it is labelled (see ``topics.render.outputs``), or a
        function of the loaded model that returns one; None yields the results.
    jobs : int or None
        Processes that share the files (0: one per core; None: chosen from the number
        and size of the files and the cores, never more than pays for itself).
    scheduler : str or distributed.Client or None
        Label on a Dask cluster: ``tcp://HOST:8786``, ``local[:N]`` or a client.
    encoding : str or None
        Force the text encoding of reports.
    max_bytes : int
        Refuse report files larger than this.
    on_error : callable or None
        Hears each input that cannot be read (an ``InputError``), which is then skipped;
        None raises it.
    stdin : binary stream or None
        Where ``-`` is read from (default: ``sys.stdin.buffer``).
    progress : callable
        Hears what long steps start (connecting to a cluster).
    cluster_log_level : int
        Level of Dask's own logging.
    exclude : iterable of str
        Files never read as inputs: the output being written (``--out``).
    on_skip : callable or None
        Hears, in one line each, the files of the inputs that are skipped as no reports:
        those of ``exclude``, and earlier outputs of topics found in folders.

    Returns
    -------
    Labelling
        An iterator of ``(name, results)``; its ``model`` and ``failed`` count afterwards.
    """
    if scheduler and jobs not in (None, 1):
        raise UsageError("--jobs and --scheduler (or TOPICS_SCHEDULER) do not go together: on "
                         "a cluster its workers are the processes (local:N starts N here)")
    items = input_items(inputs, exclude, on_skip)
    return Labelling(model, items, render, jobs, scheduler, encoding, max_bytes,
                     on_error, stdin, progress, cluster_log_level)


def compare_inputs(model: ModelSource, inputs: list[str], n_typical: int = 3, *,
                   by_section: bool = False, encoding: str | None = None,
                   max_bytes: int = MAX_BYTES,
                   on_error: Callable[[InputError], None] | None = None,
                   on_skip: Callable[[str], None] | None = None,
                   exclude: Iterable[str] = ()) -> Comparison:
    """Label and compare inputs: each one (a report, or a folder pooled) is one column.

    Columns are named by :func:`topics.compare.column_names` (a folder by its name); one
    input is its profile alone. ``by_section`` compares the top-level sections too. Files
    of ``exclude`` (the output) are never read; ``on_skip`` hears each one skipped.
    """
    from .compare import column_names, compare_reports

    model = loaded(model)
    names = column_names(inputs)
    groups, sources = [], {}
    for item, name in zip(inputs, names, strict=True):
        labelled = list(label_many(model, [item], jobs=1, encoding=encoding,
                                   max_bytes=max_bytes, on_error=on_error, on_skip=on_skip,
                                   exclude=exclude))
        if labelled:
            groups.append((name, [r for _, results in labelled for r in results]))
            sources[name] = item
    if not groups:
        raise InputError("no readable input: nothing to compare")
    return compare_reports(groups, model.taxonomy.ids, n_typical, by_section, sources)
