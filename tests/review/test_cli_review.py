import json

import pytest
from click.testing import CliRunner

import topics.review.app as review_app
from topics.cli import main


@pytest.fixture
def run():
    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return invoke


@pytest.fixture
def served(monkeypatch):
    """The server the command makes, stopped at once as by Ctrl-C; what it was bound to."""
    seen = {}
    make = review_app.make_server

    def make_and_stop(app, host, port, **kwargs):
        server = make(app, host, port, **kwargs)
        seen.update(host=host, port=app.config["PORT"], app=app)

        def interrupted():
            raise KeyboardInterrupt
        server.run = interrupted
        return server
    monkeypatch.setattr(review_app, "make_server", make_and_stop)
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    seen["opened"] = opened
    return seen


def test_review_serves_on_loopback_prints_its_address_and_stops_on_ctrl_c(run, served, reports,
                                                                            tiny_model_dir,
                                                                            tmp_path):
    result = run("review", reports, "--model", tiny_model_dir)
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1"
    assert result.stdout == f"http://127.0.0.1:{served['port']}/\n"
    assert served["opened"] == [result.stdout.strip()]
    labels = tmp_path / "labels" / "reviewed.jsonl"
    assert f"2 reports, 37 units, 0 already reviewed, 0 failed; corrections go to {labels}" \
        in result.stderr
    assert "stopped; 0 reviewed units" in result.stderr
    assert "WARNING" not in result.stderr


def test_review_says_what_was_already_reviewed(run, served, reports, tiny_model_dir, tmp_path):
    labels = tmp_path / "mine.jsonl"
    labels.write_text(json.dumps({"report": "a.txt", "index": 0, "text": "某区人民检察院关于队伍建设情况的报告",
                                  "label": "other"}, ensure_ascii=False) + "\n{\"rep",
                      encoding="utf-8")
    result = run("review", reports, "--model", tiny_model_dir, "--labels", labels,
                 "--no-browser")
    assert result.exit_code == 0, result.output
    assert "1 already reviewed" in result.stderr
    assert "an unfinished last line (5 bytes) was dropped" in result.stderr
    assert served["opened"] == []


def test_review_on_another_host_warns_loudly(run, served, reports, tiny_model_dir):
    result = run("review", reports, "--model", tiny_model_dir, "--host", "0.0.0.0",
                 "--no-browser")
    assert result.exit_code == 0, result.output
    assert served["host"] == "0.0.0.0"
    assert "WARNING: serving on 0.0.0.0, not on this machine only" in result.stderr


def test_review_errors(run, reports, tiny_model_dir, tmp_path):
    result = run("review", "-", "--model", tiny_model_dir)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == \
        "Error: review reads report files or folders, not standard input (-)"
    result = run("review", tmp_path / "nothing.txt", "--model", tiny_model_dir, "--no-browser")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[0] == (
        f"topics: error: {tmp_path / 'nothing.txt'}: no such file or directory")
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {tmp_path / 'nothing.txt'}: no readable reports to review")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("oops\n{}\n", encoding="utf-8")
    result = run("review", reports, "--model", tiny_model_dir, "--labels", bad, "--no-browser")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {bad}, line 1: not a JSON record; fix or remove that " \
        "line (corrections before and after it are kept)\n"
    assert bad.read_text(encoding="utf-8") == "oops\n{}\n"


def test_review_on_a_busy_port_says_so(run, reports, tiny_model_dir):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("review", reports, "--model", tiny_model_dir, "--port", port,
                     "--no-browser")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot serve on 127.0.0.1:{port}: ")


@pytest.mark.parametrize("host", ["999.1.1.1", "a b", "a" * 300])
def test_review_on_a_host_that_is_no_address_is_a_usage_error(run, reports, tiny_model_dir,
                                                              host):
    result = run("review", reports, "--model", tiny_model_dir, "--no-browser", "--host", host)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Invalid value for '--host': {host!r} is not an address or a known host "
        f"name\n")
