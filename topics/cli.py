"""The ``topics`` command line: a thin layer over the library that talks to the terminal."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path

import click

MAX_SIZE = click.option(
    "--max-size", default=20.0, show_default=True, type=click.FloatRange(0.001),
    help="Refuse report files larger than this many MB rather than read them whole.")


def _megabytes(size: float) -> int:
    """``--max-size`` in bytes."""
    return int(size * 1024 * 1024)


MODEL_HELP = ("Model folder (default: $TOPICS_MODEL, else ./models/default if it exists, "
              "else the built-in model, built on first use).")


class Context:
    """Options shared by every command."""

    def __init__(self, verbose: int, quiet: bool):
        self.verbose = verbose
        self.quiet = quiet

    def say(self, message: str) -> None:
        """People-talk on stderr, unless --quiet."""
        if not self.quiet:
            click.echo(message, err=True)


def _handle_errors(command):
    """Turn library errors into one-line messages and exit codes; tracebacks only with -v."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .errors import TopicsError

        ctx = click.get_current_context().find_object(Context)
        try:
            return command(*args, **kwargs)
        except TopicsError as exc:
            if ctx and ctx.verbose:
                traceback.print_exc()
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.ClickException("interrupted") from None
        except BrokenPipeError:
            # the reader of our output went away (e.g. `| head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:
            if ctx and ctx.verbose:
                traceback.print_exc()
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run with -v for details)"
            ) from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Say what is happening; also show tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.version_option(package_name="topics")
@click.pass_context
def main(ctx, verbose, quiet):
    """Find the themes of Chinese official reports.

    Label every sentence of a report with a theme and a confidence, show the
    report's theme profile, train your own models, and inspect topic words.

    Example: topics classify seeds/000_eb7df649a681aff6.txt
    """
    ctx.obj = Context(verbose, quiet)
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="topics: %(message)s", stream=sys.stderr)


def _progress(obj: Context):
    """Progress of long work: on a terminal or with -v, never with --quiet."""
    started = time.monotonic()
    show = not obj.quiet and (obj.verbose or sys.stderr.isatty())

    def progress(message: str) -> None:
        if show:
            click.echo(f"topics: [{time.monotonic() - started:5.1f}s] {message}", err=True)
    return progress


def _load(obj: Context, model_dir: str | None):
    from .parallel.tuning import settle_for_labelling
    from .resolve import resolve_model

    model = resolve_model(model_dir, _progress(obj), lambda m: obj.say(f"topics: {m}"))
    settle_for_labelling()  # the model lives as long as the command
    return model


def _emit(text: str | bytes, out: str | None, bom: bool = False) -> None:
    """Write output to stdout, or atomically to ``out``."""
    from .fileio import atomic_write

    if isinstance(text, bytes):
        atomic_write(out, text)
    elif out:
        atomic_write(out, ("\ufeff" if bom else "") + text)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("reports", nargs=-1, type=click.Path())
@click.option("--labels", "label_files", multiple=True, type=click.Path(),
              help="Label file (JSON Lines: text, label, report, index); repeatable. "
                   "Default: the shipped hand labels and authored examples.")
@click.option("--taxonomy", type=click.Path(), help="Taxonomy TOML file (default: shipped).")
@click.option("--out", default="models/default", show_default=True, type=click.Path(),
              help="Model folder to write.")
@click.option("--topics", "n_topics", default=11, show_default=True, type=click.IntRange(2, 200),
              help="Number of LDA topics: one per theme with cue words, the rest free.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--no-eval", is_flag=True, help="Skip the report-split cross-validation.")
@click.option("--select", is_flag=True,
              help="Choose the classifier's C and cue weight by report-split CV (9 candidates).")
@click.option("--user-dict", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra jieba dictionary (词 词频 词性); repeatable.")
@click.option("--stopwords", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra stop-word file, one word per line; repeatable.")
@click.option("--max-weak", default=50_000, show_default=True, type=click.IntRange(0),
              help="Most weak-labelled sentences the classifier trains on (a seeded sample).")
@MAX_SIZE
@click.option("--scheduler", envvar="TOPICS_SCHEDULER", metavar="ADDRESS",
              help="Read, split, weak-label and segment the reports on a Dask cluster "
                   "(tcp://HOST:8786, or local[:N]); the model is the same. Needs "
                   "topics[cluster]. Env: TOPICS_SCHEDULER.")
@click.pass_obj
@_handle_errors
def train(obj, reports, label_files, taxonomy, out, n_topics, seed, no_eval, select, user_dict,
          stopwords, max_weak, max_size, scheduler):
    """Train the theme classifier and the topic model.

    REPORTS are report files or folders; those without hand labels get weak
    labels from their outlines and cue words. With no REPORTS and no --labels,
    the shipped seed reports, hand labels and authored examples are used.
    Prints the report-split cross-validated scores and topic coherence.

    Example: topics train --out models/default --seed 0
    """
    from . import config
    from .bundle import save_model
    from .errors import InputError
    from .read.files import expand_inputs
    from .taxonomy import load_taxonomy
    from .text.segment import Segmenter
    from .train import collect_training_data, map_here, select_params, train_model

    started = time.monotonic()
    progress = _progress(obj)
    tax = load_taxonomy(taxonomy or config.taxonomy_path())
    document_sets = []
    if not reports and not label_files:
        paths = [str(p) for p in config.seed_paths()]
        label_files = [str(p) for p in config.label_paths()]
        document_sets = config.document_sets()
    else:
        paths = []
        for item in expand_inputs(reports):
            if isinstance(item, InputError):
                raise item
            if item == "-":
                raise InputError("-: train reads report files, not stdin")
            paths.append(item)
    with contextlib.ExitStack() as cluster:
        mapper = map_here
        if scheduler:
            from .parallel.cluster import cluster_mapper

            client = _cluster_client(obj, scheduler, cluster)
            mapper = cluster_mapper(client, _megabytes(max_size))
        progress(f"reading {len(paths)} reports")
        data = collect_training_data(tax, list(label_files), paths, _megabytes(max_size),
                                     max_weak, seed, mapper, document_sets)
        tied = sum(1 for t in tax.themes if t.cues)
        segmenter = Segmenter(tuple(user_dict), tuple(stopwords))
        params, trials = {}, None
        if select:
            params, trials = select_params(data, tax, segmenter, seed, progress)
            progress(f"chosen: {params}")
        model = train_model(tax, data, seed=seed, n_free_topics=max(0, n_topics - tied),
                            classifier_params=params, segmenter=segmenter,
                            evaluate=not no_eval, progress=progress, mapper=mapper)
    if trials:
        model.manifest["classifier"]["selection"] = {"split": "leave-one-report-out",
                                                     "trials": trials}
    save_model(model, out, wait=lambda message: obj.say(f"topics: {message}"))
    click.echo(_metrics_text(model.manifest["metrics"], tax.ids), nl=False)
    obj.say(f"topics: model written to {out}: {len(paths)} reports, "
            f"{len(data.sentences)} sentences, {time.monotonic() - started:.1f}s")


def _metrics_text(metrics: dict, theme_ids: list[str]) -> str:
    lines = []
    cv = metrics.get("classifier_cv")
    if cv and cv.get("folds"):
        lines.append(f"Classifier alone, {cv['folds']}-fold cross-validation grouped by "
                     f"document over {cv['documents']} documents ({cv['n']} hand-labelled "
                     f"sentences):")
        lines.append(f"  accuracy {cv['accuracy']:.3f}   macro-F1 {cv['macro_f1']:.3f}")
        lines.append("  per-theme F1: " + "  ".join(
            f"{t} {cv['per_theme'][t]['f1']:.2f}" for t in theme_ids))
    elif cv:
        lines.append(f"Classifier: {cv.get('note')}")
    context = metrics.get("context_cv")
    if context:
        lines.append(f"Calibrated, same folds, on {context['documents']} labelled documents "
                     f"(fallback threshold {context['threshold']}):")
        for key, name in (("alone", "each unit alone"), ("in_context", "in context")):
            part = context[key]
            lines.append(f"  {name:15s} accuracy {part['accuracy']:.3f}   macro-F1 "
                         f"{part['macro_f1']:.3f}   calibration error "
                         f"{part['calibration_error']:.3f}")
            lines.append("    per-theme F1: " + "  ".join(
                f"{t} {part['per_theme'][t]['f1']:.2f}" for t in theme_ids))
        genres = context["in_context"].get("by_genre", {})
        if genres:
            lines.append("  in context by genre (macro-F1): " + "  ".join(
                f"{g} {v['macro_f1']:.2f}" for g, v in genres.items()))
    weak = metrics.get("weak_labels")
    if weak:
        lines.append(f"Weak labels on hand-labelled reports: coverage {weak['coverage']:.1%}, "
                     f"agreement {weak['accuracy']:.1%}")
    coherence = metrics.get("topic_coherence", {})
    if coherence:
        lines.append(f"Topic coherence: mean c_v {coherence.get('mean_c_v')}, "
                     f"mean u_mass {coherence.get('mean_u_mass')}")
    return "\n".join(lines) + "\n"


def _showing_bar(obj: Context, items: list) -> bool:
    return not obj.quiet and sys.stderr.isatty() and len(items) >= 2


def _bar(obj: Context, items: list, label: str):
    """A progress bar with counts and an estimate, only when stderr is a terminal."""
    if not _showing_bar(obj, items):
        return contextlib.nullcontext(items)
    return click.progressbar(items, label=label, file=sys.stderr, show_pos=True, show_eta=True)


class _Failures:
    """Counts the inputs that could not be read."""

    def __init__(self):
        self.count = 0


def _input_items(inputs) -> list:
    """The report files (and ``-``) of ``inputs``, folders expanded; problems as InputError."""
    from .read.files import REPORT_SUFFIXES, expand_inputs

    return list(expand_inputs(inputs, REPORT_SUFFIXES + (".jsonl",)))


def _n_workers(jobs: int, items: list) -> int:
    """Worker processes to start for ``--jobs``: they and this one share the files."""
    if "-" in items:
        return 0  # standard input is read here, and the files with it
    processes = jobs if jobs > 0 else os.cpu_count() or 1
    return max(0, min(processes, len(items)) - 1)


def _label_inputs(obj: Context, model, items: list, encoding, max_size: float,
                  failures: _Failures, pool=None, client=None, render=None):
    """Yield ``(name, results)`` for every readable report among ``items``, in order.

    ``items`` come from :func:`_input_items`. Unreadable ones are reported on stderr,
    counted in ``failures``, and skipped. A ``workers.WorkerPool`` shares the files with
    this process; with a Dask ``client`` they are labelled on its cluster (standard input
    still here). With ``render`` (see ``formats.renderer``) results come as
    ``batch.Rendered`` text.
    """
    from .errors import InputError
    from .parallel.sharing import label_files
    from .pipeline.inputs import read_stdin
    from .pipeline.label import label_input

    limit = _megabytes(max_size)
    newline = "\n" if _showing_bar(obj, items) else ""  # past the bar's line
    files = [i for i in items if i != "-"]
    if client is not None:
        from .parallel.cluster import label_files_on_cluster

        outcomes = label_files_on_cluster(client, model, files, encoding, limit, render)
    else:
        outcomes = label_files(model, files, encoding, limit, render=render, pool=pool)
    with _bar(obj, items, "labelling") as bar:
        for item in bar:
            if item == "-":
                try:
                    loaded = read_stdin(click.open_file("-", "rb"), encoding, limit)
                except InputError as exc:
                    outcome = exc
                else:
                    outcome = label_input(model, loaded, render)
            else:
                outcome = next(outcomes)
            if isinstance(outcome, InputError):
                failures.count += 1
                click.echo(f"{newline}topics: error: {outcome}", err=True)
                continue
            logging.getLogger("topics").info("labelled %s: %d units", item, len(outcome[1]))
            yield outcome


class _Sink(contextlib.ExitStack):
    """Output written as it comes: to stdout, or to a temporary file renamed at the end.

    The file is opened at the first write, so a run that labels nothing writes nothing;
    an error inside the ``with`` block removes it.
    """

    def __init__(self, out: str | None, bom: bool = False):
        super().__init__()
        self.out, self.bom, self._handle = out, bom, None

    def write(self, text: str | bytes) -> None:
        """Write text, or bytes already encoded in UTF-8."""
        if not self.out:
            click.echo(text, nl=False)
            return
        if self._handle is None:
            from .fileio import atomic_file

            self._handle = self.enter_context(atomic_file(self.out))
            if self.bom:
                self._handle.write("\ufeff".encode())
        self._handle.write(text.encode("utf-8") if isinstance(text, str) else text)


def _check_out(fmt: str, out: str | None) -> None:
    if fmt == "xlsx" and not out:
        raise click.UsageError("--format xlsx writes a binary workbook: give --out FILE.xlsx")


def _cluster_client(obj: Context, scheduler: str, stack: contextlib.ExitStack):
    """A Dask client for ``--scheduler``, closed with ``stack``; Dask's logs only with -v."""
    from .parallel.cluster import open_client  # imports distributed, which sets its loggers' levels

    level = logging.INFO if obj.verbose else logging.ERROR
    logging.getLogger("distributed").setLevel(level)
    _progress(obj)(f"connecting to {scheduler}")
    client = stack.enter_context(open_client(scheduler, log_level=level))
    logging.getLogger("topics").info("cluster at %s: %d workers", scheduler,
                                     len(client.scheduler_info()["workers"]))
    return client


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--model", "model_dir", envvar="TOPICS_MODEL", type=click.Path(), help=MODEL_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "csv", "xlsx", "html"]),
              default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (atomically), not stdout.")
@click.option("--encoding", help="Force the text encoding of reports (e.g. gbk).")
@MAX_SIZE
@click.option("--explain", is_flag=True,
              help="jsonl and csv: also give each unit's evidence (the terms that pushed it "
                   "to its theme) and its LDA topic; about twice the work. xlsx and html "
                   "always have them.")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(0),
              help="Processes for a batch of files (0: one per core); output order is kept.")
@click.option("--scheduler", envvar="TOPICS_SCHEDULER", metavar="ADDRESS",
              help="Label on a Dask cluster: its scheduler (tcp://HOST:8786), or local[:N] "
                   "for N worker processes here (default: one per core). Same output. "
                   "Needs topics[cluster]. Env: TOPICS_SCHEDULER.")
@click.pass_obj
@_handle_errors
def classify(obj, inputs, model_dir, fmt, out, encoding, max_size, explain, jobs, scheduler):
    """Label every sentence of reports with a theme and a confidence.

    INPUTS are report files (.txt/.md in any common Chinese encoding, .docx,
    .pdf), folders of them, - for stdin, or .jsonl files whose records' "text"
    fields are units (their "id" is kept). A file that cannot be read is
    reported and skipped; the exit code is 1 if any was. xlsx and html hold
    every report's sentences, profile and the topic words.

    Example: topics classify reports/ --format html --out report.html
    """
    from .parallel.pool import worker_pool

    _check_out(fmt, out)
    if scheduler and jobs != 1:
        raise click.UsageError("--jobs and --scheduler (or TOPICS_SCHEDULER) do not go "
                               "together: on a cluster its workers are the processes (local:N "
                               "starts N here)")
    started = time.monotonic()
    items = _input_items(inputs)
    failures, kept = _Failures(), []
    n_reports = n_units = 0
    with contextlib.ExitStack() as stack:
        # --jobs: the workers start first, and import while this process loads the model
        pool = stack.enter_context(worker_pool(0 if scheduler else _n_workers(jobs, items)))
        from .render.html import results_html
        from .render.streamed import renderer
        from .render.tables import results_csv, results_xlsx

        model = _load(obj, model_dir)
        # table, jsonl and csv are rendered where each report is labelled and streamed out:
        # memory does not grow with the number of reports; html and xlsx need them all.
        render = renderer(fmt, model.taxonomy, explain)
        sink = stack.enter_context(_Sink(out, bom=fmt == "csv"))
        client = _cluster_client(obj, scheduler, stack) if scheduler else None
        for name, results in _label_inputs(obj, model, items, encoding, max_size, failures,
                                           pool, client, render):
            n_reports, n_units = n_reports + 1, n_units + len(results)
            if render is None:
                kept.append((name, results, model.profile(results)))
                continue
            if fmt == "csv" and n_reports == 1:
                sink.write(results_csv([], model.taxonomy.ids, header=True))
            if fmt == "table" and n_reports > 1:
                sink.write("\n")
            sink.write(results.data)
        if kept and fmt == "html":
            sink.write(results_html(kept, model.taxonomy, model.topic_model.summary(15)))
        elif kept:
            _emit(results_xlsx(kept, model.taxonomy, model.topic_model.summary(15)), out)
    obj.say(f"topics: {n_reports} reports, {n_units} units labelled, "
            f"{failures.count} failed, {time.monotonic() - started:.1f}s")
    if failures.count:
        sys.exit(1)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--model", "model_dir", envvar="TOPICS_MODEL", type=click.Path(), help=MODEL_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx", "html"]),
              default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (atomically), not stdout.")
@click.option("--encoding", help="Force the text encoding of reports (e.g. gbk).")
@click.option("-n", "n_typical", default=3, show_default=True, type=click.IntRange(0, 50),
              help="Typical sentences per theme and report.")
@MAX_SIZE
@click.pass_obj
@_handle_errors
def compare(obj, inputs, model_dir, fmt, out, encoding, n_typical, max_size):
    """Compare the theme profiles of two or more reports.

    Each INPUT (a report, or a folder whose reports are pooled) is one column:
    theme shares side by side, differences from the first in percentage
    points, and each one's most typical sentences per theme.

    Example: topics compare report_2023.docx report_2024.docx --format html --out cmp.html
    """
    from .compare import compare_reports
    from .render.html import comparison_html
    from .render.tables import comparison_csv, comparison_table, comparison_xlsx

    if len(inputs) < 2:
        raise click.UsageError("compare needs at least two reports or folders")
    _check_out(fmt, out)
    started = time.monotonic()
    model = _load(obj, model_dir)
    groups, failures = [], _Failures()
    for item in inputs:
        labelled = list(_label_inputs(obj, model, _input_items([item]), encoding, max_size,
                                      failures))
        if labelled:
            name = labelled[0][0] if len(labelled) == 1 else Path(item).name or item
            groups.append((name, [r for _, results in labelled for r in results]))
    if len(groups) < 2:
        raise click.ClickException("fewer than two readable inputs: nothing to compare")
    comparison = compare_reports(groups, model.taxonomy.ids, n_typical)
    if fmt == "csv":
        _emit(comparison_csv(comparison, model.taxonomy), out, bom=True)
    elif fmt == "xlsx":
        _emit(comparison_xlsx(comparison, model.taxonomy), out)
    elif fmt == "html":
        _emit(comparison_html(comparison, model.taxonomy), out)
    else:
        _emit(comparison_table(comparison, model.taxonomy), out)
    obj.say(f"topics: compared {len(groups)} inputs, {failures.count} failed, "
            f"{time.monotonic() - started:.1f}s")
    if failures.count:
        sys.exit(1)


@main.command()
@click.option("--model", "model_dir", envvar="TOPICS_MODEL", type=click.Path(), help=MODEL_HELP)
@click.option("-n", "n_words", default=15, show_default=True, type=click.IntRange(1, 200),
              help="Words per topic and terms per theme.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--html", "html_out", type=click.Path(dir_okay=False),
              help="Also write an interactive, self-contained view of the topic model here.")
@click.pass_obj
@_handle_errors
def words(obj, model_dir, n_words, fmt, html_out):
    """Show each topic's theme, coherence and top words, and each theme's strongest terms.

    Example: topics words -n 10 --format json --html topics.html
    """
    model = _load(obj, model_dir)
    if html_out:
        from .render.html import topic_model_html
        from .topic.view import topic_view

        _emit(topic_model_html(topic_view(model.topic_model), model.taxonomy), html_out)
    topics = model.topic_model.summary(n_words)
    themes = model.classifier.top_terms(n_words)
    if fmt == "json":
        click.echo(json.dumps({"topics": topics, "themes": themes}, ensure_ascii=False, indent=2))
        return
    for topic in topics:
        coherence = ", ".join(f"{k} {v}" for k, v in topic["coherence"].items())
        click.echo(f"topic {topic['id']:2d}  {topic['theme'] or 'free':12s} ({coherence})")
        click.echo("    " + " ".join(w for w, _ in topic["words"]))
    click.echo("")
    for theme, terms in themes.items():
        click.echo(f"theme {theme}:")
        click.echo("    " + " ".join(t for t, _ in terms))


@main.command()
@click.argument("file", type=click.Path())
@click.option("--model", "model_dir", envvar="TOPICS_MODEL", type=click.Path(), help=MODEL_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--documents", "docs_dir", type=click.Path(file_okay=False),
              help="Folder of the documents FILE's records name in \"doc\": each is "
                   "classified whole and its labelled units scored in context.")
@click.pass_obj
@_handle_errors
def evaluate(obj, file, model_dir, fmt, docs_dir):
    """Score the model on labelled sentences (JSON Lines with "text" and "label").

    Each sentence is scored alone; when the records name their document ("report" or
    "doc", in document order) or --documents gives the documents, also in context.
    Prints accuracy, macro-F1, calibration error, per-theme precision/recall/F1 and the
    confusion matrix (of the scores in context when there are some).

    Example: topics evaluate labels.jsonl --documents docs/ --format json
    """
    from .evaluate import evaluate_labels

    model = _load(obj, model_dir)
    scores = evaluate_labels(model, file, docs_dir)
    if fmt == "json":
        click.echo(json.dumps(scores, ensure_ascii=False, indent=2))
        return
    for key, name in (("alone", "each alone"), ("in_context", "in context")):
        if key in scores:
            part = scores[key]
            click.echo(f"{name:11s} {part['n']} sentences   accuracy {part['accuracy']:.3f}   "
                       f"macro-F1 {part['macro_f1']:.3f}   calibration error "
                       f"{part['calibration_error']:.3f}")
    scores = scores.get("in_context", scores["alone"])
    click.echo(f"{'theme':12s} precision  recall     F1  support")
    for theme, s in scores["per_theme"].items():
        click.echo(f"{theme:12s} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f} "
                   f"{s['support']:8d}")
    ids = scores["confusion"]["labels"]
    click.echo("\nconfusion (rows: gold, columns: predicted)")
    click.echo(" " * 12 + "".join(f"{t[:5]:>6s}" for t in ids))
    for theme, row in zip(ids, scores["confusion"]["matrix"], strict=True):
        click.echo(f"{theme:12s}" + "".join(f"{v:6d}" for v in row))


@main.command()
@click.option("--model", "model_dir", envvar="TOPICS_MODEL", type=click.Path(), help=MODEL_HELP)
@click.pass_obj
@_handle_errors
def info(obj, model_dir):
    """Show what a model's manifest says: how it was made and how well it scored.

    Example: topics info --model models/default
    """
    model = _load(obj, model_dir)
    manifest = dict(model.manifest)
    manifest["taxonomy"] = {"themes": model.taxonomy.ids, "fallback": model.taxonomy.fallback}
    manifest["path"] = str(Path(model.path).resolve()) if model.path else None
    click.echo(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
