"""The playground's local web server: small JSON endpoints on the standard library.

Why ``http.server`` and ``json``: the page needs a dozen small JSON endpoints and three
static files on one machine, so a framework would add an install, a version to keep up
with and code to audit without adding anything the page uses; the standard library works
offline and is there wherever rosenblatt runs. ``ThreadingHTTPServer`` answers each request
in its own thread; each session has a lock, so one tab's requests run one at a time.

Endpoints (``S``: the session token the page makes per browser tab, 8-64 characters of
``[A-Za-z0-9_-]``; a new token starts a new session with the default settings)::

    GET  /                            the page; /static/app.js, /static/style.css
    GET  /api/options                 allowed values, ranges, defaults and caps
    GET  /api/state?session=S         settings, task, classes, points, losses, network
    GET  /api/heatmap?session=S&resolution=50&neurons=20
                                      the output over the plane (and every unit's)
    GET  /api/model?session=S         the network as a safetensors file (``rb.load``)
    GET  /api/recipe?session=S        the TOML recipe ``rosenblatt train`` runs to it
    GET  /api/data?session=S          the data CSV that recipe reads
    POST /api/config  {"session": S, "config": {...}}            -> state
    POST /api/reset   {"session": S}                             -> state
    POST /api/step    {"session": S, "epochs": 1..100}           -> summary (+ "stopped")
    POST /api/weight  {"session": S, "layer": l, "row": i, "col": j or "bias",
                       "value": v}                               -> summary
    POST /api/upload  {"session": S, "name": "file.csv", "csv": "..."}  -> state

Errors are JSON ``{"error": message, "field": name, "expected": ..., "got": ...}`` with
status 400 (a bad value), 403 (a request from another site: Host or Origin not this
server), 404, 405, 411, 413 (a body over ``MAX_BODY`` or a CSV over 1 MiB).

Safe by default: it binds 127.0.0.1, answers only requests addressed to it by a local
name (no DNS rebinding) and POSTs from its own page (no cross-site requests), reads no
body over the limit, validates every parameter, and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import sys
import tempfile
import threading
import traceback
import webbrowser
from collections import OrderedDict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .config import ConfigError, integer, options
from .session import DATA_FILE, Session

__all__ = ["MAX_BODY", "PlaygroundServer", "make_server", "run_server", "serve"]

MAX_BODY = 2 * 1024 * 1024  # a 1 MiB CSV upload, JSON-escaped, fits
MAX_SESSIONS = 32
MAX_EPOCHS_PER_STEP = 100
_SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
_LOCAL_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
_STATIC = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class PlaygroundServer(ThreadingHTTPServer):
    """The HTTP server and the sessions it holds (at most ``MAX_SESSIONS``, the least
    recently used one is dropped), each in its own temporary folder."""

    daemon_threads = True

    def __init__(self, host: str, port: int) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.host = host
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self._sessions_lock = threading.Lock()
        self._tmp = Path(tempfile.mkdtemp(prefix="rosenblatt-playground-"))
        super().__init__((host, port), _Handler)  # a failed bind calls server_close

    @property
    def url(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::") else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.server_port}/"

    def session(self, token: Any) -> Session:
        """The session of ``token`` (created with default settings when new)."""
        if not isinstance(token, str) or not _SESSION.fullmatch(token):
            raise ConfigError("session", "8 to 64 characters of A-Z a-z 0-9 _ -", token)
        with self._sessions_lock:
            found = self.sessions.get(token)
            if found is not None:
                self.sessions.move_to_end(token)
                return found
            while len(self.sessions) >= MAX_SESSIONS:
                old, _ = self.sessions.popitem(last=False)
                shutil.rmtree(self._tmp / old, ignore_errors=True)
            folder = self._tmp / token
            folder.mkdir(exist_ok=True)
            session = self.sessions[token] = Session(folder)
            return session

    def server_close(self) -> None:
        super().server_close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def _query_int(query: dict[str, list[str]], name: str, lo: int, hi: int, default: int) -> int:
    values = query.get(name)
    if not values:
        return default
    text = values[0]
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(name, f"an integer in [{lo}, {hi}]", text) from None
    return integer(lo, hi)(value, name)


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    protocol_version = "HTTP/1.1"
    server_version = "rosenblatt-playground"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass  # a quiet terminal; errors go to the page

    # ------------------------------------------------------------------ responses
    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", _CSP)
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, payload: Any, status: int = 200) -> None:
        body = json.dumps(payload, allow_nan=False).encode("utf-8")
        self._send(status, body, "application/json")

    def _error(
        self,
        status: int,
        message: str,
        field: str | None = None,
        expected: str | None = None,
        got: Any = None,
    ) -> None:
        self._json({"error": message, "field": field, "expected": expected, "got": got}, status)

    def _download(self, body: bytes, content_type: str, filename: str) -> None:
        self._send(
            200, body, content_type, Content_Disposition=f'attachment; filename="{filename}"'
        )

    # ------------------------------------------------------------------ checks
    def _foreign(self) -> str | None:
        """Why this request is not from the page of this server (None if it is)."""
        if self.server.host in ("0.0.0.0", "::"):
            return None
        host = self.headers.get("Host", "")
        name = urlsplit(f"//{host}").hostname or ""
        if name not in _LOCAL_NAMES and name != self.server.host.strip("[]"):
            return f"Host {host!r} is not this playground (open {self.server.url})"
        origin = self.headers.get("Origin")
        if self.command == "POST" and origin is not None and urlsplit(origin).netloc != host:
            return f"a request from another site ({origin}) is refused"
        return None

    def _body(self) -> dict[str, Any]:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise ConfigError(
                None,
                "a Content-Length header",
                length,
                "a POST needs a Content-Length header",
                status=411,
            )
        n = int(length)
        if n > MAX_BODY:
            self.close_connection = True
            if n <= 32 * MAX_BODY:  # read it away, so the client sees the answer, not a reset
                left = n
                while left > 0:
                    left -= len(self.rfile.read(min(65536, left))) or left
            raise ConfigError(
                None,
                f"at most {MAX_BODY} bytes",
                n,
                f"the request body is {n} bytes; the limit is {MAX_BODY // (1024 * 1024)} MiB "
                "(an uploaded CSV file may have at most 1 MiB)",
                status=413,
            )
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ConfigError(None, "a JSON object", None, f"the body is not JSON: {e}") from e
        if not isinstance(body, dict):
            raise ConfigError(None, "a JSON object", body, "the body must be a JSON object")
        return body

    # ------------------------------------------------------------------ dispatch
    def _handle(self, routes: dict[str, Callable[..., None]], *args: Any) -> None:
        path = urlsplit(self.path).path
        why = self._foreign()
        if why is not None:
            self._error(403, why)
            return
        route = routes.get(path)
        if route is None:
            other = _POST if routes is _GET else _GET
            if path in other:
                self._error(405, f"{path} takes {'POST' if other is _POST else 'GET'}")
            else:
                self._error(404, f"no such page or endpoint: {path}")
            return
        try:
            route(self, *args)
        except ConfigError as e:
            self._json(e.to_json(), e.status)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as e:  # a bug: say so in the page, show the traceback here
            traceback.print_exc()
            self._error(500, f"internal error (a bug in rosenblatt): {type(e).__name__}: {e}")

    def do_GET(self) -> None:
        if urlsplit(self.path).path.startswith("/static/"):
            self._handle({urlsplit(self.path).path: _static})
        else:
            self._handle(_GET)

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self._handle(_POST)

    def _not_allowed(self) -> None:
        self._error(405, f"{self.command} is not supported: use GET or POST")

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    # ------------------------------------------------------------------ helpers
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    def get_session(self) -> Session:
        return self.server.session(self.query().get("session", [None])[0])


# ============================================================================ routes
def _static(h: _Handler) -> None:
    name = urlsplit(h.path).path.rsplit("/", 1)[-1] or "index.html"
    if name not in _STATIC:
        h._error(404, f"no such file: {name}")
        return
    body = resources.files(__package__).joinpath("static", name).read_bytes()
    h._send(200, body, _STATIC[name])


def _state(h: _Handler) -> None:
    s = h.get_session()
    with s.lock:
        h._json(s.state())


def _heatmap(h: _Handler) -> None:
    q = h.query()
    resolution = _query_int(q, "resolution", 10, 200, 50)
    neurons = _query_int(q, "neurons", 0, 40, 0)
    s = h.get_session()
    with s.lock:
        h._json({"epoch": s.epoch, **s.heatmap(resolution, neurons)})


def _model(h: _Handler) -> None:
    s = h.get_session()
    with s.lock:
        body = s.model_bytes()
    h._download(body, "application/octet-stream", "playground-model.safetensors")


def _recipe(h: _Handler) -> None:
    s = h.get_session()
    with s.lock:
        text = s.recipe_text()
    h._download(text.encode("utf-8"), "application/toml; charset=utf-8", "playground-recipe.toml")


def _data(h: _Handler) -> None:
    s = h.get_session()
    with s.lock:
        text = s.csv
    h._download(text.encode("utf-8"), "text/csv; charset=utf-8", DATA_FILE)


def _fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [k for k in body if k not in allowed]
    if unknown:
        raise ConfigError(
            unknown[0],
            f"one of the fields {', '.join(allowed)}",
            unknown[0],
            f"unknown field {unknown[0]!r}; this endpoint takes {', '.join(allowed)}",
        )


def _post_config(h: _Handler) -> None:
    body = h._body()
    _fields(body, ("session", "config"))
    s = h.server.session(body.get("session"))
    with s.lock:
        s.configure(body.get("config", {}))
        h._json(s.state())


def _post_reset(h: _Handler) -> None:
    body = h._body()
    _fields(body, ("session",))
    s = h.server.session(body.get("session"))
    with s.lock:
        s.reset()
        h._json(s.state())


def _post_step(h: _Handler) -> None:
    body = h._body()
    _fields(body, ("session", "epochs"))
    epochs = integer(1, MAX_EPOCHS_PER_STEP)(body.get("epochs", 1), "epochs")
    s = h.server.session(body.get("session"))
    with s.lock:
        first = s.epoch
        stopped = s.step(epochs)
        h._json(
            {
                **s.summary(),
                "loss": {k: v[first + 1 :] for k, v in s.history.items()},
                "stopped": stopped,
            }
        )


def _post_weight(h: _Handler) -> None:
    body = h._body()
    _fields(body, ("session", "layer", "row", "col", "value"))
    s = h.server.session(body.get("session"))
    with s.lock:
        s.set_parameter(body.get("layer"), body.get("row"), body.get("col"), body.get("value"))
        h._json(s.summary())


def _post_upload(h: _Handler) -> None:
    body = h._body()
    _fields(body, ("session", "name", "csv"))
    s = h.server.session(body.get("session"))
    with s.lock:
        s.upload_csv(body.get("name"), body.get("csv"))
        h._json(s.state())


_GET: dict[str, Callable[..., None]] = {
    "/": _static,
    "/index.html": _static,
    "/favicon.ico": lambda h: h._send(204, b"", "image/x-icon"),
    "/api/options": lambda h: h._json(options()),
    "/api/state": _state,
    "/api/heatmap": _heatmap,
    "/api/model": _model,
    "/api/recipe": _recipe,
    "/api/data": _data,
}
_POST: dict[str, Callable[..., None]] = {
    "/api/config": _post_config,
    "/api/reset": _post_reset,
    "/api/step": _post_step,
    "/api/weight": _post_weight,
    "/api/upload": _post_upload,
}


# ============================================================================ running
def make_server(host: str = "127.0.0.1", port: int = 8765) -> PlaygroundServer:
    """Bind the playground's server (port 0: a free port); ``server.url`` is its address.

    Raises
    ------
    OSError
        The address cannot be bound (the port is taken, the host is not this machine's).
    """
    return PlaygroundServer(host, port)


def run_server(server: PlaygroundServer, open_browser: bool = True) -> int:
    """Serve until Ctrl-C; open the page in the default browser first. Returns 0."""
    print(f"rosenblatt playground: {server.url}  (Ctrl-C stops it)", flush=True)
    if server.host not in _LOCAL_NAMES:
        print(f"note: listening on {server.host}, reachable from other machines", file=sys.stderr)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [server.url]).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nplayground stopped", flush=True)
    finally:
        server.server_close()
    return 0


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> int:
    """Start the playground at http://host:port/ and serve until Ctrl-C.

    >>> # rosenblatt.playground.serve(port=8765)   # then open http://127.0.0.1:8765/
    """
    return run_server(make_server(host, port), open_browser=open_browser)
