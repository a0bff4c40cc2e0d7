"""Several real `vaxel serve` processes on one PostgreSQL database, and what tests
(and bench/multi.py) need around them: a live event reader, a client that
fails over between processes, and the checks on what the database recorded."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx


class ServeProcess:
    """`vaxel serve` on a free loopback port, as a separate OS process."""

    def __init__(self, database: str, workdir: Path, name: str) -> None:
        self.name = name
        ready = workdir / f"{name}.ready"
        self.log_path = workdir / f"{name}.log"
        env = {**os.environ, "VAXEL_SERVER_SIMULATE": "false"}
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "serve", "--port", "0", "--database", database, "--ready-file", str(ready), "--quiet"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        self.url = json.loads(ready.read_text())["url"]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def role(self) -> str | None:
        try:
            return httpx.get(self.url + "/healthz", timeout=2).json().get("queues")
        except httpx.HTTPError:
            return None

    def kill(self) -> None:
        """kill -9: no shutdown, no last writes."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def token(url: str, username: str) -> str:
    response = httpx.post(f"{url}/api/v1/auth/token", json={"username": username, "password": username}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


class FailoverClient:
    """Sends each request to one process, and to the next when that one is down or
    answers 503 (a takeover in progress), until `patience_s` has passed."""

    def __init__(self, urls: list[str], bearer: str, patience_s: float = 15.0) -> None:
        self.urls = urls
        self.patience_s = patience_s
        self.clients = [httpx.Client(base_url=u + "/api/v1", headers={"Authorization": f"Bearer {bearer}"}, timeout=10) for u in urls]
        self.retries = 0
        self._lock = threading.Lock()

    def send(self, method: str, path: str, json_body: dict | None = None, prefer: int = 0) -> httpx.Response:
        deadline = time.monotonic() + self.patience_s
        i = prefer
        while True:
            client = self.clients[i % len(self.clients)]
            try:
                response = client.request(method, path, json=json_body)
                if response.status_code != 503:
                    return response
            except httpx.TransportError:
                pass
            with self._lock:
                self.retries += 1
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {path}: no process answered for {self.patience_s} s")
            i += 1
            time.sleep(0.05)

    def close(self) -> None:
        for client in self.clients:
            client.close()


@dataclass
class EventLog:
    """Every event one process streams (reconnecting with Last-Event-ID), with arrival times."""

    url: str
    bearer: str
    events: list[tuple[int, str, dict, float]] = field(default_factory=list)
    reconnects: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> EventLog:
        self._thread = threading.Thread(target=self._run, daemon=True, name="event-log")
        self._thread.start()
        return self

    @property
    def last_id(self) -> int | None:
        return self.events[-1][0] if self.events else None

    def _run(self) -> None:
        while not self._stop.is_set():
            headers = {"Authorization": f"Bearer {self.bearer}"}
            if self.last_id is not None:
                headers["Last-Event-ID"] = str(self.last_id)
            try:
                with httpx.stream("GET", self.url + "/api/v1/events", headers=headers, timeout=httpx.Timeout(10, read=30)) as response:
                    kind, ident, data = None, None, None
                    for line in response.iter_lines():
                        if self._stop.is_set():
                            return
                        if line.startswith("event:"):
                            kind = line[6:].strip()
                        elif line.startswith("id:"):
                            ident = int(line[3:].strip())
                        elif line.startswith("data:"):
                            data = line[5:].strip()
                        elif line == "" and kind is not None:
                            if kind != "ping" and ident is not None:
                                self.events.append((ident, kind, json.loads(data or "{}"), time.monotonic()))
                            kind, ident, data = None, None, None
            except (httpx.HTTPError, ValueError):
                pass
            self.reconnects += 1
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()


def routing_violations(events: Iterable[tuple[int, str, dict]]) -> list[str]:
    """Calls offered while already ringing somewhere, agents offered two calls at
    once, calls answered twice, calls that ended twice — in the stored order."""
    ringing: dict[int, int] = {}  # call -> agent
    offered_to: dict[int, int] = {}  # agent -> call
    ended: set[int] = set()
    answered: set[int] = set()
    problems: list[str] = []
    for ident, kind, data in events:
        call_id = data.get("call_id") or (data.get("call") or {}).get("id")
        if kind == "call.offered":
            agent = data.get("agent_id") or (data.get("agent") or {}).get("id")
            if call_id in ringing:
                problems.append(f"event {ident}: call {call_id} offered to {agent} while ringing at {ringing[call_id]}")
            if agent in offered_to:
                problems.append(f"event {ident}: agent {agent} offered call {call_id} while call {offered_to[agent]} rang")
            ringing[call_id] = agent
            offered_to[agent] = call_id
        elif kind in ("call.answered", "call.rejected", "call.missed", "call.requeued", "call.ended", "call.left_queue"):
            agent = ringing.pop(call_id, None)
            if agent is not None and offered_to.get(agent) == call_id:
                del offered_to[agent]
            if kind == "call.answered":
                if call_id in answered:
                    problems.append(f"event {ident}: call {call_id} answered twice")
                answered.add(call_id)
            if kind == "call.ended":
                if call_id in ended:
                    problems.append(f"event {ident}: call {call_id} ended twice")
                ended.add(call_id)
    return problems
