"""`make run` stops cleanly on SIGTERM, as on Ctrl-C: server, worker and beat all exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children_of(pid: int) -> dict[int, str]:
    """Direct children of ``pid``: run-dev starts each in a process group of its own."""
    table = subprocess.run(
        ["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True, check=True
    )
    children = {}
    for line in table.stdout.splitlines():
        child, parent, args = line.split(None, 2)
        if int(parent) == pid:
            children[int(child)] = args
    return children


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_until_serving(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"bin/run-dev exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback only)
                return
        except OSError:
            time.sleep(1)
    pytest.fail(f"nothing answered on {url} within {seconds:.0f} s")


def _run_dev_pid(top: int) -> int:
    """``make run`` → sh → bin/run-dev: the process whose children are the services."""
    pending = [top]
    while pending:
        pid = pending.pop()
        for child, args in _children_of(pid).items():
            if "bin/run-dev" in args:
                return child
            pending.append(child)
    return top


def _stops_cleanly(tmp_path: Path, command: list[str], stop_signal: int, whole_group: bool) -> None:
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        RUN_ADDR=f"127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        STOP_TIMEOUT="20",
    )
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/healthz/?check=live", process, 120)
        children = _children_of(_run_dev_pid(process.pid))
        started = " ".join(children.values())
        assert "worker" in started and "beat" in started and "runserver" in started
        if whole_group:
            os.killpg(process.pid, stop_signal)
            process.wait(timeout=40)
        else:
            process.send_signal(stop_signal)
            assert process.wait(timeout=40) == 0
        deadline = time.monotonic() + 10
        while any(map(_group_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert [children[pgid] for pgid in children if _group_alive(pgid)] == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


# One class per way of stopping: pytest-xdist (--dist loadscope) runs them side by side.
class TestSigterm:
    def test_a_service_manager_stopping_the_script_stops_everything(self, tmp_path):
        _stops_cleanly(tmp_path, ["bash", "bin/run-dev"], signal.SIGTERM, whole_group=False)


class TestCtrlC:
    def test_ctrl_c_in_the_terminal_stops_everything(self, tmp_path):
        # SIGINT to make and everything in its group at once, as a terminal sends it
        _stops_cleanly(
            tmp_path, ["make", "--no-print-directory", "run"], signal.SIGINT, whole_group=True
        )
