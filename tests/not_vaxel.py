"""A loopback HTTP server that is not a Vaxel server: what a console or a
script meets behind a captive portal, a wrong URL behind nginx, or another
service on the port. Every request gets the same kind of answer (`kind`):

- "html": 200 with an HTML page,
- "shape": 200 with JSON of another shape (an object where a list is due, no
  access_token, …),
- "redirect": 302 to a login page,
- "json-html": 200 that says application/json and is HTML.

A true edge, so a fake: nothing in it is Vaxel's.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HTML = b"<!doctype html><html><head><title>Welcome</title></head><body>Sign in to the Wi-Fi</body></html>"


class NotVaxel:
    def __init__(self, kind: str = "html") -> None:
        self.kind = kind
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.paths.append(f"{self.command} {self.path}")
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                if outer.kind == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://portal.example/login")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if outer.kind == "shape":
                    body, ctype = json.dumps({"status": "ok", "items": "none", "token": "x"}).encode(), "application/json"
                elif outer.kind == "json-html":
                    body, ctype = HTML, "application/json"
                else:
                    body, ctype = HTML, "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="not-vaxel", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> NotVaxel:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
