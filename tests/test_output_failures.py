"""Output that cannot be written, signals and odd file names: one line naming the file and
the problem, a non-zero exit, no traceback, no temporary file left, the old output kept.

Signals, standard output and resource limits need a real process: those tests run
``python -m topics`` (the same entry as the ``topics`` command).
"""

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPORT
from topics.cli import main
from topics.errors import OutputError, printable
from topics.fileio import atomic_file, atomic_write

OLD = b"the user's old output\n"


def _temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _topics(tmp_path, model, *args, command=(sys.executable, "-m", "topics"), **kwargs):
    """``python -m topics ARGS`` (or ``command`` ARGS) in ``tmp_path``, unbuffered as a
    user's might be."""
    env = {**os.environ, "TOPICS_MODEL": str(model), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([*command, *map(str, args)], cwd=tmp_path,
                            env=env, stderr=subprocess.PIPE, **kwargs)


def _one_error_line(stderr: bytes, expected: str) -> None:
    text = stderr.decode()
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert [line for line in text.splitlines() if line.startswith("Error")] == [expected], text


# -- fileio: every failure names the target, never the temporary file -----------------------

@pytest.mark.parametrize("code,reason", [
    (errno.ENOENT, "no such folder"),
    (errno.EACCES, "permission denied"),
    (errno.EROFS, "read-only file system"),
    (errno.ENOSPC, "no space left on the device (disk full)"),
    (errno.EFBIG, "file too large (over the file-size limit)"),
])
@pytest.mark.parametrize("where", ["create", "write"])
def test_a_failed_write_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch, code,
                                                            reason, where):
    target = tmp_path / "out.jsonl"
    target.write_bytes(OLD)

    def fail(*_args, **_kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path / ".out.jsonl.abc.tmp"))

    if where == "create":
        monkeypatch.setattr("topics.fileio._create", fail)
    with pytest.raises(OutputError) as caught, atomic_file(target) as handle:
        handle.write(b"x" * 10)
        if where == "write":
            monkeypatch.setattr(handle._handle, "write", fail)
            handle.write(b"y")
    assert str(caught.value) == f"cannot write {target}: {reason}"
    assert target.read_bytes() == OLD and _temp_files(tmp_path) == []


def test_atomic_write_still_writes(tmp_path):
    atomic_write(tmp_path / "a.txt", "甲乙")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "甲乙"
    assert _temp_files(tmp_path) == []


def test_printable_keeps_text_and_escapes_what_breaks_a_line():
    assert printable("2024/工作报告　总结 v2.txt") == "2024/工作报告　总结 v2.txt"
    assert printable("a\nb\r\tc\x1b[31m\u202ed\udcb9") == r"a\nb\r\tc\x1b[31m\u202ed\xb9"


# -- the command line --------------------------------------------------------------------------

def test_out_into_a_missing_folder(tmp_path, tiny_model_dir, report_file):
    out = tmp_path / "none" / "x.jsonl"
    result = CliRunner().invoke(main, ["classify", str(report_file), "--model",
                                       str(tiny_model_dir), "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Error: cannot write {out}: no such folder\n")
    assert "Traceback" not in result.output and not out.parent.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_out_into_a_read_only_folder(tmp_path, tiny_model_dir, report_file):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = CliRunner().invoke(main, ["classify", str(report_file), "--model",
                                           str(tiny_model_dir), "--out", str(folder / "x.txt")])
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Error: cannot write {folder / 'x.txt'}: permission denied\n")


def test_file_names_with_control_characters_stay_on_one_line(tmp_path, tiny_model_dir):
    bad = tmp_path / "evil\nError: fake\x1b[2J.txt"
    out = tmp_path / "no\nfolder" / "x.jsonl"
    result = CliRunner().invoke(main, ["classify", str(bad), "--model", str(tiny_model_dir),
                                       "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == \
        f"topics: error: {tmp_path}/evil\\nError: fake\\x1b[2J.txt: no such file or directory"
    (tmp_path / "good.txt").write_text(REPORT, encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(tmp_path / "good.txt"), "--model",
                                       str(tiny_model_dir), "--out", str(out)])
    assert result.stderr.splitlines()[-1] == \
        f"Error: cannot write {tmp_path}/no\\nfolder/x.jsonl: no such folder"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_disk(tmp_path, tiny_model_dir, report_file):
    with open("/dev/full", "wb") as full:
        process = _topics(tmp_path, tiny_model_dir, "classify", report_file, "--format",
                          "jsonl", stdout=full)
        _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    _one_error_line(err, "Error: cannot write standard output: no space left on the device "
                         "(disk full)")


def _file_size_limit():
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


@pytest.mark.parametrize("to", ["out", "stdout"])
def test_file_size_limit(tmp_path, tiny_model_dir, report_file, to):
    out = tmp_path / "out.jsonl"
    out.write_bytes(OLD)
    args = ["classify", report_file, report_file, report_file, "--format", "jsonl"]
    if to == "out":
        process = _topics(tmp_path, tiny_model_dir, *args, "--out", out,
                          preexec_fn=_file_size_limit)
        _, err = process.communicate(timeout=300)
        assert out.read_bytes() == OLD  # the old output is kept
        message = f"Error: cannot write {out}: file too large (over the file-size limit)"
    else:
        with open(tmp_path / "redirected.jsonl", "wb") as redirected:
            process = _topics(tmp_path, tiny_model_dir, *args, stdout=redirected,
                              preexec_fn=_file_size_limit)
            _, err = process.communicate(timeout=300)
        message = "Error: cannot write standard output: file too large (over the file-size limit)"
    assert process.returncode == 1  # not killed by SIGXFSZ
    _one_error_line(err, message)
    assert _temp_files(tmp_path) == []


@pytest.mark.parametrize("signum,code,message", [
    (signal.SIGTERM, 143, "Error: terminated"),
    (signal.SIGINT, 130, "Error: interrupted"),
])
def test_a_signal_during_out_removes_the_temporary_file(tmp_path, tiny_model_dir, signum, code,
                                                        message):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4000):  # small reports are labelled together, fast: many, to catch it
        (folder / f"r{i:04d}.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_bytes(OLD)
    process = _topics(tmp_path, tiny_model_dir, "classify", folder, "--format", "jsonl",
                      "--out", out, stdout=subprocess.DEVNULL)
    for _ in range(30000):  # until the output is being written (at most 5 minutes)
        if _temp_files(tmp_path) or process.poll() is not None:
            break
        time.sleep(0.01)
    assert _temp_files(tmp_path), "the run ended before the output was started"
    process.send_signal(signum)
    _, err = process.communicate(timeout=300)
    assert process.returncode == code
    _one_error_line(err, message)
    assert _temp_files(tmp_path) == [] and out.read_bytes() == OLD


#: Lines of a script that make ``import topics.cli`` raise KeyboardInterrupt: Ctrl-C as the
#: command starts, deterministic.
_CTRL_C_AS_THE_CLI_IS_IMPORTED = (
    "class Interrupt:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'topics.cli':\n"
    "            raise KeyboardInterrupt\n"
    "sys.meta_path.insert(0, Interrupt())\n")


def _run_script(tmp_path, script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          timeout=120)


def test_ctrl_c_while_the_cli_is_imported(tmp_path):
    """Ctrl-C as the command starts: deterministic, by interrupting the import of the CLI."""
    done = _run_script(tmp_path, "import sys\n" + _CTRL_C_AS_THE_CLI_IS_IMPORTED
                       + "sys.argv = ['topics', '--help']\n"
                         "from topics.__main__ import run\n"
                         "run()\n")
    assert done.returncode == 130
    assert done.stderr == b"Error: interrupted\n" and done.stdout == b""


@pytest.mark.parametrize("where", ["command", "start"])
def test_a_second_ctrl_c_while_the_command_exits_is_ignored(tmp_path, where):
    """After "interrupted" is said, Ctrl-C again (sent here at exit) prints no traceback."""
    interrupt = ("import topics.labelling\n"
                 "def boom(*args, **kwargs):\n"
                 "    raise KeyboardInterrupt\n"
                 "topics.labelling.label_many = boom\n" if where == "command" else
                 _CTRL_C_AS_THE_CLI_IS_IMPORTED)
    done = _run_script(tmp_path, "import atexit, os, signal, sys\n" + interrupt
                       + "def again():\n"
                         "    os.kill(os.getpid(), signal.SIGINT)\n"
                         "    sys.stderr.write('exited\\n')\n"
                         "atexit.register(again)\n"
                         "sys.argv = ['topics', 'classify', 'report.txt']\n"
                         "from topics.__main__ import run\n"
                         "run()\n")
    assert done.returncode == 130
    assert done.stderr == b"Error: interrupted\nexited\n" and done.stdout == b""


def test_ctrl_c_while_waiting_for_stdin(tmp_path, tiny_model_dir):
    process = _topics(tmp_path, tiny_model_dir, "classify", "-", stdin=subprocess.PIPE,
                      stdout=subprocess.PIPE)
    time.sleep(3)  # wherever it is then (importing, loading the model, reading): one line
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130 and out == b""
    _one_error_line(err, "Error: interrupted")


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path, tiny_model_dir):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(60):
        (folder / f"r{i:03d}.txt").write_text(REPORT, encoding="utf-8")
    process = _topics(tmp_path, tiny_model_dir, "-q", "classify", folder,
                      stdout=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"== ")
    process.stdout.close()  # as `| head -1` does
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1 and err == b""


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "xlsx", "html"])
def test_a_file_name_that_is_not_utf8_is_written_escaped(tmp_path, tiny_model_dir, fmt):
    folder = tmp_path / "gbk"
    folder.mkdir()
    (folder / os.fsdecode("工作".encode("gbk") + b".txt")).write_text(REPORT, encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(main, ["classify", str(folder), "--model", str(tiny_model_dir),
                                       "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "jsonl":
        name = json.loads(out.read_text(encoding="utf-8").splitlines()[0])["report"]
        assert name == r"gbk/\xb9\xa4\xd7\xf7.txt"  # the bytes that are not UTF-8, escaped
    elif fmt != "xlsx":
        assert r"gbk/\xb9\xa4\xd7\xf7.txt" in out.read_text(encoding="utf-8-sig")


def test_standard_output_takes_a_file_name_that_is_not_utf8(tmp_path, tiny_model_dir):
    (tmp_path / os.fsdecode("工作".encode("gbk") + b".txt")).write_text(REPORT, encoding="utf-8")
    process = _topics(tmp_path, tiny_model_dir, "classify", ".", stdout=subprocess.PIPE)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert rb"== \xb9\xa4\xd7\xf7.txt" in out


def test_a_closed_standard_output_does_not_matter_with_out(tmp_path, tiny_model_dir,
                                                           report_file):
    out = tmp_path / "out.jsonl"
    process = _topics(tmp_path, tiny_model_dir, "-q", "classify", report_file, "--out", out,
                      stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    _, err = process.communicate(timeout=300)
    assert err == b"" and process.returncode == 0 and out.stat().st_size > 0


def test_ctrl_c_at_the_terminal_with_worker_processes(tmp_path, tiny_model_dir):
    """Ctrl-C reaches the whole process group: the workers print nothing of their own."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4000):  # workers label batches of small reports, fast: many, to catch it
        (folder / f"r{i:04d}.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    process = _topics(tmp_path, tiny_model_dir, "classify", folder, "--jobs", "2", "--format",
                      "jsonl", "--out", out, stdout=subprocess.DEVNULL, start_new_session=True)
    for _ in range(30000):
        if _temp_files(tmp_path) or process.poll() is not None:
            break
        time.sleep(0.01)
    assert _temp_files(tmp_path), "the run ended before the output was started"
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130 and err == b"Error: interrupted\n", err.decode()
    assert _temp_files(tmp_path) == [] and not out.exists()


def test_out_through_a_link_into_a_pipe_and_over_a_private_file(tmp_path, tiny_model_dir,
                                                                report_file):
    def classify(out):
        result = CliRunner().invoke(main, ["classify", str(report_file), "--model",
                                           str(tiny_model_dir), "--format", "jsonl", "--out",
                                           str(out)])
        assert result.exit_code == 0, result.output

    link, real = tmp_path / "link.jsonl", tmp_path / "real.jsonl"
    link.symlink_to(real.name)
    classify(link)
    assert link.is_symlink() and real.read_text(encoding="utf-8").count("\n") == 13
    real.chmod(0o600)
    classify(real)
    assert real.stat().st_mode & 0o777 == 0o600  # the user's permissions kept
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # its reader is there before the writer (what it is sent fits in the pipe's buffer)
    with open(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK), "rb") as reader:
        classify(fifo)
        received = reader.read()
    assert received.count(b"\n") == 13 and fifo.is_fifo() and _temp_files(tmp_path) == []


@pytest.mark.parametrize("command", [["classify"], ["compare"],
                                     ["select-k", "--k", "8", "--seeds", "2"]])
def test_out_into_a_pipe_that_nothing_reads_stops_at_once(tmp_path, tiny_model_dir,
                                                          report_file, command):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    option = "--chart" if command[0] == "select-k" else "--out"
    process = _topics(tmp_path, tiny_model_dir, *command, report_file, option, fifo,
                      stdout=subprocess.DEVNULL)
    try:
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == 1
    _one_error_line(err, f"Error: cannot write {fifo}: nothing reads it (a pipe with no "
                         f"reader yet, or no such device)")
    assert fifo.is_fifo() and _temp_files(tmp_path) == []


@pytest.mark.parametrize("args,closed,expected", [
    (["classify", "-"], "<&-", "topics: error: <stdin>: standard input is closed"),
    (["classify", "{report}"], ">&-", "Error: cannot write standard output: it is closed"),
    (["compare", "{report}"], ">&-", "Error: cannot write standard output: it is closed"),
    (["select-k", "{report}"], ">&-", "Error: cannot write standard output: it is closed"),
    (["evaluate", "{report}"], ">&-", "Error: cannot write standard output: it is closed"),
    (["info"], ">&-", "Error: cannot write standard output: it is closed"),
    (["words"], ">&-", "Error: cannot write standard output: it is closed"),
])
def test_a_closed_standard_stream_is_an_error(tmp_path, tiny_model_dir, report_file, args,
                                              closed, expected):
    args = [a.format(report=report_file) for a in args]
    process = _topics(tmp_path, tiny_model_dir, "sh", "-c", f'exec "$@" {closed}', "sh",
                      sys.executable, "-m", "topics", *args, command=[])
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1, err.decode()
    assert expected in err.decode().splitlines(), err.decode()
    assert "Traceback" not in err.decode()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_out_on_a_full_device(tmp_path, tiny_model_dir, report_file):
    result = CliRunner().invoke(main, ["classify", str(report_file), "--model",
                                       str(tiny_model_dir), "--out", "/dev/full"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: cannot write /dev/full: no space left on the device (disk full)\n")


def test_a_full_disk_elsewhere_is_no_bug(tmp_path, tiny_model_dir, report_file, monkeypatch):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("topics.pipeline.model.ThemeModel._first_stage", full)
    result = CliRunner().invoke(main, ["classify", str(report_file), "--model",
                                       str(tiny_model_dir), "--format", "csv"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: cannot write a file: no space left on the device (disk full)\n")


@pytest.mark.parametrize("write", ["atomic_write", "replace_file"])
@pytest.mark.parametrize("threads", [0, 1])
def test_ctrl_c_just_as_the_temporary_file_is_made_leaves_nothing(tmp_path, monkeypatch, write,
                                                                  threads):
    import threading

    from topics import fileio

    made = fileio._create

    def create_then_ctrl_c(name):
        fd = made(name)
        os.kill(os.getpid(), signal.SIGINT)  # the file exists; nothing yet holds its name
        return fd

    # Another thread running (numpy's, a pool's) may be the one the signal is given to.
    stop = threading.Event()
    others = [threading.Thread(target=stop.wait) for _ in range(threads)]
    for thread in others:
        thread.start()
    monkeypatch.setattr(fileio, "_create", create_then_ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt):
            getattr(fileio, write)(tmp_path / "out.jsonl", b"{}\n")
    finally:
        stop.set()
    assert list(tmp_path.iterdir()) == []
