#!/usr/bin/env python3
"""Benchmarks of pytest-fncall's scale targets (issue 6); prints figures and ratios.

    python benchmarks/bench_scale.py                 # all three
    python benchmarks/bench_scale.py concurrency --cases 96 --latency 0.25 --concurrency 16
    python benchmarks/bench_scale.py replay --cases 7000
    python benchmarks/bench_scale.py startup

- concurrency: a stand-in OpenAI-compatible server on loopback answers every request after
  LATENCY seconds; N cases run with --fncall-concurrency=C. "model time" is measured at the
  server, from the first request's arrival to the last answer (pytest's start-up excluded),
  and compared with the ideal N·L/C.
- replay: N cases replayed from a cassette (--fncall-record-mode=none) against N plain
  pytest functions that do nothing; the difference per case is the plugin's overhead.
- startup: `pytest --collect-only` in an empty folder with the plugin installed against
  `-p no:fncall` (best of several runs).
Times depend on the machine; the ratios are what the targets are about.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOOLS = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties: {city: {type: string}}
      required: [city]
cases:
"""


def write_spec(folder: Path, cases: int) -> Path:
    lines = [TOOLS]
    for i in range(cases):
        lines.append(
            f"  - id: case{i}\n    prompt: Weather in city {i}?\n"
            f"    expect: {{call: get_weather, args: {{city: city{i}}}}}\n"
        )
    path = folder / "bench.fncall.yaml"
    path.write_text("".join(lines))
    return path


def answer_for(prompt: str) -> dict[str, object]:
    city = "city" + prompt.rsplit(" ", 1)[-1].rstrip("?")
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": city})},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {"choices": [{"message": message, "finish_reason": "tool_calls"}]}


class StandInServer:
    """OpenAI-compatible enough: answers the expected call after `latency` seconds."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.first_arrival: float | None = None
        self.last_answer = 0.0
        self.requests = 0
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = (
                True  # headers and body go out at once, as real servers do
            )

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                arrived = time.perf_counter()
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with server.lock:
                    server.requests += 1
                    if server.first_arrival is None:
                        server.first_arrival = arrived
                time.sleep(server.latency)
                payload = json.dumps(
                    answer_for(body["messages"][-1]["content"])
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                with server.lock:
                    server.last_answer = max(server.last_answer, time.perf_counter())

        http.server.ThreadingHTTPServer.request_queue_size = 256
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def run_pytest(folder: Path, *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"pytest failed ({result.returncode}):\n{result.stdout[-3000:]}")
    return elapsed


def concurrency(cases: int, latency: float, limit: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        write_spec(folder, cases)
        server = StandInServer(latency)
        try:
            wall = run_pytest(
                folder,
                "--fncall-model=openai/bench",
                f"--fncall-base-url={server.url}",
                f"--fncall-concurrency={limit}",
            )
        finally:
            server.close()
        assert server.first_arrival is not None
        model_time = server.last_answer - server.first_arrival
        ideal = cases * latency / limit
        print(
            f"concurrency: {cases} cases, latency {latency * 1000:.0f} ms, concurrency {limit}"
        )
        print(f"  requests served      {server.requests}")
        print(
            f"  model time           {model_time:.2f} s (first request to last answer)"
        )
        print(f"  ideal N*L/C          {ideal:.2f} s")
        print(f"  ratio                {model_time / ideal:.3f}x  (target <= 1.15x)")
        print(f"  whole pytest run     {wall:.2f} s (start-up included)")


def replay(cases: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        write_spec(folder, cases)
        server = StandInServer(latency=0.0)
        try:  # record the cassette once, against the stand-in server
            run_pytest(
                folder,
                "--fncall-model=openai/bench",
                f"--fncall-base-url={server.url}",
                "--fncall-record-mode=once",
                "--fncall-concurrency=16",
            )
        finally:
            server.close()
        plain = folder / "plain"
        plain.mkdir()
        (plain / "test_plain.py").write_text(
            f"import pytest\n\n@pytest.mark.parametrize('i', range({cases}))\n"
            "def test_nothing(i):\n    pass\n"
        )
        fncall_runs = [
            run_pytest(
                folder,
                "bench.fncall.yaml",
                "--fncall-model=openai/bench",
                "--fncall-record-mode=none",
            )
            for _ in range(3)
        ]
        plain_runs = [run_pytest(plain) for _ in range(3)]
        replay_time, plain_time = min(fncall_runs), min(plain_runs)
        per_case_ms = (replay_time - plain_time) / cases * 1000
        print(
            f"replay: {cases} cases from a cassette vs {cases} empty pytest functions"
        )
        print(f"  replay run           {replay_time:.2f} s  (target < 20 s for 7,000)")
        print(f"  plain pytest run     {plain_time:.2f} s")
        print(f"  overhead per case    {per_case_ms:.3f} ms  (target <= 1 ms)")


def startup(runs: int = 15) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        (folder / "pytest.ini").write_text("[pytest]\n")

        def best(*args: str) -> float:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
                    cwd=folder,
                    capture_output=True,
                )
                times.append(time.perf_counter() - started)
            return statistics.median(sorted(times)[: runs // 2 + 1])

        without = best("-p", "no:fncall")
        with_plugin = best()
        import_us = []
        for _ in range(runs):
            report = subprocess.run(
                [
                    sys.executable,
                    "-X",
                    "importtime",
                    "-c",
                    "import pytest; import pytest_fncall.plugin",
                ],
                capture_output=True,
                text=True,
            ).stderr
            line = [
                row
                for row in report.splitlines()
                if row.endswith("pytest_fncall.plugin")
            ]
            import_us.append(int(line[-1].split("|")[1]))
        print(
            f"  importing pytest_fncall.plugin after pytest: "
            f"{statistics.median(import_us) / 1000:.1f} ms (median of {runs}; -X importtime)"
        )
        print(
            f"startup: pytest --collect-only in an empty folder (median of the best runs of {runs})"
        )
        print(f"  without the plugin   {without * 1000:.1f} ms")
        print(f"  with the plugin      {with_plugin * 1000:.1f} ms")
        print(
            f"  cost                 {(with_plugin - without) * 1000:+.1f} ms  (target <= 15 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=["all", "concurrency", "replay", "startup"],
    )
    parser.add_argument("--cases", type=int)
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if arguments.what in ("all", "concurrency"):
        concurrency(arguments.cases or 96, arguments.latency, arguments.concurrency)
    if arguments.what in ("all", "replay"):
        replay(arguments.cases or 7000)
    if arguments.what in ("all", "startup"):
        startup()


if __name__ == "__main__":
    main()
