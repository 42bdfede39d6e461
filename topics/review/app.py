"""The review web application: Flask, served by waitress, for one analyst on this machine.

Safety, as a local server that holds the analyst's reports must have it:

- every request must name this server in ``Host`` (a page on another site that makes its
  name resolve to 127.0.0.1 -- DNS rebinding -- is refused);
- a request that changes something (POST) must come from this server's own page: its
  ``Origin`` (when the browser sends one) must be this server, ``Sec-Fetch-Site`` must not be
  cross-site, and it must carry the token of this run, which only the page knows;
- the page loads only its own script and style (a Content-Security-Policy forbids the
  rest), may not be framed, and every text is inserted as text, never as markup;
- reports and units are addressed by position in the server's own list: no path comes
  from the browser.
"""

from __future__ import annotations

import gc
import hmac
import ipaddress
import secrets
import warnings
from importlib import resources
from pathlib import Path

from flask import Flask, abort, jsonify, request

from ..errors import TopicsError, UsageError
from ..render.html import theme_colors
from .retrain import Retrainer
from .session import ReviewSession

#: Hosts that reach only this machine.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; "
                               "img-src 'self' data:; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) reaches only this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed_hosts(host: str, port: int) -> set[str] | None:
    """The ``Host`` headers that name this server; None accepts any (a wildcard bind)."""
    if host in ("0.0.0.0", "::", ""):
        return None
    names = {host, *LOOPBACK_NAMES} if is_loopback(host) else {host}
    allowed = set()
    for name in names:
        shown = f"[{name}]" if ":" in name else name
        allowed.update({f"{shown}:{port}", shown} if port == 80 else {f"{shown}:{port}"})
    return allowed


def create_app(session: ReviewSession, host: str = "127.0.0.1", port: int = 0,
               token: str | None = None, retrainer: Retrainer | None = None) -> Flask:
    """The application of a review; ``host`` and ``port`` are where it is served.

    ``port`` may be set later, once the server has bound one (``app.config["PORT"]``).
    ``retrainer`` retrains from the page (default: the shipped data plus the labels file).
    """
    retrainer = retrainer or Retrainer(session)
    app = Flask(__name__, static_folder=None)
    app.config.update(HOST=host, PORT=port, TOKEN=token or secrets.token_urlsafe(32),
                      MAX_CONTENT_LENGTH=64 * 1024)
    app.json.ensure_ascii = False
    static = resources.files(__package__) / "static"
    colors = theme_colors(session.taxonomy)

    @app.before_request
    def check_origin():
        allowed = _allowed_hosts(app.config["HOST"], app.config["PORT"])
        if allowed is not None and request.host not in allowed:
            abort(403, "this server answers only to its own address")
        if request.method in ("GET", "HEAD"):
            return None
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            abort(403, "request from another origin")
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            abort(403, "request from another site")
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent.encode(), app.config["TOKEN"].encode()):
            abort(403, "missing or stale page token: reload the page")
        return None

    @app.after_request
    def secure(response):
        response.headers.update(_HEADERS)
        return response

    @app.errorhandler(403)
    @app.errorhandler(400)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(409)
    @app.errorhandler(413)
    @app.errorhandler(500)
    def refused(error):
        return jsonify(error=error.description), error.code

    def asset(name: str, mimetype: str):
        return app.response_class((static / name).read_bytes(), mimetype=mimetype)

    @app.get("/")
    def page():
        html = (static / "review.html").read_text(encoding="utf-8")
        return app.response_class(html.replace("{{TOKEN}}", app.config["TOKEN"]),
                                  mimetype="text/html")

    @app.get("/static/review.js")
    def script():
        return asset("review.js", "text/javascript")

    @app.get("/static/review.css")
    def style():
        return asset("review.css", "text/css")

    @app.get("/api/state")
    def state():
        taxonomy = session.taxonomy
        return jsonify(
            themes=[{"id": t.id, "name_zh": t.name_zh, "name_en": t.name_en,
                     "color": colors[t.id]} for t in taxonomy.themes],
            reports=[{"name": r.name, "units": len(r.results)} for r in session.reports],
            labels_file=str(session.store.path), progress=session.progress(),
            model=_model_name(session))

    @app.get("/api/report/<int:number>")
    def report(number: int):
        if number >= len(session.reports):
            abort(404, f"no report {number} in this review")
        return jsonify(name=session.reports[number].name, units=session.report_units(number))

    @app.get("/api/queue")
    def queue():
        limit = request.args.get("limit", 50, type=int)
        return jsonify(units=session.queue(max(1, min(limit or 50, 1000))))

    @app.post("/api/label")
    def label():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, "expected a JSON object")
        try:
            unit = session.label(body.get("r"), body.get("u"), body.get("label"))
        except UsageError as exc:
            abort(400, str(exc))
        except TopicsError as exc:  # the labels file cannot be written: say so, unsaved
            abort(500, str(exc))
        return jsonify(unit=unit, progress=session.progress())

    @app.get("/api/retrain")
    def retrain_status():
        return jsonify(retrainer.status())

    @app.post("/api/retrain")
    def retrain():
        try:
            return jsonify(retrainer.start())
        except UsageError as exc:
            abort(409, str(exc))

    @app.post("/api/retrain/<choice>")
    def retrain_choice(choice: str):
        try:
            if choice == "switch":
                retrainer.switch()
            elif choice == "keep":
                retrainer.keep()
            else:
                abort(404, f"no such choice {choice!r}")
        except UsageError as exc:
            abort(409, str(exc))
        return jsonify(retrain=retrainer.status(), progress=session.progress(),
                       model=_model_name(session))

    return app


def _model_name(session: ReviewSession) -> str:
    """The model in use, as the page names it (its folder's name)."""
    path = session.model.path
    return Path(path).name if path else "(unsaved)"


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 0, threads: int = 4):
    """A waitress server of ``app`` bound to ``host:port`` (0: a free port); ``.run()`` it.

    The bound port is set in the app (its ``Host`` check needs it) and is the server's
    ``effective_port``.
    """
    from waitress import create_server

    try:
        server = create_server(app, host=host, port=port, threads=threads,
                               ident="topics-review", clear_untrusted_proxy_headers=True)
    except OSError as exc:
        failure = OSError(exc.errno, exc.strerror)
    else:
        app.config["HOST"], app.config["PORT"] = host, int(server.effective_port)
        return server
    # waitress leaves the socket of a failed bind to the garbage collector: close it now
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    raise failure


def server_url(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"
