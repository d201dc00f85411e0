from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore  # noqa: F401
import httpx  # noqa: F401
import pytest
import yaml  # noqa: F401
from hypothesis import settings

# `--hypothesis-profile=fuzz-long` runs the fuzz tests longer (CI may choose it); it must be
# registered before hypothesis reads the option, so here rather than in the test module.
settings.register_profile("fuzz-long", max_examples=2_000, deadline=None)

# pytester's inline runs drop the modules they import. Imported here, these stay loaded, so
# classes keep one identity across runs: httpx maps httpcore's exceptions by class, and
# libyaml's C parser (never unloaded) builds nodes of the yaml.nodes classes it first saw.

pytest_plugins = ["pytester"]

WEATHER_TOOLS = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [celsius, fahrenheit]}
      required: [city]
  - name: get_time
    description: Current time in a time zone.
    parameters:
      type: object
      properties:
        tz: {type: string}
      required: [tz]
"""

MakeFile = Callable[..., Path]


@pytest.fixture
def make_spec(pytester: pytest.Pytester) -> MakeFile:
    """Write ``<name>.fncall.yaml``; ``tools=True`` prepends the weather tools header."""

    def make(name: str = "weather", *, body: str, tools: bool = True) -> Path:
        text = textwrap.dedent(body)
        if tools:
            text = WEATHER_TOOLS + text
        path = pytester.path / f"{name}.fncall.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return make


@pytest.fixture
def make_script(pytester: pytest.Pytester) -> MakeFile:
    """Write the scripted provider's file ``script.yaml`` (canned assistant turns)."""

    def make(body: str, name: str = "script.yaml") -> Path:
        path = pytester.path / name
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path

    return make


@pytest.fixture(params=[[], ["-n", "2"]], ids=["serial", "xdist"])
def plugin_args(request: pytest.FixtureRequest) -> list[str]:
    """Run an integration test serially and under pytest-xdist: the outcome must agree."""
    return list(request.param)


@pytest.fixture
def run_pytest(pytester: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    """Run pytest in a subprocess when xdist is asked for, inline otherwise."""

    def run(*args: str) -> pytest.RunResult:
        if "-n" in args:
            return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
        return pytester.runpytest("-p", "no:cacheprovider", *args)

    return run


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 that answers from a programmed queue.

    Each queued answer is ``(status, body, headers)``; ``body`` may be a dict (sent as
    JSON), bytes, or one of the actions ``"reset"`` (close the connection without an
    answer) and ``("sleep", seconds, answer)``. Requests are recorded as
    ``(path, headers, json_body)``. With an empty queue the server answers 500. Set
    ``responder(path, body)`` to answer from the request instead (order-free, for xdist).
    """

    def __init__(self) -> None:
        import http.server
        import threading

        self.answers: list[Any] = []
        self.responder: Callable[[str, Any], Any] | None = (
            None  # answers from the request
        )
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                server.requests.append((self.path, dict(self.headers), body))
                if server.responder is not None:
                    answer = server.responder(self.path, body)
                elif server.answers:
                    answer = server.answers.pop(0)
                else:
                    answer = (500, {}, {})
                self.answer(answer)

            do_GET = do_POST

            def answer(self, answer: Any) -> None:
                if answer == "reset":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if isinstance(answer, tuple) and answer and answer[0] == "sleep":
                    time.sleep(answer[1])
                    answer = answer[2]
                status, body, headers = answer
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def queue(self, *answers: Any) -> None:
        self.answers.extend(answers)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    yield server
    server.close()
