"""`SandboxServer`: the X API v2 sandbox over real HTTP, standalone or in a background thread."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.clock import Clock
from bot.sandbox.admin import handle_admin
from bot.sandbox.config import SandboxConfig
from bot.sandbox.core import SandboxState
from bot.sandbox.faults import Fault
from bot.sandbox.messages import Request, Response
from bot.sandbox.pipeline import handle_api

MAX_BODY = 1 << 20


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        self.state = state
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone mid-response (a killed bot, a client timeout) is routine here: no traceback on stderr."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed
    # ACK of the headers, adding 40 ms to every response on a keep-alive connection.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def version_string(self) -> str:
        return "brandbot-sandbox"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request.build(self.command, self.path, headers, body)
        state = self.server.state
        if request.path.startswith("/_sandbox/"):
            response = handle_admin(state, request)
        else:
            response = handle_api(state, request)
            latency = state.faults.settings.latency_ms
            if latency > 0:
                self.server.stopping.wait(latency / 1000)
        if response.fault is not Fault.NONE:
            if response.fault is Fault.TIMEOUT:
                self.server.stopping.wait(state.faults.settings.timeout_hold_seconds)
            self.close_connection = True
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        # A lone surrogate (a JSON `\ud800` escape sent in) cannot be UTF-8: written back as the same escape.
        text = "" if response.body is None else json.dumps(response.body, ensure_ascii=False)
        payload = text.encode("utf-8", "backslashreplace")
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PUT = _serve  # noqa: N815 - http.server's naming


class SandboxServer:
    """The sandbox: `start()` binds (port 0 picks a free one) and serves in a daemon thread; `stop()` ends it."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.state = SandboxState(config, clock)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        """Bind and serve in the background; returns self."""
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self.config.host, self.config.port), self.state)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="x-sandbox", daemon=True
        )
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the sandbox is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:54321`."""
        host = self.config.host if self.config.host not in ("0.0.0.0", "") else "127.0.0.1"  # noqa: S104
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop serving and release the port (held timeouts are released at once)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
