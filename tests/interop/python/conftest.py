"""Fixtures for the Python interop tier: the official Temporal Python SDK against $STEAD_BIN.

Each test file gets its own server, started as
    $STEAD_BIN server start-dev --port P --ip 127.0.0.1 --headless --log-level warn
(which both `stead` and the real `temporal` CLI accept) on a free port, and killed after the
file's last test. Every test gets a unique task queue. A failing test's report carries the tail
of the server's output.

Environment:
    STEAD_BIN                 the server executable (required)
    STEAD_READY_TIMEOUT_S     how long to wait for the server to answer (default 20)
    STEAD_TEST_TIMEOUT_S      per-test time limit (default 30)
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import io
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from interop_support import NAMESPACE, free_port, stead_bin, unique_name

READY_TIMEOUT_S = float(os.environ.get("STEAD_READY_TIMEOUT_S", "20"))
TEST_TIMEOUT_S = float(os.environ.get("STEAD_TEST_TIMEOUT_S", "30"))
STOP_TIMEOUT_S = 5.0
OUTPUT_TAIL_CHARS = 8192


class DevServer:
    """A `server start-dev` process whose stdout+stderr go to a temporary file."""

    def __init__(self, bin_path: str, port: int, extra_args: list[str] | None = None) -> None:
        self.bin = bin_path
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.args = [
            bin_path, "server", "start-dev",
            "--port", str(port), "--ip", "127.0.0.1", "--headless", "--log-level", "warn",
            *(extra_args or []),
        ]
        self._log = tempfile.NamedTemporaryFile(prefix="stead-py-interop-", suffix=".log", delete=False)
        self.log_path = Path(self._log.name)
        # start_new_session: the server gets its own process group, so stop() can signal the
        # whole group (the real CLI is a single process, but be safe) without touching pytest.
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.client: Client | None = None

    @property
    def command_line(self) -> str:
        return " ".join(self.args)

    def output_tail(self, chars: int = OUTPUT_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as err:
            return f"(cannot read {self.log_path}: {err})"
        if len(text) > chars:
            text = "..." + text[-chars:]
        return text or "(no output)"

    def describe(self, message: str) -> str:
        rc = self.proc.poll()
        status = "still running" if rc is None else f"exited with code {rc}"
        return (
            f"{message}\n  command: {self.command_line}\n  server {status}\n"
            f"--- server output ---\n{self.output_tail()}\n---"
        )

    async def wait_until_ready(self, timeout_s: float = READY_TIMEOUT_S) -> Client:
        """Connect a Client (Client.connect calls GetSystemInfo) within timeout_s, or raise."""
        deadline = time.monotonic() + timeout_s
        last_err: BaseException | None = None
        while time.monotonic() < deadline and self.proc.poll() is None:
            attempt = max(0.2, min(2.0, deadline - time.monotonic()))
            try:
                client = await asyncio.wait_for(
                    Client.connect(self.address, namespace=NAMESPACE), timeout=attempt
                )
                # The namespace must be there too, not just the frontend.
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=NAMESPACE), timeout=timedelta(seconds=attempt)
                )
                return client
            except (Exception, asyncio.TimeoutError) as err:  # noqa: BLE001 - retried
                last_err = err
            await asyncio.sleep(0.1)
        why = (
            "the server exited before answering"
            if self.proc.poll() is not None
            else f"no answer within {timeout_s:.0f} s"
        )
        detail = f" (last error: {type(last_err).__name__}: {last_err})" if last_err else ""
        raise RuntimeError(self.describe(f"server on {self.address} not ready: {why}{detail}"))

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if the server has not exited after STOP_TIMEOUT_S."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def cleanup(self) -> None:
        self.stop()
        try:
            self.log_path.unlink()
        except OSError:
            pass


@pytest.fixture(scope="module")
async def dev_server(request: pytest.FixtureRequest) -> AsyncIterator[DevServer]:
    """One server per test file, with a connected client in `.client`."""
    server = DevServer(stead_bin(), free_port())
    request.node._stead_server = server  # read by pytest_runtest_makereport
    try:
        server.client = await server.wait_until_ready()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="module")
async def client(dev_server: DevServer) -> Client:
    """A Client connected to this file's server (namespace "default")."""
    assert dev_server.client is not None
    return dev_server.client


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    """A task queue nobody else uses (its name carries the test's name)."""
    return unique_name(f"interop-{request.node.name}")


@pytest.fixture
def workflow_id(request: pytest.FixtureRequest) -> str:
    """A workflow ID nobody else uses."""
    return unique_name(request.node.name)


def _with_timeout(fn):
    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        task = asyncio.ensure_future(fn(*args, **kwargs))
        done, _ = await asyncio.wait({task}, timeout=TEST_TIMEOUT_S)
        if task in done:
            return task.result()
        # Say where the test was stuck (the line of the test it was awaiting on), then cancel
        # it so that its workers shut down; give that a bounded time.
        where = io.StringIO()
        task.print_stack(limit=5, file=where)
        task.cancel()
        await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
        raise AssertionError(
            f"test did not finish within {TEST_TIMEOUT_S:.0f} s; it was waiting at:\n{where.getvalue()}"
        )

    return wrapper


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A per-test time limit, so that a server that never answers fails one test, not the run.
    for item in items:
        obj = getattr(item, "obj", None)
        if obj is not None and inspect.iscoroutinefunction(obj):
            item.obj = _with_timeout(obj)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed:
        for node in item.listchain():
            server = getattr(node, "_stead_server", None)
            if server is not None:
                report.sections.append(
                    (f"server output ({server.command_line})", server.output_tail())
                )
                break
    return report
