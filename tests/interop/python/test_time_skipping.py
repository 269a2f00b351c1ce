"""Interop tests TS1-TS4: the SDK's time-skipping test environment on Stead.

WorkflowEnvironment.start_time_skipping(test_server_existing_path=...) has the SDK's Rust core
launch `PATH <port>` (as it launches Temporal's Java test server) and use its TestService
(LockTimeSkipping, UnlockTimeSkipping, UnlockTimeSkippingWithSleep, GetCurrentTime) on the same
port. PATH is build/bin/stead-test-server, the link next to $STEAD_BIN. Time skipping starts
locked; the SDK's client unlocks it while it awaits a workflow result, and env.sleep() unlocks it
for one skip. Only virtual (server) times are asserted.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from interop_support import child_processes, new_worker, stead_bin, unique_name, wait_for
from interop_workflows import BackoffWorkflow, TimeSkippingWorkflow

HOUR_S = 3600.0
DAY_S = 24 * HOUR_S


def _test_server_path() -> str:
    """build/bin/stead-test-server: the link next to $STEAD_BIN."""
    if os.path.basename(stead_bin()) != "stead":
        # The real `temporal` CLI (the reference for the other files) has no time-skipping server.
        pytest.skip(f"STEAD_BIN={stead_bin()} is not Stead")
    path = os.path.join(os.path.dirname(stead_bin()), "stead-test-server")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} (next to STEAD_BIN) is not an executable file", pytrace=False)
    return path


class _TimeSkippingEnv:
    def __init__(self, env: WorkflowEnvironment, path: str, launched: list[list[str]]) -> None:
        self.env = env
        self.path = path
        self.launched = launched


@pytest.fixture(scope="module")
async def ts_env() -> AsyncIterator[_TimeSkippingEnv]:
    path = _test_server_path()
    before = set(child_processes())
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=path)
    try:
        launched = [argv for pid, argv in child_processes().items() if pid not in before]
        yield _TimeSkippingEnv(env, path, launched)
    finally:
        await env.shutdown()


async def test_ts1_launches_stead_test_server(ts_env: _TimeSkippingEnv, record_property) -> None:
    env = ts_env.env
    assert env.supports_time_skipping_v1 is True
    servers = [a for a in ts_env.launched if a and os.path.basename(a[0]) == "stead-test-server"]
    assert len(servers) == 1, f"expected one child running {ts_env.path}, found {ts_env.launched}"
    argv = servers[0]
    record_property("start_time_skipping_command_line", " ".join(argv))
    port = env.client.service_client.config.target_host.rsplit(":", 1)[1]
    assert argv == [ts_env.path, port], " ".join(argv)
    assert os.path.realpath(argv[0]) == os.path.realpath(stead_bin())
    # GetCurrentTime answers with a time that does not go backwards.
    t0 = await env.get_current_time()
    t1 = await env.get_current_time()
    assert t0.year >= 2020, t0
    assert t1 >= t0, (t0, t1)


async def test_ts2_one_day_sleep_then_update_and_signal(ts_env: _TimeSkippingEnv) -> None:
    env = ts_env.env
    task_queue = unique_name("interop-timeskip")
    started_at = await env.get_current_time()
    async with new_worker(env.client, task_queue, workflows=[TimeSkippingWorkflow]):
        handle = await env.client.start_workflow(
            TimeSkippingWorkflow.run, id=unique_name("timeskip"), task_queue=task_queue
        )
        # result() unlocks time skipping while it waits, so the one-day timer fires at once.
        result_task = asyncio.ensure_future(handle.result())
        try:
            await wait_for(
                "the workflow to finish its one-day sleep",
                lambda: _phase_is(handle, "waiting"),
                timeout_s=20,
            )
            update_result = await handle.execute_update(TimeSkippingWorkflow.touch, "u1")
            assert update_result.startswith("update u1 after "), update_result
            await handle.signal(TimeSkippingWorkflow.poke, "s1")
            result = await result_task
        finally:
            if not result_task.done():
                result_task.cancel()
    ended_at = await env.get_current_time()
    desc = await handle.describe()
    assert desc.status == WorkflowExecutionStatus.COMPLETED
    assert result["slept_s"] >= DAY_S, result
    assert result["update"]["value"] == "u1" and result["update"]["phase"] == "waiting", result
    assert result["update"]["at_s"] >= DAY_S, result
    assert result["signal"]["value"] == "s1" and result["signal"]["phase"] == "waiting", result
    assert result["signal"]["at_s"] >= DAY_S, result
    assert result["elapsed_s"] >= result["slept_s"], result
    advanced = (ended_at - started_at).total_seconds()
    assert advanced >= DAY_S, f"env.get_current_time() advanced by {advanced} s"
    # The server's start and close times of the run are a day apart too.
    assert desc.close_time is not None
    assert (desc.close_time - desc.start_time).total_seconds() >= DAY_S, (desc.start_time, desc.close_time)


async def _phase_is(handle, phase: str) -> bool:
    return await handle.query(TimeSkippingWorkflow.current_phase) == phase


async def test_ts3_env_sleep_skips_two_days(ts_env: _TimeSkippingEnv) -> None:
    env = ts_env.env
    started_at = await env.get_current_time()
    await env.sleep(timedelta(days=2))
    ended_at = await env.get_current_time()
    advanced = (ended_at - started_at).total_seconds()
    assert advanced >= 2 * DAY_S, f"env.get_current_time() advanced by {advanced} s"
    # A skip to the requested time, not beyond it (the margin is an hour of virtual time).
    assert advanced < 2 * DAY_S + HOUR_S, f"env.get_current_time() advanced by {advanced} s"


async def test_ts4_activity_with_hours_of_backoff(ts_env: _TimeSkippingEnv) -> None:
    env = ts_env.env
    attempts: list[tuple[int, float]] = []

    @activity.defn(name="ts_flaky")
    async def ts_flaky() -> str:
        info = activity.info()
        attempts.append((info.attempt, info.current_attempt_scheduled_time.timestamp()))
        if info.attempt < 3:
            raise RuntimeError(f"attempt {info.attempt} fails on purpose")
        return f"succeeded on attempt {info.attempt}"

    task_queue = unique_name("interop-timeskip-backoff")
    async with new_worker(env.client, task_queue, workflows=[BackoffWorkflow], activities=[ts_flaky]):
        result = await env.client.execute_workflow(
            BackoffWorkflow.run, id=unique_name("timeskip-backoff"), task_queue=task_queue
        )
    assert result["result"] == "succeeded on attempt 3", result
    assert [a for a, _ in attempts] == [1, 2, 3], attempts
    # Backoff 2 h, then 4 h (initial_interval 2 h, coefficient 2), in server time.
    gap1 = attempts[1][1] - attempts[0][1]
    gap2 = attempts[2][1] - attempts[1][1]
    assert gap1 >= 2 * HOUR_S, f"attempt 2 scheduled {gap1} s after attempt 1"
    assert gap2 >= 4 * HOUR_S, f"attempt 3 scheduled {gap2} s after attempt 2"
    assert result["elapsed_s"] >= 6 * HOUR_S, result
