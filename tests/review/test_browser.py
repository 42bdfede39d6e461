"""The review page driven in headless Chromium against a real ``topics review`` process."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.render.test_outputs import ARTIFACTS, _chromium

N_THEMES = 8


class Server:
    """``topics review`` in its own process, as an analyst starts it."""

    def __init__(self, reports, model_dir, labels, log):
        self.args = [sys.executable, "-m", "topics", "review", str(reports), "--model",
                     str(model_dir), "--labels", str(labels), "--no-browser"]
        self.log = log
        self.process = None
        self.url = None

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=log,
                                            text=True)
        line = self.process.stdout.readline()  # the address, once it is serving
        assert line.startswith("http://127.0.0.1:"), (line, self.log.read_text())
        self.url = line.strip()
        return self

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process.stdout.close()
        assert self.process.returncode == -signal.SIGKILL

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.process and not self.process.stdout.closed:
            self.process.stdout.close()


@pytest.fixture
def server(reports, tiny_model_dir, tmp_path):
    server = Server(reports, tiny_model_dir, tmp_path / "out" / "reviewed.jsonl",
                    tmp_path / "server.log")
    yield server
    server.stop()


@pytest.fixture
def browser():
    driver = _chromium()
    yield driver
    driver.quit()


def wait(predicate, timeout=30.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def open_page(browser, url, report=None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(url)
    wait(lambda: browser.execute_script("return document.body.dataset.ready === '1'"),
         message="the page to load")
    if report is not None:
        Select(browser.find_element(By.ID, "report-select")).select_by_index(report)
        wait(lambda: browser.execute_script(
            "var u=document.querySelector('.u.current');return u && u.dataset.r==arguments[0];",
            str(report)), message="the report to show")


def current(browser):
    return browser.execute_script(
        "var u=document.querySelector('.u.current');"
        "return [+u.dataset.u, u.dataset.theme, u.dataset.label];")


def settled(browser, reviewed):
    return browser.execute_script(
        "return document.querySelectorAll('.u.pending').length === 0 && "
        "document.getElementById('reviewed-count').textContent === arguments[0];", str(reviewed))


def labels_on_page(browser):
    return browser.execute_script(
        "var out={};document.querySelectorAll('.u').forEach(function(u){"
        "if(u.dataset.label){out[u.dataset.u]=u.dataset.label;}});return out;")


def file_records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def another_theme(themes, theme):
    """The key (1-8) of the theme after ``theme``: always a change."""
    return (themes.index(theme) + 1) % N_THEMES + 1


def test_twenty_keyboard_corrections_survive_sigkill(browser, server, taxonomy, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    server.start()
    open_page(browser, server.url, report=1)
    themes = taxonomy.ids
    keys = ActionChains(browser)
    # arrows move
    assert current(browser)[0] == 0
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    assert current(browser)[0] == 1
    keys.send_keys(Keys.ARROW_LEFT).perform()
    assert current(browser)[0] == 0
    expected = {}
    for _ in range(20):
        position, theme, label = current(browser)
        assert label == ""
        key = another_theme(themes, theme)
        expected[position] = themes[key - 1]
        ActionChains(browser).send_keys(str(key)).perform()  # labels, then moves on
    wait(lambda: settled(browser, 20), message="20 corrections saved")
    assert browser.find_element("id", "changed-count").text == "20"
    assert labels_on_page(browser) == {str(k): v for k, v in expected.items()}
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "review_report.png"))

    server.kill()  # no chance to flush or close anything
    labels = tmp_path / "out" / "reviewed.jsonl"
    records = file_records(labels)
    assert {r["index"]: r["label"] for r in records if r["report"] == "b.txt"} == expected
    assert len(records) == 20

    server.start()
    open_page(browser, server.url, report=1)
    assert labels_on_page(browser) == {str(k): v for k, v in expected.items()}
    assert browser.find_element("id", "reviewed-count").text == "20"
    # Enter accepts: the unit after the 20 is confirmed as the model labelled it
    ActionChains(browser).send_keys("n").perform()
    position, theme, _ = current(browser)
    assert position == 20
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait(lambda: settled(browser, 21), message="the accepted unit saved")
    assert browser.find_element("id", "changed-count").text == "20"
    assert file_records(labels)[-1]["label"] == theme


def test_two_tabs_correcting_at_once_lose_nothing(browser, server, taxonomy, tmp_path):
    server.start()
    themes = taxonomy.ids
    tabs, expected = [], {}
    # tab one labels units 0-11 of b.txt, tab two units 12-23, and both a.txt's first 6
    for start in (0, 12):
        if tabs:
            browser.switch_to.new_window("window")
        tabs.append(browser.current_window_handle)
        open_page(browser, server.url, report=1)
        browser.execute_script(
            "for(var i=0;i<arguments[0];i++){document.dispatchEvent(new KeyboardEvent("
            "'keydown',{key:'ArrowRight'}));}", start)
    go = browser.execute_script("return Date.now() + 1500;")
    for tab, start in zip(tabs, (0, 12), strict=True):
        browser.switch_to.window(tab)
        units = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.u'),"
            "function(u){return u.dataset.theme;});")
        keys = [another_theme(themes, units[start + k]) for k in range(12)]
        expected.update({start + k: themes[key - 1] for k, key in enumerate(keys)})
        # at the same moment in both tabs, twelve key presses in a burst: twelve requests
        browser.execute_script(
            "var keys=arguments[0];setTimeout(function(){keys.forEach(function(k){"
            "document.dispatchEvent(new KeyboardEvent('keydown',{key:String(k)}));});},"
            "arguments[1]-Date.now());", keys, go)
    labels = tmp_path / "out" / "reviewed.jsonl"
    wait(lambda: labels.exists() and len(file_records(labels)) == 24, message="24 records")
    for tab in tabs:
        browser.switch_to.window(tab)
        wait(lambda: browser.execute_script(
            "return document.querySelectorAll('.u.pending').length === 0"), message="saved")
        assert not browser.find_element("id", "banner").is_displayed()
    records = file_records(labels)
    assert {r["index"]: r["label"] for r in records} == expected
    open_page(browser, server.url, report=1)  # a reload shows what both tabs did
    assert labels_on_page(browser) == {str(k): v for k, v in expected.items()}
    assert browser.find_element("id", "reviewed-count").text == "24"
    # the queue mode: least sure first, across both reports, without the reviewed units
    browser.find_element("id", "mode-queue").click()
    wait(lambda: browser.execute_script(
        "return document.querySelector('#text.queue .u .where') !== null"), message="queue")
    queued = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('.u'),"
        "function(u){return [u.dataset.r, +u.dataset.u];});")
    assert queued and not any(r == "1" and u in expected for r, u in queued)
    browser.save_screenshot(str(ARTIFACTS / "review_queue.png"))


def test_a_request_from_another_origin_is_refused(browser, server, tmp_path):
    server.start()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!DOCTYPE html><title>elsewhere</title>", encoding="utf-8")
    other = ThreadingHTTPServer(("127.0.0.1", 0),
                                partial(SimpleHTTPRequestHandler, directory=str(site)))
    threading.Thread(target=other.serve_forever, daemon=True).start()
    # even with the page's token (as if it leaked), another site changes and reads nothing
    open_page(browser, server.url)
    token = browser.find_element("css selector", 'meta[name="csrf-token"]').get_attribute(
        "content")
    try:
        browser.get(f"http://127.0.0.1:{other.server_address[1]}/index.html")
        outcome = browser.execute_async_script("""
            var url=arguments[0], token=arguments[1], done=arguments[arguments.length-1];
            var out={};
            var body=JSON.stringify({r:0,u:0,label:'talent'});
            // a simple request, which browsers send without asking first
            fetch(url+'api/label',{method:'POST',mode:'no-cors',body:body,
                  headers:{'Content-Type':'text/plain','X-CSRF-Token':token}})
              .then(function(){out.simple='sent';},function(){out.simple='blocked';})
              .then(function(){return fetch(url+'api/label',{method:'POST',body:body,
                  headers:{'Content-Type':'application/json','X-CSRF-Token':token}});})
              .then(function(){out.json='answered';},function(){out.json='blocked';})
              .then(function(){return fetch(url+'api/state');})
              .then(function(){out.read='answered';},function(){out.read='blocked';})
              .then(function(){done(out);});
        """, server.url, token)
    finally:
        other.shutdown()
        other.server_close()
    # the other site may send, but reads nothing and changes nothing
    assert outcome["json"] == "blocked" and outcome["read"] == "blocked"
    assert not (tmp_path / "out" / "reviewed.jsonl").exists()
    open_page(browser, server.url)
    assert browser.find_element("id", "reviewed-count").text == "0"


def test_retrain_from_the_page_then_switch(browser, reports, tiny_model_dir, tiny_data, taxonomy,
                                           tmp_path):
    """The Retrain button, its progress and outcome, and the switch (a tiny model's training)."""
    from topics.bundle import load_model
    from topics.labels import load_labels
    from topics.review.app import create_app, make_server, server_url
    from topics.review.retrain import Retrainer, with_corrections
    from topics.review.session import open_review
    from topics.train import train_model

    def tiny(labels, progress):
        progress("training the tiny model")
        time.sleep(1.5)  # long enough for the page to show it running
        data = with_corrections(tiny_data, load_labels(labels, taxonomy))
        return train_model(taxonomy, data, seed=0, n_free_topics=1, evaluate=False)

    session = open_review(load_model(tiny_model_dir), [str(reports)], tmp_path / "r.jsonl")
    app = create_app(session, retrainer=Retrainer(session, tiny))
    server = make_server(app)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        open_page(browser, server_url("127.0.0.1", app.config["PORT"]), report=1)
        assert browser.find_element("id", "model-name").text == "tiny"
        for _ in range(6):  # the first six units of b.txt are about reform, says the analyst
            browser.execute_script(
                "document.dispatchEvent(new KeyboardEvent('keydown',{key:'7'}));")
        wait(lambda: settled(browser, 6), message="six labels saved")
        browser.find_element("id", "retrain-start").click()
        wait(lambda: "training" in browser.find_element("id", "retrain").text,
             message="the page to show the training")
        wait(lambda: browser.execute_script(
            "return document.getElementById('retrain').dataset.state === 'done'"), 60,
            message="the training to end")
        text = browser.find_element("id", "retrain").text
        assert "macro-F1" in text and "of 6" in text
        browser.save_screenshot(str(ARTIFACTS / "review_retrain.png"))
        old = session.model
        browser.find_element("id", "retrain-switch").click()
        wait(lambda: browser.find_element("id", "model-name").text.startswith("review-"),
             message="the switch")
        assert session.model is not old
        wait(lambda: browser.execute_script(
            "var u=document.querySelector('.u.current');return u && u.dataset.r==='1';"),
             message="the report relabelled")
        themes = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.u'),"
            "function(u){return u.dataset.theme;});")
        assert themes == [r.theme for r in session.reports[1].results]
    finally:
        server.close()
        thread.join(timeout=10)
        session.close()
