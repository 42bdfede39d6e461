"""Label many report files on a Dask cluster, in input order, exactly as a local run does.

The client reads each file's bytes and ships them inside the tasks, so workers need no
shared filesystem; a worker writes them to a private temporary file with the file's own
name, labels it with :func:`topics.pipeline.label.label_file`, and maps the temporary path
back to the original one in error messages. Files go in partitions (by count and total
size).

The model is shipped once per worker: its bundle files travel in a Dask worker plugin,
which the scheduler also hands to workers that join or restart later, and each worker
process rebuilds it with :func:`topics.bundle.load_model` (every check included) on first
use and caches it. Tasks are pure functions of their partition, so when a worker dies
Dask runs its partitions again elsewhere; each partition's result is read once, in order,
so nothing is lost or duplicated.

:func:`map_files` is the generic part (any module-level function over files, results in
input order); :func:`label_files_on_cluster` uses it to label reports.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import MAX_BYTES
from ..errors import ClusterError, InputError, ModelError, failed, outcome, printable
from ..read.files import InputPath, read_bytes, report_name

try:
    from distributed import WorkerPlugin
except ImportError:  # the cluster extra is missing: open_client and ship_model say so
    WorkerPlugin = object

#: Seconds to wait for a remote scheduler before giving up.
CONNECT_TIMEOUT = 10.0
#: Partitions hold at most this many files ...
PARTITION_FILES = 256
#: ... and, unless one file is larger, about this many bytes at most: a few seconds of work,
#: so that the last partitions do not keep one worker busy while the others wait.
MAX_PARTITION_BYTES = 1024 * 1024
#: Smaller partitions than this are not worth a task of their own.
MIN_PARTITION_BYTES = 64 * 1024
_INSTALL = 'running on a Dask cluster needs the cluster extra: pip install "topics[cluster]"'

#: Models rebuilt in this (worker) process, by key.
_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()


def _distributed():
    """The ``distributed`` package, or a :class:`ClusterError` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(_INSTALL) from None
    return distributed


def parse_address(address: str) -> tuple[str, int | None]:
    """``("local", N or None)`` for ``local[:N]``, else ``("remote", None)``."""
    if address != "local" and not address.startswith("local:"):
        return "remote", None
    count = address.partition(":")[2]
    if not count:
        return "local", None
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"{address}: the number of local workers must be a positive "
                           f"integer, as in local:2")
    return "local", int(count)


@contextmanager
def open_client(address: str, timeout: float | None = None, log_level: int = logging.ERROR):
    """A Dask ``Client`` for ``address``, closed (with any cluster it started) afterwards.

    Parameters
    ----------
    address : str
        ``local`` or ``local:N`` starts a ``LocalCluster`` of N single-threaded worker
        processes on this machine (default: one per core); anything else
        (``tcp://HOST:8786``) is a running scheduler.
    timeout : float
        Seconds to wait for a remote scheduler (default: :data:`CONNECT_TIMEOUT`).
    log_level : int
        Level of Dask's own logging in a local cluster's processes (default: errors only).
    """
    distributed = _distributed()
    kind, count = parse_address(address)
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    cluster = None
    if kind == "local":
        cluster = distributed.LocalCluster(
            n_workers=count or os.cpu_count() or 1, threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=log_level)
        try:
            client = distributed.Client(cluster)
        except BaseException:
            cluster.close()
            raise
    else:
        try:
            client = distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"{address}: no Dask scheduler answered within {timeout:g}s ({exc}); start "
                f"one with `dask scheduler` and workers with `dask worker {address}`, or "
                f"check the address") from None
        except ValueError as exc:
            raise ClusterError(f"{address}: not a scheduler address ({exc}); give "
                               f"tcp://HOST:8786, local or local:N") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def connect(address: str, log_level: int = logging.ERROR,
            progress: Callable[[str], None] = lambda _m: None):
    """:func:`open_client`, with Dask's own logging at ``log_level`` here too."""
    _distributed()  # imports distributed, which sets its loggers' levels: set them after
    logging.getLogger("distributed").setLevel(log_level)
    progress(f"connecting to {address}")
    with open_client(address, log_level=log_level) as client:
        logging.getLogger("topics").info("cluster at %s: %d workers", address,
                                         len(client.scheduler_info()["workers"]))
        yield client


# -- the model, shipped once per worker ------------------------------------------------


def _bundle_files(model) -> tuple[str, dict[str, bytes]]:
    """The key (sha256 of the manifest) and the files of the bundle ``model`` was loaded from."""
    if not model.path:
        raise ClusterError("the model has no folder to ship to the workers: save it first "
                           "(topics.save_model(model, folder))")
    folder = Path(model.path)
    try:
        manifest = (folder / "manifest.json").read_bytes()
        if json.loads(manifest) != model.manifest:
            raise ClusterError(f"{folder}: the model changed on disk since it was loaded "
                               f"(retrained?); run again")
        files = {"manifest.json": manifest}
        for name in model.manifest["artifacts"]:
            files[name] = (folder / name).read_bytes()
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder}: cannot read the model to ship it: {exc}") from None
    return hashlib.sha256(manifest).hexdigest()[:16], files


class ModelPlugin(WorkerPlugin):
    """A worker plugin carrying a model bundle's files; workers rebuild the model from them."""

    def __init__(self, key: str, source: str, files: dict[str, bytes]):
        self.key, self.source, self.files = key, source, files
        self.name = plugin_name(key)

    def teardown(self, worker) -> None:
        """Forget the model when the plugin is unregistered (the run is over)."""
        with _LOCK:
            _MODELS.pop(self.key, None)


def plugin_name(key: str) -> str:
    """The name under which the plugin of the model ``key`` is registered."""
    return f"topics-model-{key}"


def _rebuild(plugin: ModelPlugin):
    """Write the shipped files to a private folder and load them as the client did."""
    from ..bundle import load_model

    with tempfile.TemporaryDirectory(prefix="topics-model-") as folder:
        for name, data in plugin.files.items():
            target = Path(folder, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            model = load_model(folder)
        except ModelError as exc:  # e.g. other library versions on this worker
            raise ModelError(str(exc).replace(folder, f"{plugin.source} (as shipped to a "
                                                      f"worker)")) from None
    model.path = None  # the temporary folder is gone; the model lives in memory only
    return model


@dataclass(frozen=True)
class ShippedModel:
    """A handle on a model shipped to the workers; :meth:`get` there gives the model."""

    key: str

    def get(self):
        """The model, rebuilt in this worker process on first use and cached."""
        with _LOCK:
            model = _MODELS.get(self.key)
            if model is None:
                from distributed import get_worker

                plugin = get_worker().plugins.get(plugin_name(self.key))
                if plugin is None:
                    raise ClusterError(f"model {self.key} was not shipped to this worker")
                model = _MODELS[self.key] = _rebuild(plugin)
                from .tuning import settle_for_labelling

                settle_for_labelling()  # as in a --jobs worker: GC tuned, freed memory kept
            return model


@contextmanager
def ship_model(client, model):
    """Ship ``model``'s bundle to every worker (and later ones) for the ``with`` block."""
    _distributed()
    key, files = _bundle_files(model)
    plugin = ModelPlugin(key, str(model.path), files)
    client.register_plugin(plugin)
    try:
        yield ShippedModel(key)
    finally:
        try:
            client.unregister_worker_plugin(plugin.name)
        except Exception:  # a closing or lost cluster forgets it anyway
            pass


# -- files, partitions, order -------------------------------------------------------------


def _size(item) -> int:
    if failed(item):
        return 0
    try:
        return os.stat(item).st_size
    except OSError:
        return 0


def partitions(sizes: list[int], target_bytes: int, max_files: int) -> list[range]:
    """Consecutive runs of positions, each of at most ``max_files`` and about ``target_bytes``."""
    out, start, total = [], 0, 0
    for position, size in enumerate(sizes):
        if position > start and (total + size > target_bytes or position - start >= max_files):
            out.append(range(start, position))
            start, total = position, 0
        total += size
    if start < len(sizes):
        out.append(range(start, len(sizes)))
    return out


def _shippable(path: str, max_bytes: int) -> bytes | None:
    """The bytes of a readable regular file within ``max_bytes``; else None (run it here).

    A FIFO or a device is not opened for reading (it could block or never end).
    """
    try:
        return read_bytes(path, max_bytes)
    except InputError:
        return None


def run_partition(function: Callable, entries: list[tuple[str, bytes]], args: tuple) -> list:
    """On a worker: ``function(copy, *args)`` for each ``(path, bytes)``, InputError as values.

    Each file is written to a private temporary folder under its own name, so that names,
    suffixes and messages are those of the original; the temporary path in an error
    message is replaced by the original path.
    """
    out = []
    with tempfile.TemporaryDirectory(prefix="topics-files-") as folder:
        for number, (path, data) in enumerate(entries):
            copy = os.path.join(folder, str(number), os.path.basename(path))
            os.mkdir(os.path.dirname(copy))
            with open(copy, "wb") as handle:
                handle.write(data)
            try:  # the copy keeps the report name of the original
                out.append(function(InputPath(copy, report_name(path)), *args))
            except InputError as exc:
                out.append(InputError(str(exc).replace(copy, printable(path))))
            finally:
                os.unlink(copy)
    return out


def map_files(client, function: Callable, items: Iterable, args: tuple = (), *,
              local_args: tuple | None = None, max_bytes: int = MAX_BYTES,
              partition_bytes: int | None = None, partition_files: int = PARTITION_FILES,
              window: int | None = None) -> Iterator:
    """``function(path, *args)`` for every path of ``items`` on the cluster, in input order.

    Yields each result, or the ``InputError`` it raised, in the order of ``items``
    (``InputError`` items pass through) as soon as it and all before it are done.

    Parameters
    ----------
    client : distributed.Client
        The cluster to run on.
    function : callable
        A module-level function (workers import it); it gets a private copy of the file
        bearing the file's name.
    items : iterable of str or InputError
        File paths (and errors to pass through).
    args, local_args : tuple
        Further arguments on the workers, and in this process (default: ``args``) for the
        files this process cannot ship (unreadable or over ``max_bytes``), so that they
        fail, or are handled, exactly as in a local run.
    max_bytes : int
        Files larger than this are not shipped.
    partition_bytes, partition_files : int
        Size of a partition (one task): by default a quarter of the work per worker thread,
        between 64 KiB and 1 MiB (a file is never split), and at most ``partition_files``
        files.
    window : int
        Partitions submitted ahead of the one being read (default: twice the threads, plus
        two); bounds the memory of the client, scheduler and workers.
    """
    distributed = _distributed()
    items = list(items)
    local_args = args if local_args is None else local_args
    sizes = [_size(item) for item in items]
    threads = sum(client.nthreads().values()) or 1
    if partition_bytes is None:
        partition_bytes = min(MAX_PARTITION_BYTES,
                              max(MIN_PARTITION_BYTES, sum(sizes) // (4 * threads)))
    plan = deque(partitions(sizes, partition_bytes, partition_files))
    window = window or 2 * threads + 2
    flight: deque = deque()

    def submit(positions: range):
        kinds, entries = [], []
        for position in positions:
            item = items[position]
            data = None if failed(item) else _shippable(item, max_bytes)
            kinds.append((item, data is not None))
            if data is not None:
                entries.append((item, data))
        future = None
        if entries:
            with warnings.catch_warnings():
                # the bytes travel inside the task on purpose (workers need no shared files)
                warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
                future = client.submit(run_partition, function, entries, args, pure=False)
        flight.append((kinds, future))

    try:
        while plan or flight:
            while plan and len(flight) < window:
                submit(plan.popleft())
            kinds, future = flight.popleft()
            try:
                results = iter(future.result() if future is not None else ())
            except distributed.KilledWorker as exc:
                raise ClusterError(f"a partition of files killed every worker that ran it "
                                   f"({exc}); out of memory?") from None
            except distributed.client.FutureCancelledError as exc:
                raise ClusterError(f"the cluster lost the work ({exc})") from None
            if future is not None:
                future.release()
            for item, shipped in kinds:
                if failed(item):
                    yield item
                elif shipped:
                    yield next(results)
                else:
                    yield outcome(function, item, *local_args)
    finally:
        pending = [future for _, future in flight if future is not None]
        if pending:
            client.cancel(pending)


# -- labelling ---------------------------------------------------------------------------


def _label(path: str, model, encoding: str | None, max_bytes: int, render=None):
    """Label one file, with the model itself or (on a worker) the model shipped there."""
    from ..pipeline.label import label_file

    if isinstance(model, ShippedModel):
        model = model.get()
    return label_file(model, path, encoding, max_bytes, render)


def label_files_on_cluster(client, model, items: Iterable, encoding: str | None = None,
                           max_bytes: int = MAX_BYTES, render=None,
                           **options) -> Iterator:
    """Label each path of ``items`` on the cluster, as :func:`.sharing.label_files` yields them.

    Outcomes (``(name, results)``, ``(name, Rendered)`` with a ``render`` function, or
    ``InputError``) come in input order, the same, byte for byte once formatted, as a local
    run's. ``options`` go to :func:`map_files`.
    """
    with ship_model(client, model) as shipped:
        yield from map_files(client, _label, items, (shipped, encoding, max_bytes, render),
                             local_args=(model, encoding, max_bytes, render),
                             max_bytes=max_bytes, **options)


# -- training ------------------------------------------------------------------------------


def cluster_mapper(client, max_bytes: int = MAX_BYTES):
    """A :data:`topics.train.Mapper` running on the cluster, files shipped as for labelling.

    Training reads, splits, weak-labels and segments reports with it; what stays on the
    client is cheap or must see everything in order: the weak-label sample, the gensim
    dictionary, the corpus file, LDA and the classifier (see the README).
    """
    def mapper(function: Callable, paths: list[str], args: tuple) -> Iterator:
        return map_files(client, function, paths, args, max_bytes=max_bytes)

    return mapper

