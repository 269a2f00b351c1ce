"""Workflow definitions shared by the Python interop tests.

Workflows call activities by name ("greet", "flaky", ...) so that each test can register its own
activity implementations (which record their calls) on its own task queue. This module is
imported by the SDK's workflow sandbox, so it must stay deterministic and import nothing but the
SDK and the standard library.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

ACTIVITY_TIMEOUT = timedelta(seconds=10)


@workflow.defn
class GreetWorkflow:
    """Test 1 (and 14): one activity, its result returned."""

    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            "greet", name, start_to_close_timeout=ACTIVITY_TIMEOUT, result_type=str
        )


@workflow.defn
class FlakyWorkflow:
    """Test 2: an activity that fails twice, retried by the server every 100 ms."""

    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            "flaky",
            name,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100),
                backoff_coefficient=1.0,
                maximum_interval=timedelta(milliseconds=100),
                maximum_attempts=5,
            ),
            result_type=str,
        )


@workflow.defn
class GatedWorkflow:
    """Test 5: runs one activity that blocks until the test opens a gate."""

    @workflow.run
    async def run(self, label: str) -> str:
        return await workflow.execute_activity(
            "wait_gate", label, start_to_close_timeout=timedelta(seconds=30), result_type=str
        )


@workflow.defn
class IdleWorkflow:
    """Tests 3 and 10: waits until terminated (or until the `stop` signal)."""

    def __init__(self) -> None:
        self.stopped = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.stopped)
        return "stopped"

    @workflow.signal
    def stop(self) -> None:
        self.stopped = True


@workflow.defn
class MailboxWorkflow:
    """Tests 6 and 7: waits for the `deliver` signal and returns its payload."""

    def __init__(self) -> None:
        self.payload: str | None = None

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.payload is not None)
        assert self.payload is not None
        return self.payload

    @workflow.signal
    def deliver(self, payload: str) -> None:
        self.payload = payload

    @workflow.query
    def state(self) -> dict[str, Any]:
        return {
            "status": "waiting" if self.payload is None else "delivered",
            "payload": self.payload,
        }


@workflow.defn
class CounterWorkflow:
    """Test 8: `add` updates with a validator that rejects non-positive amounts."""

    def __init__(self) -> None:
        self.total = 0
        self.finished = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.finished)
        return self.total

    @workflow.update
    def add(self, amount: int) -> int:
        self.total += amount
        return self.total

    @add.validator
    def validate_add(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError(f"amount must be positive, got {amount}")

    @workflow.update
    def finish(self) -> int:
        self.finished = True
        return self.total


@workflow.defn
class CancellableWorkflow:
    """Test 9: sleeps 60 s; on cancellation runs the `cleanup` activity, then re-raises."""

    @workflow.run
    async def run(self, label: str) -> str:
        try:
            await asyncio.sleep(60)
            return "slept"
        except asyncio.CancelledError:
            await workflow.execute_activity(
                "cleanup", label, start_to_close_timeout=ACTIVITY_TIMEOUT
            )
            raise


@workflow.defn
class ChildWorkflow:
    """Test 11: the child."""

    @workflow.run
    async def run(self, name: str) -> str:
        info = workflow.info()
        parent_id = info.parent.workflow_id if info.parent else None
        return f"{info.workflow_id} (parent {parent_id}) greets {name}"


@workflow.defn
class ParentWorkflow:
    """Test 11: runs ChildWorkflow with a known ID and returns what it returned."""

    @workflow.run
    async def run(self, name: str) -> str:
        child_id = f"{workflow.info().workflow_id}-child"
        result = await workflow.execute_child_workflow(ChildWorkflow.run, name, id=child_id)
        return f"parent got: {result}"


@workflow.defn
class ChainWorkflow:
    """Test 12: continues as new until `total` runs have happened; returns every run ID."""

    @workflow.run
    async def run(self, run_ids: list[str], total: int) -> list[str]:
        run_ids = [*run_ids, workflow.info().run_id]
        if len(run_ids) < total:
            workflow.continue_as_new(args=[run_ids, total])
        return run_ids


@workflow.defn
class ListedWorkflow:
    """Test 13: a workflow type used only by the visibility test."""

    @workflow.run
    async def run(self, n: int) -> int:
        return n * 2


# test_time_skipping.py (WorkflowEnvironment.start_time_skipping). workflow.now() is the server's
# (virtual) time of the current workflow task.


@workflow.defn
class TimeSkippingWorkflow:
    """TS2: sleeps one day, then (phase "waiting") waits for the `poke` signal and the `touch`
    update; returns the virtual times it saw, in seconds since it started."""

    def __init__(self) -> None:
        self.start = workflow.now()
        self.phase = "sleeping"
        self.signal: dict[str, Any] | None = None
        self.update: dict[str, Any] | None = None

    def _elapsed(self) -> float:
        return (workflow.now() - self.start).total_seconds()

    @workflow.run
    async def run(self) -> dict[str, Any]:
        await asyncio.sleep(timedelta(days=1).total_seconds())
        slept = self._elapsed()
        self.phase = "waiting"
        await workflow.wait_condition(lambda: self.signal is not None and self.update is not None)
        return {
            "slept_s": slept,
            "signal": self.signal,
            "update": self.update,
            "elapsed_s": self._elapsed(),
        }

    @workflow.query
    def current_phase(self) -> str:
        return self.phase

    @workflow.signal
    def poke(self, value: str) -> None:
        self.signal = {"value": value, "phase": self.phase, "at_s": self._elapsed()}

    @workflow.update
    def touch(self, value: str) -> str:
        self.update = {"value": value, "phase": self.phase, "at_s": self._elapsed()}
        return f"update {value} after {self.update['at_s']:.0f} s"


# The retry policy of `ts_flaky` (it fails twice): 2 h, then 4 h between attempts.
_HOURS_OF_BACKOFF = RetryPolicy(
    initial_interval=timedelta(hours=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(days=1),
    maximum_attempts=5,
)


@workflow.defn
class BackoffWorkflow:
    """TS4: the `ts_flaky` activity fails twice; the retry policy waits 2 h, then 4 h."""

    @workflow.run
    async def run(self) -> dict[str, Any]:
        start = workflow.now()
        result = await workflow.execute_activity(
            "ts_flaky",
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_HOURS_OF_BACKOFF,
            result_type=str,
        )
        return {"result": result, "elapsed_s": (workflow.now() - start).total_seconds()}


@workflow.defn
class MonthLongWorkflow:
    """bench/time_skipping.py: sleeps 30 days, runs `ts_flaky` (hours of backoff), then waits a
    year for a signal that never comes."""

    @workflow.run
    async def run(self) -> dict[str, Any]:
        start = workflow.now()
        await asyncio.sleep(timedelta(days=30).total_seconds())
        result = await workflow.execute_activity(
            "ts_flaky",
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_HOURS_OF_BACKOFF,
            result_type=str,
        )
        try:
            await workflow.wait_condition(lambda: False, timeout=timedelta(days=365))
            signalled = True
        except asyncio.TimeoutError:
            signalled = False
        return {"result": result, "signalled": signalled, "elapsed_s": (workflow.now() - start).total_seconds()}
