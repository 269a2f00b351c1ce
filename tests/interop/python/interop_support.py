"""Helpers shared by the Python interop tests (not a test module)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

NAMESPACE = "default"
T = TypeVar("T")


def stead_bin() -> str:
    """$STEAD_BIN, or a test failure that says how to set it."""
    path = os.environ.get("STEAD_BIN")
    if not path:
        pytest.fail(
            "STEAD_BIN is not set: point it at the server executable, e.g. "
            "STEAD_BIN=$PWD/build/bin/stead (or a real `temporal` CLI)",
            pytrace=False,
        )
    if not os.access(path, os.X_OK):
        pytest.fail(f"STEAD_BIN={path} is not an executable file", pytrace=False)
    return path



def child_processes() -> dict[int, list[str]]:
    """pid -> argv of every live child process of this process (Linux /proc)."""
    me = os.getpid()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = [a.decode(errors="replace") for a in argv if a]
    return found

def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_name(label: str) -> str:
    """`label` made safe and short, plus a random suffix."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", label)[:48]
    return f"{safe}-{uuid.uuid4().hex[:8]}"


def new_worker(
    client: Client,
    task_queue: str,
    *,
    workflows: Sequence[type] = (),
    activities: Sequence[Callable[..., Any]] = (),
) -> Worker:
    """A worker for one test's task queue; use as `async with new_worker(...):`."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(workflows),
        activities=list(activities),
    )


async def wait_for(
    what: str,
    fn: Callable[[], Awaitable[T]],
    *,
    timeout_s: float = 10.0,
    interval_s: float = 0.1,
) -> T:
    """Poll `fn` until it returns a truthy value (returned) or `timeout_s` passes (fails).

    Errors from `fn` are retried, except UNIMPLEMENTED, which no amount of waiting fixes.
    """
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while True:
        try:
            value = await fn()
            if value:
                return value
            last = value
        except RPCError as err:
            if err.status == RPCStatusCode.UNIMPLEMENTED:
                raise
            last = err
        except Exception as err:  # noqa: BLE001 - reported below
            last = err
        if time.monotonic() > deadline:
            detail = f"{type(last).__name__}: {last}" if isinstance(last, Exception) else repr(last)
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what} (last: {detail})")
        await asyncio.sleep(interval_s)


async def history_events(handle: WorkflowHandle[Any, Any]) -> list[Any]:
    """The run's history events (protobuf HistoryEvent)."""
    history = await handle.fetch_history()
    return list(history.events)


async def event_names(handle: WorkflowHandle[Any, Any]) -> list[str]:
    """History event type names in order, e.g. ['WORKFLOW_EXECUTION_STARTED', ...]."""
    return [
        EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in await history_events(handle)
    ]
