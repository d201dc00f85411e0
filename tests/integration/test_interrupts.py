"""Interrupted and concurrent recording: Ctrl-C (SIGINT) or ``-x`` in the middle of a
live run leaves only whole, valid cassettes (or none), no temporary file, no process
and no thread of pytest-fncall; pytest exits with its interrupt code; the next run
resumes where the first stopped. Two xdist workers recording into one cassette keep
every exchange.

These start real ``pytest`` processes (a signal to an inline run would hit the test
session itself), each in a session of its own, so that Ctrl-C can be sent the way a
terminal sends it (to the whole process group) and every process it started can be
found afterwards (``/proc``: same session or process group).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_fncall.cassettes import CASSETTE_DIR, Cassette, request_key
from pytest_fncall.files import write_atomically
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.results import ModelTurn

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or sys.platform == "win32",
    reason="needs POSIX signals and /proc",
)

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
CASE = """\
  - id: c{i}
    prompt: Weather in City{i}?
    expect: {{call: get_weather, args: {{city: City{i}}}}}
"""
# Records, at unconfigure (after pytest-fncall's own clean-up), the threads still alive.
THREAD_PROBE = """\
import json, os, threading
from pathlib import Path

import pytest


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    names = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    Path(os.environ["FNCALL_THREADS_DIR"], worker + ".json").write_text(json.dumps(names))
"""
OUR_THREADS = ("pytest-fncall", "asyncio_")  # the scheduler, the loop's executor
KEY = "sk-interrupt-test-0123456789"


def weather_reply(path: str, body: Any, delay: float) -> Any:
    city = body["messages"][-1]["content"].split()[-1].rstrip("?")
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": city})},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    reply = (
        200,
        {"choices": [{"message": message, "finish_reason": "tool_calls"}]},
        {},
    )
    return ("sleep", delay, reply)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    (tmp_path / "threads").mkdir()
    return tmp_path / "project"


def write_spec(project: Path, cases: int) -> list[str]:
    text = TOOLS + "".join(CASE.format(i=i) for i in range(cases))
    (project / "weather.fncall.yaml").write_text(text, encoding="utf-8")
    (project / "conftest.py").write_text(THREAD_PROBE, encoding="utf-8")
    return [f"c{i}" for i in range(cases)]


def start_pytest(project: Path, server: Any, *args: str) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--fncall-model=openai/m",
        f"--fncall-base-url={server.url}/v1",
        "--fncall-record-mode=once",
        *args,
    ]
    environment = {
        **os.environ,
        "OPENAI_API_KEY": KEY,
        "FNCALL_THREADS_DIR": str(project.parent / "threads"),
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("PYTEST_ADDOPTS", None)
    environment.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.Popen(
        command,
        cwd=project,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a shell job has
    )


def run_pytest(project: Path, server: Any, *args: str) -> tuple[int, str]:
    process = start_pytest(project, server, *args)
    output, _ = process.communicate(timeout=120)
    return process.returncode, output


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def processes_of(session: int) -> list[str]:
    """Live processes in the session or process group ``session`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        state, _, group, sid = stat.rsplit(")", 1)[1].split()[:4]
        if state != "Z" and session in (int(group), int(sid)):
            found.append(f"{entry.name}: {stat[:120]}")
    return found


def cassette_exchanges(project: Path) -> list[dict[str, Any]]:
    """Every exchange on disk; asserts that each file there is a whole cassette."""
    folder = project / CASSETTE_DIR
    if not folder.exists():
        return []
    exchanges = []
    for path in folder.iterdir():
        assert not path.name.startswith("."), f"temporary file left: {path.name}"
        document = json.loads(path.read_text(encoding="utf-8"))  # whole JSON
        assert document["version"] == 1
        exchanges.extend(document["exchanges"])
    return exchanges


def assert_no_thread_left(project: Path) -> None:
    probes = list((project.parent / "threads").glob("*.json"))
    assert any(p.name == "main.json" for p in probes), "the run did not unconfigure"
    for probe in probes:
        names = json.loads(probe.read_text())
        ours = [name for name in names if name.startswith(OUR_THREADS)]
        assert ours == [], f"{probe.stem}: threads still alive: {ours}"
        probe.unlink()


@pytest.mark.parametrize("plugin_args", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_sigint_while_recording_leaves_whole_cassettes_and_the_next_run_resumes(
    project, loopback_server, plugin_args
):
    cases = write_spec(project, 8)
    loopback_server.responder = lambda path, body: weather_reply(path, body, 0.4)
    workers = 2 if plugin_args else 1
    process = start_pytest(
        project, loopback_server, "--fncall-concurrency=1", *plugin_args
    )
    try:
        # Interrupt once some exchanges were answered and others are in flight.
        wait_for(
            lambda: len(loopback_server.requests) >= 2 * workers + 1,
            60,
            "the first model requests",
        )
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == pytest.ExitCode.INTERRUPTED == 2, output
    assert "KeyboardInterrupt" in output
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output
    wait_for(lambda: not processes_of(process.pid), 10, "the workers to exit")
    assert_no_thread_left(project)

    recorded = cassette_exchanges(project)
    asked = len(loopback_server.requests)
    assert len(recorded) < len(cases)  # it was interrupted...
    assert len(recorded) <= asked
    assert {e["case"] for e in recorded} <= set(cases)
    for exchange in recorded:  # ...and what it kept is whole
        city = json.loads(exchange["turn"]["calls"][0]["arguments"])["city"]
        assert city == f"City{exchange['case'][1:]}"

    returncode, output = run_pytest(project, loopback_server, *plugin_args)
    assert returncode == 0, output
    assert "8 passed" in output
    # Resumed: what the first run recorded is replayed, only the rest is asked.
    assert len(loopback_server.requests) - asked == len(cases) - len(recorded)
    assert sorted(e["case"] for e in cassette_exchanges(project)) == sorted(cases)
    assert_no_thread_left(project)


def test_stopping_at_the_first_failure_keeps_whole_cassettes(project, loopback_server):
    """``-x`` (``--maxfail=1``) cancels the runs still in flight, like Ctrl-C."""
    cases = write_spec(project, 6)

    def answer(path: str, body: Any) -> Any:
        reply = weather_reply(path, body, 0.2)
        if "City0?" in body["messages"][-1]["content"]:  # c0 gets a wrong answer
            reply[2][1]["choices"][0]["message"]["tool_calls"] = []
        return reply

    loopback_server.responder = answer
    returncode, output = run_pytest(
        project, loopback_server, "-x", "--fncall-concurrency=2"
    )
    assert returncode == pytest.ExitCode.TESTS_FAILED, output
    assert "stopping after 1 failures" in output
    recorded = cassette_exchanges(project)
    assert "c0" in {e["case"] for e in recorded}
    assert_no_thread_left(project)

    asked = len(loopback_server.requests)
    returncode, output = run_pytest(project, loopback_server)
    assert returncode == pytest.ExitCode.TESTS_FAILED, output
    assert "1 failed, 5 passed" in output
    assert len(loopback_server.requests) - asked == len(cases) - len(recorded)


def test_two_xdist_workers_recording_one_cassette_keep_every_exchange(
    project, loopback_server
):
    """The cases of one spec file run on two workers that both write its cassette,
    several times each (every two seconds, and at the end): each write merges with
    what the other wrote, under a lock, so no exchange is lost."""
    cases = write_spec(project, 24)
    loopback_server.responder = lambda path, body: weather_reply(path, body, 0.25)
    returncode, output = run_pytest(
        project, loopback_server, "-n", "2", "--fncall-concurrency=1"
    )
    assert returncode == 0, output
    assert "24 passed" in output
    assert len(loopback_server.requests) == len(cases)
    recorded = cassette_exchanges(project)
    assert sorted(e["case"] for e in recorded) == sorted(cases)

    loopback_server.close()  # replay needs no server
    returncode, output = run_pytest(
        project, loopback_server, "-n", "2", "--fncall-record-mode=none"
    )
    assert returncode == 0, output
    assert "24 passed" in output


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path, monkeypatch
):
    target = tmp_path / "cassette.json"
    target.write_text('{"old": true}\n', encoding="utf-8")

    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, '{"new": true}\n')
    assert target.read_text(encoding="utf-8") == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["cassette.json"]


def record_one(cassette: Cassette, case: str) -> None:
    request = ModelRequest("m", case, ({"role": "user", "content": case},), ())
    key = request_key("openai", request)
    cassette.record(case, "openai/m", key, 0, request, ModelTurn("hi"))


def test_an_interrupted_cassette_flush_keeps_what_is_pending_for_the_next(
    tmp_path, monkeypatch
):
    """Ctrl-C during a flush: the file stays as it was, the directory lock is released,
    and the exchanges still pending reach the file on the next flush."""
    path = tmp_path / CASSETTE_DIR / "weather.fncall.json"
    cassette = Cassette(path, [])
    record_one(cassette, "a")
    cassette.flush()
    before = path.read_text(encoding="utf-8")
    record_one(cassette, "b")
    real_fsync = os.fsync

    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cassette.flush()
    assert path.read_text(encoding="utf-8") == before
    monkeypatch.setattr(os, "fsync", real_fsync)
    cassette.flush()  # the lock was released, and "b" is still pending
    cases = [e["case"] for e in json.loads(path.read_text())["exchanges"]]
    assert cases == ["a", "b"]
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
