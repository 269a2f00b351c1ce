"""Time skipping through the official Python SDK's test environment.

WorkflowEnvironment.start_time_skipping(test_server_existing_path=PATH) launches `PATH <port>`
(as it launches Temporal's Java test server); then RUNS times the month-long workflow of
tests/interop/python/interop_workflows.py (30-day sleep, an activity failing twice with 2 h and
4 h of backoff, a one-year wait for a signal that never comes), each on a fresh task queue.
Prints one JSON line: environment start-up and per-workflow wall times (ms).

    build/python-venv/bin/python bench/time_skipping.py TEST_SERVER_PATH [runs=10]
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "interop", "python"))

from temporalio import activity  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from interop_workflows import MonthLongWorkflow  # noqa: E402


@activity.defn(name="ts_flaky")
async def ts_flaky() -> str:
    attempt = activity.info().attempt
    if attempt < 3:
        raise RuntimeError(f"attempt {attempt} fails on purpose")
    return f"succeeded on attempt {attempt}"


def stats(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    at = lambda q: s[min(len(s) - 1, int(q * len(s)))]  # noqa: E731
    return {k: round(v, 1) for k, v in {"min": s[0], "median": at(0.5), "p90": at(0.9), "max": s[-1]}.items()}


async def main(path: str, runs: int) -> None:
    # The activity fails on purpose; the SDK's warning with a traceback per failure is noise here.
    logging.getLogger("temporalio").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=path)
    startup_ms = (time.perf_counter() - t0) * 1000
    wall_ms: list[float] = []
    try:
        for _ in range(runs):
            task_queue = f"bench-month-{uuid.uuid4().hex[:8]}"
            async with Worker(env.client, task_queue=task_queue, workflows=[MonthLongWorkflow], activities=[ts_flaky]):
                started = time.perf_counter()
                result = await env.client.execute_workflow(
                    MonthLongWorkflow.run, id=f"bench-month-{uuid.uuid4().hex[:8]}", task_queue=task_queue
                )
                wall_ms.append((time.perf_counter() - started) * 1000)
            if result["elapsed_s"] < 395 * 86400 or result["signalled"] is not False:
                raise SystemExit(f"unexpected result {result}")
    finally:
        await env.shutdown()
    print(json.dumps({"harness": "python", "server": path, "startup_ms": round(startup_ms, 1), "runs": runs,
                      "workflow_wall_ms": stats(wall_ms)}))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: bench/time_skipping.py TEST_SERVER_PATH [runs=10]")
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10))
