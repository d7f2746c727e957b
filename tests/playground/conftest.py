"""A playground server on a free port (in this process) and a small JSON client for it."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from rosenblatt.playground import make_server


class Client:
    """JSON requests to the playground at ``base`` for one session token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = uuid.uuid4().hex

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path: str, **query: Any) -> tuple[int, Any]:
        """GET path?session=...&query; (status, JSON or bytes)."""
        params = "&".join(f"{k}={v}" for k, v in {"session": self.session, **query}.items())
        status, headers, body = self.request("GET", f"{path}?{params}")
        is_json = headers.get("Content-Type", "").startswith("application/json")
        return status, json.loads(body) if is_json else body

    def post(self, path: str, **fields: Any) -> tuple[int, Any]:
        """POST {"session": ..., **fields}; (status, JSON)."""
        body = json.dumps({"session": self.session, **fields}).encode()
        status, _, raw = self.request("POST", path, body, {"Content-Type": "application/json"})
        return status, json.loads(raw)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        status, out = (self.get if method == "GET" else self.post)(path, **kw)
        assert status == 200, out
        return out

    def config(self, **settings: Any) -> dict[str, Any]:
        return self.ok("POST", "/api/config", config=settings)

    def step(self, epochs: int) -> dict[str, Any]:
        return self.ok("POST", "/api/step", epochs=epochs)


@pytest.fixture(scope="module")
def server():
    srv = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def make_client(server):
    """Makes clients, each with a fresh session (default settings)."""
    return lambda: Client(server.url.rstrip("/"))


@pytest.fixture
def client(make_client) -> Client:
    """A client with a fresh session (default settings)."""
    return make_client()
